"""NodePorts: two pods cannot hold the same host port and protocol on one node, unless they bind
different specific host IPs (0.0.0.0 overlaps every address)."""
from __future__ import annotations

from controlplane.scheduler.framework import SKIP, SUCCESS, FilterPlugin, Status
from controlplane.scheduler.nodeinfo import NodeInfo
from controlplane.scheduler.podinfo import PodInfo

ANY_IP = "0.0.0.0"
CONFLICT = Status.unschedulable("node(s) didn't have free ports for the requested pod ports")


class NodePorts(FilterPlugin):
    name = "NodePorts"

    def pre_filter(self, pod: PodInfo) -> Status:
        return SUCCESS if pod.host_ports else SKIP

    def filter(self, pod: PodInfo, node: NodeInfo) -> Status:
        for ip, protocol, port in pod.host_ports:
            taken = node.used_ports.get((protocol, port))
            if taken and (ip == ANY_IP or ANY_IP in taken or ip in taken):
                return CONFLICT
        return SUCCESS
