"""TaintToleration: a node's NoSchedule and NoExecute taints keep off every pod that does not tolerate them.

PreferNoSchedule taints are soft and do not filter."""
from __future__ import annotations

from collections.abc import Iterable

from controlplane.scheduler.framework import SUCCESS, FilterPlugin, Status
from controlplane.scheduler.nodeinfo import NodeInfo
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


class TaintToleration(FilterPlugin):
    name = "TaintToleration"

    def filter(self, pod: PodInfo, node: NodeInfo) -> Status:
        if not node.taints:
            return SUCCESS
        taint = untolerated(pod.pod.spec.tolerations, node.taints)
        if taint is None:
            return SUCCESS
        return Status.unschedulable(f"node(s) had untolerated taint {{{taint.key}: {taint.value}}}")
