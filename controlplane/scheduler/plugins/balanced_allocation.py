"""NodeResourcesBalancedAllocation: prefer nodes where cpu and memory would be used in equal shares,
so that neither runs out while the other idles. Score = (1 - spread of the two shares) * 100."""
from __future__ import annotations

from controlplane.scheduler.framework import MAX_NODE_SCORE, ScorePlugin
from controlplane.scheduler.nodeinfo import NodeInfo
from controlplane.scheduler.podinfo import PodInfo


def _share(requested: int, allocatable: int) -> float:
    return 1.0 if allocatable <= 0 else min(1.0, requested / allocatable)


class BalancedAllocation(ScorePlugin):
    name = "NodeResourcesBalancedAllocation"

    def score(self, pod: PodInfo, node: NodeInfo) -> int:
        cpu = _share(node.nonzero_cpu + pod.nonzero_cpu, node.allocatable_cpu)
        memory = _share(node.nonzero_memory + pod.nonzero_memory, node.allocatable_memory)
        # The standard deviation of two values is half their distance.
        return int((1 - abs(cpu - memory) / 2) * MAX_NODE_SCORE)
