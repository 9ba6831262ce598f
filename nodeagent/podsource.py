"""Where a node agent hears of its pods and of the cluster's Nodes: its own watches, or a hollow fleet's.

The agent is handed one at start-up and subscribes its pod workers and node handlers to it the same way.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from api.client import Client
from api.informer import Informer
from proto import types_pb2

NodeHandler = Callable[[types_pb2.Node], None]


class PodEvents(Protocol):
    """The receiving end: the agent's pod workers."""

    def pod_changed(self, pod: types_pb2.Pod) -> None: ...

    def pod_deleted(self, pod: types_pb2.Pod) -> None: ...


class PodSource(Protocol):
    # Whether the API server reaches this node's pods through the agent's own server (logs, exec,
    # port-forward): nobody asks a hollow node.
    serves_api_server: bool
    # The watches themselves, which the service proxy, DNS and load-balancer speaker share where pods
    # really run; None where the fleet feeds the pods (hollow nodes run no services).
    pod_informer: Informer | None
    node_informer: Informer | None

    def subscribe(self, pods: PodEvents, node_changed: NodeHandler, node_deleted: NodeHandler) -> None: ...

    def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def wait_synced(self) -> None: ...

    def pods(self) -> list[types_pb2.Pod]: ...

    def nodes(self) -> list[types_pb2.Node]: ...


class WatchedPods:
    """A real node's: a watch of the pods bound to it (field selector spec.nodeName) and one of every Node
    (for the routes to their pods). The informers are public: the service proxy and DNS share them."""

    serves_api_server = True

    def __init__(self, client: Client, node_name: str):
        self.pod_informer = Informer(client, "Pod", field_selector=f"spec.nodeName={node_name}")
        self.node_informer = Informer(client, "Node")

    def subscribe(self, pods: PodEvents, node_changed: NodeHandler, node_deleted: NodeHandler) -> None:
        self.pod_informer.add_handlers(pods.pod_changed, lambda old, new: pods.pod_changed(new), pods.pod_deleted)
        self.node_informer.add_handlers(node_changed, lambda old, new: node_changed(new), node_deleted)

    def start(self) -> None:
        self.node_informer.start()
        self.pod_informer.start()

    async def stop(self) -> None:
        await self.pod_informer.stop()
        await self.node_informer.stop()

    async def wait_synced(self) -> None:
        await self.pod_informer.wait_synced()

    def pods(self) -> list[types_pb2.Pod]:
        return self.pod_informer.list()

    def nodes(self) -> list[types_pb2.Node]:
        return self.node_informer.list()
