"""The plugin registry: every plugin by name, and the default profile a scheduler runs.

Filters run cheapest first, so most nodes are turned down by an attribute check."""
from __future__ import annotations

from collections.abc import Callable

from controlplane.scheduler.framework import FilterPlugin, Profile, ScorePlugin
from controlplane.scheduler.plugins.balanced_allocation import BalancedAllocation
from controlplane.scheduler.plugins.inter_pod_affinity import InterPodAffinity
from controlplane.scheduler.plugins.least_allocated import LeastAllocated
from controlplane.scheduler.plugins.node_affinity import NodeAffinity
from controlplane.scheduler.plugins.node_ports import NodePorts
from controlplane.scheduler.plugins.node_ready import NodeReady
from controlplane.scheduler.plugins.node_unschedulable import NodeUnschedulable
from controlplane.scheduler.plugins.owner_spread import OwnerSpread
from controlplane.scheduler.plugins.pod_topology_spread import PodTopologySpread
from controlplane.scheduler.plugins.resources_fit import NodeResourcesFit
from controlplane.scheduler.plugins.taint_toleration import TaintToleration
from controlplane.scheduler.plugins.volume_binding import VolumeBinding

REGISTRY: dict[str, Callable[[], FilterPlugin | ScorePlugin]] = {
    p.name: p for p in (NodeReady, NodeUnschedulable, NodeAffinity, TaintToleration, NodePorts, NodeResourcesFit,
                        LeastAllocated, BalancedAllocation, OwnerSpread, InterPodAffinity, PodTopologySpread,
                        VolumeBinding)
}

DEFAULT_FILTERS = ("NodeReady", "NodeUnschedulable", "NodeAffinity", "TaintToleration", "NodePorts",
                   "NodeResourcesFit", "VolumeBinding", "PodTopologySpread", "InterPodAffinity")
# Weights are the plugins' own (Kubernetes' defaults): TaintToleration 3, NodeAffinity, PodTopologySpread and
# InterPodAffinity 2, the others 1.
DEFAULT_SCORES = ("NodeResourcesLeastAllocated", "NodeResourcesBalancedAllocation", "OwnerSpread", "TaintToleration",
                  "NodeAffinity", "PodTopologySpread", "InterPodAffinity")


def profile(filters=DEFAULT_FILTERS, scores=DEFAULT_SCORES) -> Profile:
    """A profile of the named plugins, each made fresh by its factory."""
    return Profile(tuple(REGISTRY[n]() for n in filters), tuple(REGISTRY[n]() for n in scores))
