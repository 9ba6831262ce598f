"""Endpoints: the addresses behind a Service, written by the endpoints controller; TCP by default."""
from __future__ import annotations

from controlplane.apiserver.resources.strategy import Strategy
from controlplane.apiserver.validation import services
from proto import types_pb2


class EndpointsStrategy(Strategy):
    sample = {"metadata": {"name": "sample"},
              "subsets": [{"addresses": [{"ip": "10.244.1.5"}], "ports": [{"port": 80}]}]}

    def default(self, ep: types_pb2.Endpoints) -> None:
        for subset in ep.subsets:
            for port in subset.ports:
                if not port.protocol:
                    port.protocol = "TCP"

    def validate(self, ep: types_pb2.Endpoints) -> list[str]:
        return services.validate_endpoints(ep)


STRATEGY = EndpointsStrategy()
