"""Kubernetes' defaults of a pod and of a pod spec (in a pod or in a ReplicaSet's or Deployment's template),
filled in place before validation; the values are Kubernetes' own (pkg/apis/core/v1/defaults.go).
"""
from __future__ import annotations

from controlplane.apiserver.validation import podsources
from proto import types_pb2

DEFAULT_SCHEDULER_NAME = "default-scheduler"
DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30
DEFAULT_TERMINATION_MESSAGE_PATH = "/dev/termination-log"


def pod(pod: types_pb2.Pod) -> None:
    """A pod's defaults: its spec's, and what only a pod (not a template) gets."""
    pod_spec(pod.spec)
    # Only pods, not templates: Kubernetes does this in SetDefaults_Pod, so a template keeps what
    # its author wrote and each pod made from it gets its own requests.
    for container in (*pod.spec.init_containers, *pod.spec.containers):
        _requests_from_limits(container.resources)
        if pod.spec.host_network:
            _host_ports_from_container_ports(container)
    if not pod.spec.HasField("enable_service_links"):
        pod.spec.enable_service_links = True  # only pods: a template keeps what its author wrote
    if not pod.status.phase:
        pod.status.phase = "Pending"


# ---------------------------------------------------------------- pod spec

def pod_spec(spec: types_pb2.PodSpec) -> None:
    """Defaults of a pod's spec, wherever it sits: in a pod or in a ReplicaSet's or Deployment's template."""
    if not spec.dns_policy:
        spec.dns_policy = "ClusterFirst"
    if not spec.restart_policy:
        spec.restart_policy = "Always"
    if not spec.HasField("termination_grace_period_seconds"):
        spec.termination_grace_period_seconds = DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS
    if not spec.scheduler_name:
        spec.scheduler_name = DEFAULT_SCHEDULER_NAME
    spec.security_context.SetInParent()  # `securityContext: {}` when none was given, as Kubernetes shows it
    service_account_alias(spec)
    for volume in spec.volumes:
        # A volume that names no source is an emptyDir, as in Kubernetes.
        if not any(volume.HasField(f) for f in podsources.VOLUME_SOURCES):
            volume.empty_dir.SetInParent()
        if volume.HasField("ephemeral"):
            claim_spec(volume.ephemeral.volume_claim_template.spec)
        podsources.default_volume(volume)
    for container in (*spec.init_containers, *spec.containers, *spec.ephemeral_containers):
        _container(container)
    for toleration in spec.tolerations:
        if not toleration.operator:
            toleration.operator = "Equal"


def claim_spec(spec: types_pb2.PersistentVolumeClaimSpec) -> None:
    """A claim's defaults, in a PersistentVolumeClaim or in an ephemeral volume's claim template."""
    if not spec.HasField("volume_mode"):
        spec.volume_mode = "Filesystem"


def _container(c: types_pb2.Container) -> None:
    if not c.image_pull_policy:
        c.image_pull_policy = "Always" if image_tag(c.image) == "latest" else "IfNotPresent"
    if not c.termination_message_path:
        c.termination_message_path = DEFAULT_TERMINATION_MESSAGE_PATH
    if not c.termination_message_policy:
        c.termination_message_policy = "File"
    for port in c.ports:
        if not port.protocol:
            port.protocol = "TCP"
    for env in c.env:
        if env.value_from.HasField("field_ref") and not env.value_from.field_ref.api_version:
            env.value_from.field_ref.api_version = "v1"
    for probe_field in ("liveness_probe", "readiness_probe", "startup_probe"):
        if c.HasField(probe_field):
            _probe(getattr(c, probe_field))
    for hook in ("post_start", "pre_stop"):
        if c.lifecycle.HasField(hook):
            _handler(getattr(c.lifecycle, hook))


def image_tag(image: str) -> str:
    """The tag an image reference names: "latest" when it names none, "" when it pins a digest.

    The port of a registry ("localhost:5000/app") is not a tag, so only the last path part counts.
    """
    reference, _, digest = image.partition("@")
    last = reference.rsplit("/", 1)[-1]
    if ":" in last:
        return last.rsplit(":", 1)[1]
    return "" if digest else "latest"


def _probe(probe: types_pb2.Probe) -> None:
    if probe.timeout_seconds == 0:
        probe.timeout_seconds = 1
    if probe.period_seconds == 0:
        probe.period_seconds = 10
    if probe.success_threshold == 0:
        probe.success_threshold = 1
    if probe.failure_threshold == 0:
        probe.failure_threshold = 3
    _handler(probe)


def _handler(handler: types_pb2.Probe | types_pb2.LifecycleHandler) -> None:
    if handler.HasField("http_get"):
        if not handler.http_get.path:
            handler.http_get.path = "/"
        if not handler.http_get.scheme:
            handler.http_get.scheme = "HTTP"


def _requests_from_limits(resources: types_pb2.ResourceRequirements) -> None:
    # Per resource: a container limiting cpu and memory but requesting only cpu requests its memory limit.
    for name, limit in resources.limits.items():
        if name not in resources.requests:
            resources.requests[name] = limit


def _host_ports_from_container_ports(c: types_pb2.Container) -> None:
    # On the host's network a container port is a host port; saying so lets the scheduler see the conflict.
    for port in c.ports:
        if port.host_port == 0:
            port.host_port = port.container_port


def service_account_alias(spec: types_pb2.PodSpec) -> None:
    """The deprecated `serviceAccount`, as Kubernetes' v1 conversion has it: read when serviceAccountName
    is empty, and always written back as a copy of serviceAccountName (which wins when both differ)."""
    if not spec.service_account_name:
        spec.service_account_name = spec.service_account
    spec.service_account = spec.service_account_name
