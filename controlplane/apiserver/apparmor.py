"""The AppArmor annotation Kubernetes still honours: on a pod's create, a container's deprecated
`container.apparmor.security.beta.kubernetes.io/<name>` becomes its securityContext.appArmorProfile."""
from __future__ import annotations

from proto import types_pb2

ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/"


def profile_for_annotation(value: str) -> types_pb2.AppArmorProfile | None:
    """Kubernetes' apparmorFieldForAnnotation: runtime/default, unconfined, localhost/<name>; else None."""
    if value == "runtime/default":
        return types_pb2.AppArmorProfile(type="RuntimeDefault")
    if value == "unconfined":
        return types_pb2.AppArmorProfile(type="Unconfined")
    if value.startswith("localhost/") and value[len("localhost/"):].strip():
        return types_pb2.AppArmorProfile(type="Localhost", localhost_profile=value[len("localhost/"):])
    return None


def fields_from_annotations(pod: types_pb2.Pod) -> None:
    """Kubernetes' applyAppArmorVersionSkew, annotation to field: a container with the annotation and no
    profile of its own gets the annotation's (unless it is the pod's already); an unreadable value is left
    alone. (The other way, field to annotation, serves kubelets older than 1.30, which skiff does not have.)"""
    pod_profile = pod.spec.security_context.app_armor_profile \
        if pod.spec.security_context.HasField("app_armor_profile") else None
    for container in (*pod.spec.init_containers, *pod.spec.containers):
        value = pod.metadata.annotations.get(ANNOTATION_PREFIX + container.name)
        if value is None or container.security_context.HasField("app_armor_profile"):
            continue
        profile = profile_for_annotation(value)
        if profile is not None and profile != pod_profile:
            container.security_context.app_armor_profile.CopyFrom(profile)
