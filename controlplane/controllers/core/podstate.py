"""What controllers ask of a pod: is it active, ready, available for minReadySeconds, and which pods
to delete first on scale-down (Kubernetes' ActivePods ordering).
"""
from __future__ import annotations

from datetime import datetime

from api import meta, podstatus
from proto import types_pb2

TERMINAL = podstatus.TERMINAL_PHASES
_PHASE_RANK = {"Pending": 0, "Unknown": 1, "Running": 2}


def is_active(pod: types_pb2.Pod) -> bool:
    """Counts toward replicas: not finished and not being deleted."""
    return pod.status.phase not in TERMINAL and not pod.metadata.deletion_timestamp


def is_ready(pod: types_pb2.Pod) -> bool:
    c = meta.get_condition(pod.status.conditions, "Ready")
    return c is not None and c.status == "True"


def ready_since(pod: types_pb2.Pod) -> datetime | None:
    c = meta.get_condition(pod.status.conditions, "Ready")
    if c is None or c.status != "True":
        return None
    return meta.parse_time(c.last_transition_time) or meta.parse_time(pod.metadata.creation_timestamp)


def is_available(pod: types_pb2.Pod, min_ready_seconds: int, now: datetime) -> bool:
    """Ready, and for at least minReadySeconds."""
    since = ready_since(pod)
    if since is None:
        return False
    return min_ready_seconds == 0 or (now - since).total_seconds() >= min_ready_seconds


def seconds_until_available(pod: types_pb2.Pod, min_ready_seconds: int, now: datetime) -> float | None:
    """For a ready pod not yet available: when to look again; None otherwise."""
    since = ready_since(pod)
    if since is None or min_ready_seconds == 0:
        return None
    left = min_ready_seconds - (now - since).total_seconds()
    return left if left > 0 else None


def restarts(pod: types_pb2.Pod) -> int:
    return max((c.restart_count for c in pod.status.container_statuses), default=0)


def deletion_order_key(pod: types_pb2.Pod):
    """Sort ascending, delete from the front: unscheduled, pending, not ready, ready for less time,
    restarted more, then newest first (Kubernetes' ActivePods.Less)."""
    since = ready_since(pod)
    created = meta.parse_time(pod.metadata.creation_timestamp)
    return (
        1 if pod.spec.node_name else 0,
        _PHASE_RANK.get(pod.status.phase, 0),
        1 if is_ready(pod) else 0,
        -(since.timestamp()) if since else 0.0,  # more recently ready goes first
        -restarts(pod),
        -(created.timestamp()) if created else 0.0,  # newer goes first
        pod.metadata.name,
    )


def pods_to_delete(pods: list[types_pb2.Pod], count: int) -> list[types_pb2.Pod]:
    return sorted(pods, key=deletion_order_key)[:max(count, 0)]
