"""NodeResourcesBalancedAllocation: prefer nodes where cpu and memory would be used in equal shares,
so that neither runs out while the other idles. Score = (1 - spread of the two shares) * 100."""
from __future__ import annotations

from collections.abc import Sequence

from controlplane.scheduler.framework import MAX_NODE_SCORE, ScorePlugin
from controlplane.scheduler.nodeinfo import NodeInfo
from controlplane.scheduler.podinfo import PodInfo


class BalancedAllocation(ScorePlugin):
    name = "NodeResourcesBalancedAllocation"

    def score(self, pod: PodInfo, nodes: Sequence[NodeInfo]) -> list[int]:
        cpu, memory = pod.nonzero_cpu, pod.nonzero_memory
        # The standard deviation of two values is half their distance. Per resource the share used is
        # requested / allocatable, 1 when full. Written out in one expression: it runs for hundreds of nodes
        # per pod, and a helper call per resource doubles its time.
        return [int((1 - abs((1.0 if n.allocatable_cpu <= 0 or n.nonzero_cpu + cpu >= n.allocatable_cpu
                              else (n.nonzero_cpu + cpu) / n.allocatable_cpu)
                             - (1.0 if n.allocatable_memory <= 0 or n.nonzero_memory + memory >= n.allocatable_memory
                                else (n.nonzero_memory + memory) / n.allocatable_memory)) / 2) * MAX_NODE_SCORE)
                for n in nodes]
