"""NodeResourcesLeastAllocated: prefer the node with the most cpu and memory left after placing the pod,
which spreads load. Score = mean over cpu and memory of free / allocatable, times 100."""
from __future__ import annotations

from collections.abc import Sequence

from controlplane.scheduler.framework import MAX_NODE_SCORE, ScorePlugin
from controlplane.scheduler.nodeinfo import NodeInfo
from controlplane.scheduler.podinfo import PodInfo


def free_share(requested: int, allocatable: int) -> int:
    if allocatable <= 0 or requested > allocatable:
        return 0
    return (allocatable - requested) * MAX_NODE_SCORE // allocatable


class LeastAllocated(ScorePlugin):
    name = "NodeResourcesLeastAllocated"

    def score(self, pod: PodInfo, nodes: Sequence[NodeInfo]) -> list[int]:
        cpu, memory = pod.nonzero_cpu, pod.nonzero_memory
        return [(free_share(n.nonzero_cpu + cpu, n.allocatable_cpu)
                 + free_share(n.nonzero_memory + memory, n.allocatable_memory)) // 2 for n in nodes]
