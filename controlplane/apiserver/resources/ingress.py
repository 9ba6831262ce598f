"""Ingresses: HTTP(S) routes from outside to Services; the ingress controller owns the status."""
from __future__ import annotations

from controlplane.apiserver.resources.strategy import Strategy
from controlplane.apiserver.validation import ingress
from proto import types_pb2


class IngressStrategy(Strategy):
    sample = {"metadata": {"name": "sample"},
              "spec": {"defaultBackend": {"service": {"name": "web", "port": {"number": 80}}}}}

    def validate(self, ing: types_pb2.Ingress) -> list[str]:
        return ingress.validate_ingress(ing)


STRATEGY = IngressStrategy()
