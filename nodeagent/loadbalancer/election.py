"""Which Ready node announces each load-balancer address: a pure function that every agent computes over
the same Services, Nodes and Endpoints, so all agree without talking, and a lost node's addresses move.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from api.loadbalancer import served
from proto import types_pb2


@dataclass(frozen=True, order=True)
class Announcement:
    ip: str
    service: str  # namespace/name
    node: str


def is_ready(node: types_pb2.Node) -> bool:
    return any(c.type == "Ready" and c.status == "True" for c in node.status.conditions)


def _rank(service: str, node: str) -> str:
    # Hashing the pair (not the node alone) spreads Services over the nodes, and a node's loss moves
    # only its own addresses: every other pair keeps its rank.
    return hashlib.sha256(f"{service}#{node}".encode()).hexdigest()


def nodes_with_local_endpoints(endpoints: types_pb2.Endpoints | None) -> set[str]:
    if endpoints is None:
        return set()
    return {a.node_name for s in endpoints.subsets for a in s.addresses if a.node_name}


def choose(services: Iterable[types_pb2.Service], nodes: Iterable[types_pb2.Node],
           endpoints_of: dict[str, types_pb2.Endpoints]) -> list[Announcement]:
    """One announcing node per address: the best-ranked Ready node (for externalTrafficPolicy: Local,
    among the Ready nodes holding a ready endpoint); an address with no candidate is announced by none."""
    ready = sorted(n.metadata.name for n in nodes if is_ready(n))
    out = []
    for svc in services:
        if not served(svc):
            continue
        key = f"{svc.metadata.namespace}/{svc.metadata.name}"
        candidates = ready
        if svc.spec.external_traffic_policy == "Local":
            local = nodes_with_local_endpoints(endpoints_of.get(key))
            candidates = [n for n in ready if n in local]
        if not candidates:
            continue
        node = min(candidates, key=lambda n: _rank(key, n))
        out += [Announcement(i.ip, key, node) for i in svc.status.load_balancer.ingress if i.ip]
    return sorted(out)
