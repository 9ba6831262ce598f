"""Pure decisions of node lifecycle: when a node's heartbeat is stale, what its conditions become,
the unreachable taint, and when each of its pods is due for eviction (honouring tolerations).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from api import meta
from proto import types_pb2

UNREACHABLE = "node.kubernetes.io/unreachable"
NO_EXECUTE = "NoExecute"
NODE_CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")
STOPPED_POSTING = "Kubelet stopped posting node status."
NEVER_POSTED = "Kubelet never posted node status."


def is_stale(last_change: float, now: float, grace: float) -> bool:
    """No heartbeat seen for longer than the grace period (times from one monotonic clock)."""
    return now - last_change > grace


def mark_unknown(conditions, now: datetime) -> bool:
    """Set Ready and the pressure conditions to Unknown; True if anything changed."""
    changed = False
    for type_ in NODE_CONDITIONS:
        current = meta.get_condition(conditions, type_)
        message = STOPPED_POSTING if current is not None else NEVER_POSTED
        if current is not None and current.status == "Unknown":
            continue
        reason = "NodeStatusUnknown" if current is not None else "NodeStatusNeverUpdated"
        changed |= meta.set_condition(conditions, type_, "Unknown", reason, message, now)
    return changed


def ready_status(node: types_pb2.Node) -> str:
    c = meta.get_condition(node.status.conditions, "Ready")
    return c.status if c is not None else "Unknown"


def unreachable_taint(node: types_pb2.Node) -> types_pb2.Taint | None:
    for taint in node.spec.taints:
        if taint.key == UNREACHABLE and taint.effect == NO_EXECUTE:
            return taint
    return None


def with_unreachable_taint(node: types_pb2.Node, now: datetime) -> types_pb2.Node:
    out = types_pb2.Node()
    out.CopyFrom(node)
    out.spec.taints.add(key=UNREACHABLE, effect=NO_EXECUTE, time_added=meta.format_time(now))
    return out


def without_unreachable_taint(node: types_pb2.Node) -> types_pb2.Node:
    out = types_pb2.Node()
    out.CopyFrom(node)
    keep = [t for t in out.spec.taints if not (t.key == UNREACHABLE and t.effect == NO_EXECUTE)]
    del out.spec.taints[:]
    out.spec.taints.extend(keep)
    return out


def tolerance(pod: types_pb2.Pod, default_seconds: float) -> float | None:
    """How long the pod stays on an unreachable node: its own toleration's seconds, None for ever
    (a toleration without seconds), else the controller's --pod-eviction-timeout."""
    for t in pod.spec.tolerations:
        if t.effect not in ("", NO_EXECUTE):
            continue
        if (t.operator == "Exists" and t.key in ("", UNREACHABLE)) or (t.key == UNREACHABLE and
                                                                       t.operator in ("", "Equal")):
            return float(t.toleration_seconds) if t.HasField("toleration_seconds") else None
    return default_seconds


def eviction_time(pod: types_pb2.Pod, tainted_at: datetime, default_seconds: float) -> datetime | None:
    seconds = tolerance(pod, default_seconds)
    return None if seconds is None else tainted_at + timedelta(seconds=max(seconds, 0))
