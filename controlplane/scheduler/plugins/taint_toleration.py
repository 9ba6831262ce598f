"""TaintToleration: a node's NoSchedule and NoExecute taints keep off every pod that does not tolerate them;
its PreferNoSchedule taints do not filter but lower its score, the more untolerated ones the lower."""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from controlplane.scheduler.framework import (MAX_NODE_SCORE, SKIP, SUCCESS, FilterPlugin, ScorePlugin, Status, normalize,
                                             snapshot)
from controlplane.scheduler.nodeinfo import PREFER_NO_SCHEDULE, NodeInfo
from controlplane.scheduler.podinfo import PodInfo
from proto import types_pb2


def tolerates(toleration: types_pb2.Toleration, taint: types_pb2.Taint) -> bool:
    """As Kubernetes' Toleration.ToleratesTaint: an empty effect or key in the toleration matches any."""
    if toleration.effect and toleration.effect != taint.effect:
        return False
    if toleration.key and toleration.key != taint.key:
        return False
    if toleration.operator == "Exists":
        return True
    if toleration.operator in ("", "Equal"):
        return toleration.value == taint.value
    return False


def untolerated(tolerations: Iterable[types_pb2.Toleration], taints: Iterable[types_pb2.Taint]):
    """The first taint no toleration tolerates, or None."""
    tolerations = list(tolerations)
    for taint in taints:
        if not any(tolerates(t, taint) for t in tolerations):
            return taint
    return None


class TaintToleration(FilterPlugin, ScorePlugin):
    name = "TaintToleration"
    resolvable = False
    weight = 3  # Kubernetes' default

    def pre_filter(self, pod: PodInfo) -> Status:
        return SUCCESS if snapshot(pod).any_hard_taints else SKIP  # no node tainted: nothing to turn down

    def filter(self, pod: PodInfo, node: NodeInfo) -> Status:
        if not node.taints:
            return SUCCESS
        taint = untolerated(pod.pod.spec.tolerations, node.taints)
        if taint is None:
            return SUCCESS
        return Status.unschedulable(f"node(s) had untolerated taint {{{taint.key}: {taint.value}}}")

    def score(self, pod: PodInfo, nodes: Sequence[NodeInfo]) -> list[int]:
        if not snapshot(pod).any_soft_taints or not any(n.soft_taints for n in nodes):
            return [MAX_NODE_SCORE] * len(nodes)  # the common case, and most of the nodes of a large cluster
        # Only tolerations that could apply to a PreferNoSchedule taint count (Kubernetes does the same).
        tolerations = [t for t in pod.pod.spec.tolerations if t.effect in ("", PREFER_NO_SCHEDULE)]
        counts = [sum(1 for taint in n.soft_taints if not any(tolerates(t, taint) for t in tolerations))
                  for n in nodes]
        return normalize(counts, reverse=True)
