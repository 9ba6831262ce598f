"""The ConfigMaps and Secrets a pod names: what its node's agent needs and the Node authorizer allows.

A pure function of the pod spec, shared by the agent (what to watch) and the API server (what a node may read).
"""
from __future__ import annotations

from proto import types_pb2


def references(pod: types_pb2.Pod) -> set[tuple[str, str]]:
    """Every ConfigMap and Secret the pod names, as (kind, name): volumes, env, envFrom, imagePullSecrets."""
    refs: set[tuple[str, str]] = {("Secret", s.name) for s in pod.spec.image_pull_secrets if s.name}
    for v in pod.spec.volumes:
        if v.HasField("config_map"):
            refs.add(("ConfigMap", v.config_map.name))
        if v.HasField("secret"):
            refs.add(("Secret", v.secret.secret_name))
        for source in v.projected.sources:
            if source.HasField("config_map"):
                refs.add(("ConfigMap", source.config_map.name))
            if source.HasField("secret"):
                refs.add(("Secret", source.secret.name))
    for c in [*pod.spec.init_containers, *pod.spec.containers]:
        for var in c.env:
            if var.value_from.HasField("config_map_key_ref"):
                refs.add(("ConfigMap", var.value_from.config_map_key_ref.name))
            if var.value_from.HasField("secret_key_ref"):
                refs.add(("Secret", var.value_from.secret_key_ref.name))
        for source in c.env_from:
            if source.HasField("config_map_ref"):
                refs.add(("ConfigMap", source.config_map_ref.name))
            if source.HasField("secret_ref"):
                refs.add(("Secret", source.secret_ref.name))
    return refs
