"""Pure decisions of node lifecycle: when a node's heartbeat is stale, what its conditions become,
which NoExecute taint it carries (unreachable, not-ready), and when each pod is due for eviction.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from api import meta
from proto import types_pb2

UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"
LIFECYCLE_TAINTS = (UNREACHABLE, NOT_READY)
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


def wanted_taint(ready: str, stale: bool, current: str | None) -> str | None:
    """The NoExecute taint a node should carry, as Kubernetes': unreachable when its agent went silent,
    not-ready when the agent itself reports Ready=False, none when Ready=True. An agent that is alive
    but has not said Ready yet (Unknown) keeps the `current` one until it does."""
    if stale:
        return UNREACHABLE
    if ready == "False":
        return NOT_READY
    return None if ready == "True" else current


def lifecycle_taint(node: types_pb2.Node, key: str | None = None) -> types_pb2.Taint | None:
    """The node's unreachable or not-ready NoExecute taint (only `key`'s when given)."""
    for taint in node.spec.taints:
        if taint.effect == NO_EXECUTE and taint.key in LIFECYCLE_TAINTS and key in (None, taint.key):
            return taint
    return None


def with_lifecycle_taint(node: types_pb2.Node, key: str | None, now: datetime) -> types_pb2.Node | None:
    """The node carrying exactly the lifecycle taint `key` (None: neither); None when it already does."""
    current = [t for t in node.spec.taints if t.effect == NO_EXECUTE and t.key in LIFECYCLE_TAINTS]
    if [t.key for t in current] == ([key] if key else []):
        return None
    out = types_pb2.Node()
    out.CopyFrom(node)
    keep = [t for t in out.spec.taints if not (t.effect == NO_EXECUTE and t.key in LIFECYCLE_TAINTS)]
    del out.spec.taints[:]
    out.spec.taints.extend(keep)
    if key:
        out.spec.taints.add(key=key, effect=NO_EXECUTE, time_added=meta.format_time(now))
    return out


def unreachable_taint(node: types_pb2.Node) -> types_pb2.Taint | None:
    return lifecycle_taint(node, UNREACHABLE)


def with_unreachable_taint(node: types_pb2.Node, now: datetime) -> types_pb2.Node:
    return with_lifecycle_taint(node, UNREACHABLE, now) or node


def without_unreachable_taint(node: types_pb2.Node) -> types_pb2.Node:
    if unreachable_taint(node) is None:
        return node
    return with_lifecycle_taint(node, None, datetime.min) or node


def tolerance(pod: types_pb2.Pod, default_seconds: float, key: str = UNREACHABLE) -> float | None:
    """How long the pod stays on a node tainted `key`: its own toleration's seconds, None for ever
    (a toleration without seconds), else the controller's --pod-eviction-timeout."""
    for t in pod.spec.tolerations:
        if t.effect not in ("", NO_EXECUTE):
            continue
        if (t.operator == "Exists" and t.key in ("", key)) or (t.key == key and t.operator in ("", "Equal")):
            return float(t.toleration_seconds) if t.HasField("toleration_seconds") else None
    return default_seconds


def eviction_time(pod: types_pb2.Pod, tainted_at: datetime, default_seconds: float,
                  key: str = UNREACHABLE) -> datetime | None:
    seconds = tolerance(pod, default_seconds, key)
    return None if seconds is None else tainted_at + timedelta(seconds=max(seconds, 0))
