"""NodeReady: only nodes whose Ready condition is True take pods.

A node that reports no conditions at all (just registered, or never heard from) is not ready."""
from __future__ import annotations

from controlplane.scheduler.framework import SKIP, SUCCESS, FilterPlugin, Status, snapshot
from controlplane.scheduler.nodeinfo import NodeInfo
from controlplane.scheduler.podinfo import PodInfo

NOT_READY = Status.unschedulable("node(s) were not ready")


class NodeReady(FilterPlugin):
    name = "NodeReady"
    resolvable = False

    def pre_filter(self, pod: PodInfo) -> Status:
        return SKIP if snapshot(pod).all_ready else SUCCESS  # the common case: nothing to turn down

    def filter(self, pod: PodInfo, node: NodeInfo) -> Status:
        return SUCCESS if node.ready else NOT_READY
