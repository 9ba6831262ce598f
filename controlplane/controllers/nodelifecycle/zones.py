"""Pure decisions of node lifecycle per zone, as Kubernetes': a zone whose nodes are mostly not Ready
is in disruption and its nodes are tainted slowly or not at all, and when every node of the cluster is
not Ready the fault is taken to be the control plane's own ("master disruption"): nothing is evicted.

Kubernetes' flags and defaults: --node-eviction-rate 0.1 nodes/s per zone, --secondary-node-eviction-rate
0.01 (a zone in partial disruption, of more than --large-cluster-size-threshold 50 nodes; smaller ones
stop), --unhealthy-zone-threshold 0.55 (the share of not-Ready nodes, with more than 2 of them).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from proto import types_pb2

NORMAL = "Normal"
PARTIAL_DISRUPTION = "PartialDisruption"
FULL_DISRUPTION = "FullDisruption"

REGION_LABELS = ("topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/region")
ZONE_LABELS = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone")


@dataclass(frozen=True)
class Rates:
    """The controller's eviction settings (its flags)."""

    eviction_rate: float = 0.1
    secondary_eviction_rate: float = 0.01
    unhealthy_zone_threshold: float = 0.55
    large_cluster_size_threshold: int = 50


def _label(node: types_pb2.Node, keys: tuple[str, ...]) -> str:
    for key in keys:
        if node.metadata.labels.get(key):
            return node.metadata.labels[key]
    return ""


def zone_key(node: types_pb2.Node) -> str:
    """The node's region and zone as one key, "" for a node without either (Kubernetes' GetZoneKey)."""
    region, zone = _label(node, REGION_LABELS), _label(node, ZONE_LABELS)
    return f"{region}:\x00:{zone}" if region or zone else ""


def zone_state(ready_statuses: list[str], threshold: float) -> str:
    """Normal, PartialDisruption or FullDisruption from the Ready status of each node of one zone."""
    ready = sum(1 for s in ready_statuses if s == "True")
    not_ready = len(ready_statuses) - ready
    if ready == 0 and not_ready > 0:
        return FULL_DISRUPTION
    if not_ready > 2 and not_ready / len(ready_statuses) >= threshold:
        return PARTIAL_DISRUPTION
    return NORMAL


def tainting_rate(state: str, zone_size: int, rates: Rates) -> float:
    """Nodes per second that may get a NoExecute lifecycle taint in a zone in `state`."""
    if state == PARTIAL_DISRUPTION:
        return rates.secondary_eviction_rate if zone_size > rates.large_cluster_size_threshold else 0.0
    return rates.eviction_rate  # Normal, and a zone fully down while others are not: its nodes are gone


def master_disruption(states: dict[str, str]) -> bool:
    """Every zone fully disrupted: the control plane, not the nodes, is the likely fault."""
    return bool(states) and all(s == FULL_DISRUPTION for s in states.values())


class TokenBucket:
    """Kubernetes' token-bucket rate limiter with a burst of one: a first taint at once, then one per
    1/rate seconds. A rate of 0 never gives a token."""

    def __init__(self, rate: float, now: float):
        self.rate = rate
        self.tokens = 1.0 if rate > 0 else 0.0
        self.at = now

    def take(self, now: float) -> float:
        """0 when a token was taken; else the seconds until one can be (inf for a rate of 0)."""
        if self.rate > 0:
            self.tokens = min(1.0, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate if self.rate > 0 else math.inf
