"""OwnerSpread: spread the pods of one controller (a ReplicaSet, ...) across nodes, so that losing a
node loses few replicas. Nodes with fewest pods of the same owner score highest."""
from __future__ import annotations

from collections.abc import Sequence

from controlplane.scheduler.framework import MAX_NODE_SCORE, ScorePlugin
from controlplane.scheduler.nodeinfo import NodeInfo
from controlplane.scheduler.podinfo import PodInfo


class OwnerSpread(ScorePlugin):
    name = "OwnerSpread"

    def score(self, pod: PodInfo, nodes: Sequence[NodeInfo]) -> list[int]:
        if not pod.owner_uid:
            return [MAX_NODE_SCORE] * len(nodes)  # a bare pod has no siblings to spread from
        counts = [n.owner_counts.get(pod.owner_uid, 0) for n in nodes]
        most = max(counts, default=0)
        if most == 0:
            return [MAX_NODE_SCORE] * len(nodes)
        return [MAX_NODE_SCORE * (most - c) // most for c in counts]
