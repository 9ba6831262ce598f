"""NodeResourcesFit: a pod fits where the node's allocatable cpu, memory and pod count, minus what
the pods bound or assumed there request, still cover the pod's requests."""
from __future__ import annotations

from controlplane.scheduler.framework import SUCCESS, FilterPlugin, Status
from controlplane.scheduler.nodeinfo import NodeInfo
from controlplane.scheduler.podinfo import PodInfo

TOO_MANY_PODS = "Too many pods"
INSUFFICIENT_CPU = "Insufficient cpu"
INSUFFICIENT_MEMORY = "Insufficient memory"


class NodeResourcesFit(FilterPlugin):
    name = "NodeResourcesFit"

    def filter(self, pod: PodInfo, node: NodeInfo) -> Status:
        # The common answer first, in one expression: it is asked of hundreds of nodes per pod.
        if (len(node.pods) < node.allocatable_pods and node.requested_cpu + pod.cpu <= node.allocatable_cpu
                and node.requested_memory + pod.memory <= node.allocatable_memory):
            return SUCCESS
        if len(node.pods) + 1 > node.allocatable_pods:
            return Status.unschedulable(TOO_MANY_PODS)
        short = []
        if pod.cpu and node.allocatable_cpu < node.requested_cpu + pod.cpu:
            short.append(INSUFFICIENT_CPU)
        if pod.memory and node.allocatable_memory < node.requested_memory + pod.memory:
            short.append(INSUFFICIENT_MEMORY)
        return Status.unschedulable(*short) if short else SUCCESS
