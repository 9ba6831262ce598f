"""PriorityClasses (scheduling.k8s.io/v1): a name for a pod priority value; preemptionPolicy PreemptLowerPriority by
default; value and policy fixed once made; the two system classes made at start and never deleted."""
from __future__ import annotations

from api import priority
from controlplane.apiserver.resources.strategy import Strategy
from controlplane.apiserver.validation import priority as validation
from proto import types_pb2


class PriorityClassStrategy(Strategy):
    bootstrap = priority.SYSTEM_CLASSES
    sample = {"metadata": {"name": "sample"}, "value": 1000}

    def default(self, pc: types_pb2.PriorityClass) -> None:
        if not pc.HasField("preemption_policy"):
            pc.preemption_policy = priority.PREEMPT_LOWER_PRIORITY

    def validate(self, pc: types_pb2.PriorityClass) -> list[str]:
        return validation.validate_priority_class(pc)

    def validate_update(self, new: types_pb2.PriorityClass, old: types_pb2.PriorityClass) -> list[str]:
        return validation.validate_priority_class_update(new, old)

    def refuse_deletion(self, name: str) -> str:
        # Kubernetes' priorityclass REST storage: the system classes stay
        return "this is a system priority class and cannot be deleted" if name in priority.SYSTEM_CLASS_NAMES else ""


STRATEGY = PriorityClassStrategy()
