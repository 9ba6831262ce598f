"""RuntimeClasses (node.k8s.io/v1): a named container runtime configuration pods ask for with
spec.runtimeClassName; the RuntimeClass admission (admission.py) copies its overhead and scheduling into them."""
from __future__ import annotations

from controlplane.apiserver.resources.strategy import Strategy
from controlplane.apiserver.validation import runtimeclasses
from proto import types_pb2


class RuntimeClassStrategy(Strategy):
    sample = {"metadata": {"name": "sample"}, "handler": "runc"}

    def validate(self, rc: types_pb2.RuntimeClass) -> list[str]:
        return runtimeclasses.validate_runtime_class(rc)

    def validate_update(self, new: types_pb2.RuntimeClass, old: types_pb2.RuntimeClass) -> list[str]:
        return runtimeclasses.validate_runtime_class_update(new, old)


STRATEGY = RuntimeClassStrategy()
