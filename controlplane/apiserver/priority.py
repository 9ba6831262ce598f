"""Kubernetes' Priority admission decisions, as pure functions: a new pod's priority and preemption policy from
the PriorityClass it names (or the global default), and whether a class may become the global default."""
from __future__ import annotations

from collections.abc import Iterable

from api import priority
from proto import types_pb2


def resolve(pod: types_pb2.Pod, pc: types_pb2.PriorityClass | None) -> str:
    """Fill in the pod's priority and preemptionPolicy from `pc` (the class it names, or else the globalDefault
    class, or None for neither); the refusal when the pod gave values that differ ("" when admitted)."""
    spec = pod.spec
    if pc is not None and not spec.priority_class_name:
        spec.priority_class_name = pc.metadata.name  # the global default is named, as Kubernetes does
    value = pc.value if pc is not None else priority.DEFAULT_PRIORITY
    if spec.HasField("priority") and spec.priority != value:
        return (f"the integer value of priority ({spec.priority}) must not be provided in pod spec; priority "
                f"admission controller computed {value} from the given PriorityClass name")
    # no class at all: PreemptLowerPriority, as Kubernetes' getDefaultPriority gives
    policy = priority.preemption_policy(pc) if pc is not None else priority.PREEMPT_LOWER_PRIORITY
    if spec.HasField("preemption_policy") and spec.preemption_policy != policy:
        return (f"the string value of PreemptionPolicy ({spec.preemption_policy}) must not be provided in pod "
                f"spec; priority admission controller computed {policy} from the given PriorityClass name")
    spec.priority, spec.preemption_policy = value, policy
    return ""


def unknown_class(name: str) -> str:
    return f"no PriorityClass with name {name} was found"


def second_default(pc: types_pb2.PriorityClass, creating: bool, classes: Iterable[types_pb2.PriorityClass]) -> str:
    """Why `pc` may not be the global default (another one is), or ""."""
    if not pc.global_default:
        return ""
    current = priority.default_class(classes)
    if current is not None and (creating or current.metadata.name != pc.metadata.name):
        return f"PriorityClass {current.metadata.name} is already marked as default. Only one default can exist"
    return ""
