"""A pod's quality-of-service class as Kubernetes computes it (GetPodQOS): Guaranteed when every container
limits cpu and memory and requests exactly that, BestEffort when none asks for either, else Burstable."""
from __future__ import annotations

from fractions import Fraction

from api.quantity import parse_quantity
from proto import types_pb2

COMPUTE = ("cpu", "memory")  # only these decide the class (hugepages, ephemeral storage do not)


def pod_qos(pod: types_pb2.Pod) -> str:
    """"Guaranteed", "Burstable" or "BestEffort" from the (defaulted) containers and init containers."""
    requests: dict[str, Fraction] = {}
    limits: dict[str, Fraction] = {}
    guaranteed = True
    for c in [*pod.spec.init_containers, *pod.spec.containers]:
        for name in COMPUTE:
            request = _positive(c.resources.requests, name)
            if request is not None:
                requests[name] = requests.get(name, Fraction(0)) + request
            limit = _positive(c.resources.limits, name)
            if limit is not None:
                limits[name] = limits.get(name, Fraction(0)) + limit
        if not all(name in c.resources.limits for name in COMPUTE):
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and requests.keys() == limits.keys() and all(limits[n] == v for n, v in requests.items()):
        return "Guaranteed"
    return "Burstable"


def _positive(quantities, name: str) -> Fraction | None:
    if name not in quantities:
        return None
    value = parse_quantity(quantities[name])
    return value if value > 0 else None
