"""The scheduler's own views of nodes and pods (NodeInfo, PodInfo) built for its unit tests, from
the shared object builders in tests/fixtures/objects.py."""
from __future__ import annotations

from controlplane.scheduler.nodeinfo import NodeInfo
from controlplane.scheduler.podinfo import PodInfo
from tests.fixtures.objects import node, pod


def node_info(name: str = "node-1", *pods_on, **node_args) -> NodeInfo:
    info = NodeInfo(name, node(name, **node_args))
    for p in pods_on:
        info.add_pod(PodInfo.of(p))
    return info


def pod_info(name: str = "web", **pod_args) -> PodInfo:
    return PodInfo.of(pod(name, **pod_args))
