"""Kubernetes' RuntimeClass admission: a new pod naming a RuntimeClass gets the class's overhead and its scheduling
(nodeSelector and tolerations merged into the pod's); overhead set by anyone else is refused. Pure functions."""
from __future__ import annotations

from proto import types_pb2


def not_found(name: str) -> str:
    return f'pod rejected: RuntimeClass "{name}" not found'


def admit(pod: types_pb2.Pod, rc: types_pb2.RuntimeClass | None) -> str | None:
    """Mutating: set the pod's overhead and scheduling from its class. Returns the refusal, or None."""
    if rc is None:
        return None
    if rc.HasField("overhead"):
        if pod.spec.overhead and dict(pod.spec.overhead) != dict(rc.overhead.pod_fixed):
            return "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead"
        pod.spec.overhead.clear()
        pod.spec.overhead.update(rc.overhead.pod_fixed)
    if rc.HasField("scheduling"):
        selector = pod.spec.node_selector
        for key, value in rc.scheduling.node_selector.items():
            if key in selector and selector[key] != value:
                return (f"conflict: runtimeClass.scheduling.nodeSelector[{key}] = {value}; "
                        f"pod.spec.nodeSelector[{key}] = {selector[key]}")
            selector[key] = value
        merged = merge_tolerations(list(pod.spec.tolerations), list(rc.scheduling.tolerations))
        del pod.spec.tolerations[:]
        pod.spec.tolerations.extend(merged)
    return None


def validate(pod: types_pb2.Pod, rc: types_pb2.RuntimeClass | None) -> str | None:
    """Validating: the pod's overhead is its class's, or it has none."""
    if rc is not None and rc.HasField("overhead"):
        if dict(pod.spec.overhead) != dict(rc.overhead.pod_fixed):
            return "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead"
    elif pod.spec.overhead:
        return "pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead"
    return None


def merge_tolerations(first: list[types_pb2.Toleration], second: list[types_pb2.Toleration]) -> list[types_pb2.Toleration]:
    """Kubernetes' MergeTolerations, simplified to what decides the outcome: both lists, each toleration once,
    one that another tolerates everything of (an `Exists` on the same key and effect, or on every key) left out."""
    everything = first + second
    merged: list[types_pb2.Toleration] = []
    for i, t in enumerate(everything):
        if any(t == m for m in merged):
            continue
        if any(j != i and o != t and _covers(o, t) for j, o in enumerate(everything)):
            continue
        merged.append(t)
    return merged


def _covers(wide: types_pb2.Toleration, narrow: types_pb2.Toleration) -> bool:
    """Whether `wide` tolerates every taint `narrow` does (Kubernetes' isSuperset)."""
    if wide.effect and wide.effect != narrow.effect:
        return False
    if wide.effect == "NoExecute" and wide.HasField("toleration_seconds"):
        if not narrow.HasField("toleration_seconds") or narrow.toleration_seconds > wide.toleration_seconds:
            return False
    if wide.operator == "Exists":
        return not wide.key or wide.key == narrow.key
    return (wide.key, wide.operator or "Equal", wide.value) == (narrow.key, narrow.operator or "Equal", narrow.value)
