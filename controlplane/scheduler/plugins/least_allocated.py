"""NodeResourcesLeastAllocated: prefer the node with the most cpu and memory left after placing the pod,
which spreads load. Score = mean over cpu and memory of free / allocatable, times 100."""
from __future__ import annotations

from controlplane.scheduler.framework import MAX_NODE_SCORE, ScorePlugin
from controlplane.scheduler.nodeinfo import NodeInfo
from controlplane.scheduler.podinfo import PodInfo


def _free_share(requested: int, allocatable: int) -> int:
    if allocatable <= 0 or requested > allocatable:
        return 0
    return (allocatable - requested) * MAX_NODE_SCORE // allocatable


class LeastAllocated(ScorePlugin):
    name = "NodeResourcesLeastAllocated"

    def score(self, pod: PodInfo, node: NodeInfo) -> int:
        return (_free_share(node.nonzero_cpu + pod.nonzero_cpu, node.allocatable_cpu)
                + _free_share(node.nonzero_memory + pod.nonzero_memory, node.allocatable_memory)) // 2
