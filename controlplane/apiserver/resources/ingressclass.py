"""IngressClasses: which controller serves the Ingresses naming the class; the controller is fixed."""
from __future__ import annotations

from controlplane.apiserver.resources.strategy import Strategy
from controlplane.apiserver.validation import ingress
from proto import types_pb2


class IngressClassStrategy(Strategy):
    sample = {"metadata": {"name": "sample"}, "spec": {"controller": "example.com/ingress"}}

    def validate(self, cls: types_pb2.IngressClass) -> list[str]:
        return ingress.validate_ingress_class(cls)

    def validate_update(self, new: types_pb2.IngressClass, old: types_pb2.IngressClass) -> list[str]:
        return ingress.validate_ingress_class_update(new, old)


STRATEGY = IngressClassStrategy()
