"""Kubernetes' defaulting: fills the fields a user may leave out, in place, before validation.

The values are Kubernetes' own (pkg/apis/core/v1/defaults.go, apps/v1), so a manifest stores as it would there.
"""
from __future__ import annotations

from collections.abc import Callable

from google.protobuf.message import Message

from api import kinds, manifest
from proto import types_pb2

DEFAULT_NAMESPACE = "default"
DEFAULT_SCHEDULER_NAME = "default-scheduler"
DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30
DEFAULT_TERMINATION_MESSAGE_PATH = "/dev/termination-log"
DEFAULT_CLIENT_IP_TIMEOUT_SECONDS = 10800  # three hours, as Kubernetes
DEFAULT_REVISION_HISTORY_LIMIT = 10
DEFAULT_PROGRESS_DEADLINE_SECONDS = 600
DEFAULT_MAX_UNAVAILABLE = "25%"
DEFAULT_MAX_SURGE = "25%"


def apply(obj: Message) -> None:
    """Fill every defaulted field of `obj` that is unset, as the API server does on create and update."""
    kind = kinds.of(obj)
    if kind.namespaced and not obj.metadata.namespace:
        obj.metadata.namespace = DEFAULT_NAMESPACE
    _BY_KIND[kind.name](obj)


# ---------------------------------------------------------------- kinds

def _pod(pod: types_pb2.Pod) -> None:
    pod_spec(pod.spec)
    # Only pods, not templates: Kubernetes does this in SetDefaults_Pod, so a template keeps what
    # its author wrote and each pod made from it gets its own requests.
    for container in (*pod.spec.init_containers, *pod.spec.containers):
        _requests_from_limits(container.resources)
        if pod.spec.host_network:
            _host_ports_from_container_ports(container)
    if not pod.status.phase:
        pod.status.phase = "Pending"


def _replica_set(rs: types_pb2.ReplicaSet) -> None:
    if not rs.spec.HasField("replicas"):
        rs.spec.replicas = 1
    # apps/v1 requires the selector: it is never derived from the template labels.
    pod_spec(rs.spec.template.spec)


def _deployment(deploy: types_pb2.Deployment) -> None:
    spec = deploy.spec
    if not spec.HasField("replicas"):
        spec.replicas = 1
    if not spec.strategy.type:
        spec.strategy.type = "RollingUpdate"
    if spec.strategy.type == "RollingUpdate":
        rolling = spec.strategy.rolling_update
        rolling.SetInParent()
        if rolling.max_unavailable.WhichOneof("value") is None:
            rolling.max_unavailable.str_value = DEFAULT_MAX_UNAVAILABLE
        if rolling.max_surge.WhichOneof("value") is None:
            rolling.max_surge.str_value = DEFAULT_MAX_SURGE
    if not spec.HasField("revision_history_limit"):
        spec.revision_history_limit = DEFAULT_REVISION_HISTORY_LIMIT
    if not spec.HasField("progress_deadline_seconds"):
        spec.progress_deadline_seconds = DEFAULT_PROGRESS_DEADLINE_SECONDS
    pod_spec(spec.template.spec)


def _service(svc: types_pb2.Service) -> None:
    spec = svc.spec
    if not spec.session_affinity:
        spec.session_affinity = "None"
    if spec.session_affinity == "None":
        # Kubernetes drops the config of an affinity that is off rather than keep a dead setting.
        spec.ClearField("session_affinity_config")
    elif spec.session_affinity == "ClientIP":
        client_ip = spec.session_affinity_config.client_ip
        if not client_ip.HasField("timeout_seconds"):
            client_ip.timeout_seconds = DEFAULT_CLIENT_IP_TIMEOUT_SECONDS
    if not spec.type:
        spec.type = "ClusterIP"
    for port in spec.ports:
        if not port.protocol:
            port.protocol = "TCP"
        if manifest.int_or_string_value(port.target_port) in (None, 0, ""):
            port.target_port.int_value = port.port
    if _externally_accessible(spec) and not spec.external_traffic_policy:
        spec.external_traffic_policy = "Cluster"
    if not spec.internal_traffic_policy and spec.type in ("ClusterIP", "NodePort", "LoadBalancer"):
        spec.internal_traffic_policy = "Cluster"


def _externally_accessible(spec: types_pb2.ServiceSpec) -> bool:
    return spec.type in ("NodePort", "LoadBalancer") or (spec.type == "ClusterIP" and len(spec.external_ips) > 0)


def _endpoints(ep: types_pb2.Endpoints) -> None:
    for subset in ep.subsets:
        for port in subset.ports:
            if not port.protocol:
                port.protocol = "TCP"


def _node(node: types_pb2.Node) -> None:
    # A node that reports no allocatable resources offers all of its capacity (SetDefaults_NodeStatus).
    if not node.status.allocatable:
        node.status.allocatable.update(node.status.capacity)


def _namespace(ns: types_pb2.Namespace) -> None:
    if not ns.status.phase:
        ns.status.phase = "Active"


def _event(event: types_pb2.Event) -> None:
    if not event.type:
        event.type = "Normal"
    if event.count == 0:
        event.count = 1


def _nothing(obj: Message) -> None:
    pass


_BY_KIND: dict[str, Callable[[Message], None]] = {
    "Namespace": _namespace,
    "Node": _node,
    "Pod": _pod,
    "ReplicaSet": _replica_set,
    "Deployment": _deployment,
    "Service": _service,
    "Endpoints": _endpoints,
    "Event": _event,
    "Lease": _nothing,
}


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
    for volume in spec.volumes:
        # A volume that names no source is an emptyDir, as in Kubernetes.
        if not volume.HasField("empty_dir") and not volume.HasField("host_path"):
            volume.empty_dir.SetInParent()
    for container in (*spec.init_containers, *spec.containers):
        _container(container)
    for toleration in spec.tolerations:
        if not toleration.operator:
            toleration.operator = "Equal"


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
