"""Native sidecars (Kubernetes 1.29): an init container with `restartPolicy: Always` keeps running beside
the app containers. Who is one, and which containers of a pod run for as long as it does."""
from __future__ import annotations

from proto import types_pb2


def is_sidecar(container: types_pb2.Container) -> bool:
    return container.restart_policy == "Always"


def sidecars(pod: types_pb2.Pod) -> list[types_pb2.Container]:
    return [c for c in pod.spec.init_containers if is_sidecar(c)]


def long_running(pod: types_pb2.Pod) -> list[types_pb2.Container]:
    """The containers that run until the pod ends and may be probed: sidecars, then app containers."""
    return [*sidecars(pod), *pod.spec.containers]
