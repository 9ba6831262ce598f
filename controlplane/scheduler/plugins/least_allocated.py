"""NodeResourcesLeastAllocated: prefer the node with the most cpu and memory left after placing the pod,
which spreads load. Score = mean over cpu and memory of free / allocatable, times 100."""
from __future__ import annotations

from collections.abc import Sequence

from controlplane.scheduler.framework import MAX_NODE_SCORE, ScorePlugin
from controlplane.scheduler.nodeinfo import NodeInfo
from controlplane.scheduler.podinfo import PodInfo


class LeastAllocated(ScorePlugin):
    name = "NodeResourcesLeastAllocated"

    def score(self, pod: PodInfo, nodes: Sequence[NodeInfo]) -> list[int]:
        cpu, memory = pod.nonzero_cpu, pod.nonzero_memory
        # Per resource: (allocatable - requested) * 100 // allocatable, 0 when it does not fit. Written out in
        # one expression: it runs for hundreds of nodes per pod, and a helper call per resource doubles its time.
        return [(((n.allocatable_cpu - n.nonzero_cpu - cpu) * MAX_NODE_SCORE // n.allocatable_cpu
                  if n.allocatable_cpu > 0 and n.nonzero_cpu + cpu <= n.allocatable_cpu else 0)
                 + ((n.allocatable_memory - n.nonzero_memory - memory) * MAX_NODE_SCORE // n.allocatable_memory
                    if n.allocatable_memory > 0 and n.nonzero_memory + memory <= n.allocatable_memory else 0)) // 2
                for n in nodes]
