"""NodeUnschedulable: a cordoned node (`spec.unschedulable`) takes no new pods, except those that
tolerate the node.kubernetes.io/unschedulable:NoSchedule taint (as DaemonSet pods do)."""
from __future__ import annotations

from controlplane.scheduler.framework import SKIP, SUCCESS, FilterPlugin, Status, snapshot
from controlplane.scheduler.nodeinfo import NodeInfo
from controlplane.scheduler.plugins.taint_toleration import tolerates
from controlplane.scheduler.podinfo import PodInfo
from proto import types_pb2

UNSCHEDULABLE_TAINT = types_pb2.Taint(key="node.kubernetes.io/unschedulable", effect="NoSchedule")
REASON = "node(s) were unschedulable"


class NodeUnschedulable(FilterPlugin):
    name = "NodeUnschedulable"
    resolvable = False

    def pre_filter(self, pod: PodInfo) -> Status:
        return SUCCESS if snapshot(pod).any_unschedulable else SKIP  # no node cordoned: nothing to turn down

    def filter(self, pod: PodInfo, node: NodeInfo) -> Status:
        if not node.unschedulable:
            return SUCCESS
        if any(tolerates(t, UNSCHEDULABLE_TAINT) for t in pod.pod.spec.tolerations):
            return SUCCESS
        return Status.unschedulable(REASON)
