"""Hollow nodes, as Kubernetes' kubemark: N agents in one process with the fake runtime, to load the control
plane with real registrations, leases and pod status writes. One client, one pod informer for all of them.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging

from api.client import Client
from api.informer import Informer
from nodeagent.agent import NodeAgent
from nodeagent.config import AgentConfig
from nodeagent.node import HostFacts
from nodeagent.podnetwork import SimulatedNetwork
from nodeagent.podsource import NodeHandler, PodEvents
from nodeagent.runtime.fake import FakeRuntime
from proto import types_pb2

log = logging.getLogger(__name__)

HOLLOW_FACTS = HostFacts(cpus=4, memory_bytes=16 * 2**30, kernel="hollow", os_image="skiff hollow node",
                         boot_id="hollow", machine_id="hollow", architecture="amd64")
HOLLOW_RELIST_S = 10.0  # fake containers never die on their own
# Nor drift: a hollow pod is synced again as often as kubelet's --sync-frequency (1 min) does, not every
# 10 s; at 30,000 pods the shorter period alone was 3,000 syncs a second, more than one process can do.
HOLLOW_RESYNC_S = 60.0
REGISTER_CONCURRENCY = 50


class FleetPods:
    """A hollow node's pod source: the fleet's shared watches hand each node its own pods and Node."""

    serves_api_server = False  # nobody asks a hollow node for logs or exec
    pod_informer = None
    node_informer = None

    def __init__(self):
        self.events: PodEvents | None = None
        self.node_changed: NodeHandler = lambda node: None
        self._synced = asyncio.Event()

    def subscribe(self, pods: PodEvents, node_changed: NodeHandler, node_deleted: NodeHandler) -> None:
        self.events = pods
        self.node_changed = node_changed

    def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    def synced(self) -> None:
        """The fleet's pod watch has listed: every pod of this node has been handed over."""
        self._synced.set()

    async def wait_synced(self) -> None:
        await self._synced.wait()

    def pods(self) -> list[types_pb2.Pod]:
        return []  # the network is simulated: there is nothing left over to clean up

    def nodes(self) -> list[types_pb2.Node]:
        return []  # nor routes to other nodes to keep


class HollowNodes:
    def __init__(self, cfg: AgentConfig, client: Client, count: int):
        self.client = client
        # Each node talks first to one of the API servers in turn (then fails over to the others), as
        # kubelets behind a load balancer do: on one connection, a fleet's status writes, leases and events
        # would all land on the first server while the others idle.
        self.clients = [client] + [Client(client.servers[k:] + client.servers[:k], client.timeout,
                                          client.on_warning, credentials=client.credentials)
                                   for k in range(1, len(client.servers))]
        self.agents: dict[str, NodeAgent] = {}
        self.sources: dict[str, FleetPods] = {}
        for i in range(count):
            node_cfg = dataclasses.replace(cfg.for_node(f"{cfg.node_name}-{i}"),
                                           relist_period=max(cfg.relist_period, HOLLOW_RELIST_S),
                                           pod_resync_period=max(cfg.pod_resync_period, HOLLOW_RESYNC_S))
            # Renewals spread over the interval, so 1000 nodes do not all write in the same instant.
            source = self.sources[node_cfg.node_name] = FleetPods()
            self.agents[node_cfg.node_name] = NodeAgent(
                node_cfg, self.clients[i % len(self.clients)], FakeRuntime(), network=SimulatedNetwork(),
                source=source, facts=HOLLOW_FACTS,
                runtime_version="fake://0.1", lease_delay=cfg.lease_renew_interval * i / max(count, 1))
        self.pods = Informer(client, "Pod")
        self.nodes = Informer(client, "Node")
        self._assigned: dict[str, str] = {}  # pod key -> the hollow node it was given to

    async def start(self) -> None:
        limit = asyncio.Semaphore(REGISTER_CONCURRENCY)

        async def start_one(agent: NodeAgent):
            async with limit:
                await agent.start()
        await asyncio.gather(*(start_one(a) for a in self.agents.values()))
        self.nodes.add_handlers(self._node, lambda old, new: self._node(new))
        self.pods.add_handlers(self._pod, lambda old, new: self._pod(new), self._pod_deleted)
        self.nodes.start()
        self.pods.start()
        await self.pods.wait_synced()
        for source in self.sources.values():
            source.synced()
        log.info("%d hollow nodes running", len(self.agents))

    def ready(self) -> bool:
        return all(a.ready() for a in self.agents.values())

    async def stop(self) -> None:
        await self.pods.stop()
        await self.nodes.stop()
        await asyncio.gather(*(a.stop() for a in self.agents.values()))
        for extra in self.clients[1:]:
            await extra.close()

    def _node(self, node: types_pb2.Node) -> None:
        source = self.sources.get(node.metadata.name)
        if source is not None:
            source.node_changed(node)

    def _pod(self, pod: types_pb2.Pod) -> None:
        key = f"{pod.metadata.namespace}/{pod.metadata.name}"
        node = pod.spec.node_name
        previous = self._assigned.get(key)
        if previous and previous != node:
            self.sources[previous].events.pod_deleted(pod)
        source = self.sources.get(node)
        if source is None:
            self._assigned.pop(key, None)
            return
        self._assigned[key] = node
        source.events.pod_changed(pod)

    def _pod_deleted(self, pod: types_pb2.Pod) -> None:
        node = self._assigned.pop(f"{pod.metadata.namespace}/{pod.metadata.name}", None)
        if node is not None:
            self.sources[node].events.pod_deleted(pod)
