"""OwnerSpread: spread the pods of one controller (a ReplicaSet, ...) across nodes, so that losing a
node loses few replicas. Nodes with fewest pods of the same owner score highest."""
from __future__ import annotations

from controlplane.scheduler.framework import MAX_NODE_SCORE, ScorePlugin
from controlplane.scheduler.nodeinfo import NodeInfo
from controlplane.scheduler.podinfo import PodInfo


class OwnerSpread(ScorePlugin):
    name = "OwnerSpread"

    def score(self, pod: PodInfo, node: NodeInfo) -> int:
        return node.owner_counts.get(pod.owner_uid, 0) if pod.owner_uid else 0

    def normalize(self, pod: PodInfo, scores: list[int]) -> None:
        most = max(scores, default=0)
        for i, count in enumerate(scores):
            scores[i] = MAX_NODE_SCORE if most == 0 else MAX_NODE_SCORE * (most - count) // most
