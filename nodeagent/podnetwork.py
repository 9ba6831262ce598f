"""A pod's network as the pod worker sees it: give a sandbox an address and wire it, or take both away.

The agent is handed one at start-up: `BridgeNetwork` (veths on skiff0) or `SimulatedNetwork` (addresses only).
"""
from __future__ import annotations

import asyncio
import ipaddress
import os
from typing import Protocol

from nodeagent.network import bridge, ipam, pod, routes
from proto import types_pb2


class PodNetwork(Protocol):
    """What the agent needs of a pod network; it is chosen once, when the agent is built."""

    # Pod addresses exist nowhere: nothing is dialled, mounted or sampled for real, and no Service is
    # programmed (hollow nodes, the fake runtime).
    simulated: bool
    # Pods wait for the node's podCIDR and `start`; a simulated network hands out "" until it has one.
    waits_for_pod_cidr: bool

    async def start(self, pod_cidr: str) -> None: ...

    def gateway_ip(self) -> str: ...

    # The pod's address, reserved before its sandbox runs (its containers are made with it); idempotent.
    async def allocate(self, pod_uid: str) -> str: ...

    # Wire the sandbox whose process is `pid` with the pod's address (reserved now if it was not); idempotent.
    async def setup(self, pod_uid: str, pid: int) -> str: ...

    async def teardown(self, pod_uid: str) -> None: ...

    async def retain_only(self, live_uids: set[str]) -> list[str]: ...

    async def sync_routes(self, nodes: list[types_pb2.Node], self_name: str) -> None: ...


class BridgeNetwork:
    """The node's podCIDR on bridge `skiff0`: one veth and one address per pod, both persistent."""

    simulated = False
    waits_for_pod_cidr = True

    def __init__(self, state_dir: str, bridge_name: str = bridge.DEFAULT_BRIDGE, host_netns: str | None = None):
        self.state_dir = state_dir
        self.bridge = bridge_name
        self.host_netns = host_netns
        self.pod_cidr = ""
        self.ipam: ipam.PodIPAM | None = None  # from the podCIDR, at start
        self.gateway: ipaddress.IPv4Interface | None = None

    async def start(self, pod_cidr: str) -> None:
        """Bring up the bridge holding the podCIDR's first address (idempotent: an agent restart adopts it)."""
        network = ipaddress.ip_network(pod_cidr, strict=False)
        self.pod_cidr = str(network)
        self.ipam = ipam.PodIPAM(self.pod_cidr, os.path.join(self.state_dir, "ipam.json"))
        self.gateway = ipam.gateway_of(network)
        await asyncio.to_thread(bridge.ensure_bridge, self.bridge, self.gateway, self.host_netns)

    def gateway_ip(self) -> str:
        return str(self.gateway.ip) if self.gateway else ""

    async def allocate(self, pod_uid: str) -> str:
        return str((await asyncio.to_thread(self.ipam.allocate, pod_uid)).ip)

    async def setup(self, pod_uid: str, pid: int) -> str:
        address = await asyncio.to_thread(self.ipam.allocate, pod_uid)
        await asyncio.to_thread(pod.attach, pid, pod_uid, address, self.gateway.ip, self.bridge, self.host_netns)
        return str(address.ip)

    async def teardown(self, pod_uid: str) -> None:
        if self.ipam is None:  # not started: nothing of this run to take away; the cleanup after start does it
            return
        await asyncio.to_thread(pod.detach, pod_uid, self.host_netns)
        await asyncio.to_thread(self.ipam.release, pod_uid)

    async def retain_only(self, live_uids: set[str]) -> list[str]:
        """Remove veths and addresses of pods that no longer exist; returns their uids."""
        gone = [uid for uid in self.ipam.allocations() if uid not in live_uids]
        for uid in gone:
            await self.teardown(uid)
        return gone

    async def sync_routes(self, nodes: list[types_pb2.Node], self_name: str) -> None:
        await asyncio.to_thread(routes.sync_routes, routes.desired_routes(nodes, self_name), self.host_netns)


class SimulatedNetwork:
    """For hollow nodes and the fake runtime: addresses from the podCIDR, kept in memory; no links, no routes."""

    simulated = True
    waits_for_pod_cidr = False

    def __init__(self):
        self.pod_cidr = ""
        self._network: ipaddress.IPv4Network | None = None  # parsed once: a hollow node allocates per pod
        self._by_uid: dict[str, ipaddress.IPv4Address] = {}
        self._last: ipaddress.IPv4Address | None = None

    async def start(self, pod_cidr: str) -> None:
        self.pod_cidr = pod_cidr
        self._network = ipaddress.ip_network(pod_cidr) if pod_cidr else None

    def gateway_ip(self) -> str:
        return ""

    async def setup(self, pod_uid: str, pid: int) -> str:
        return await self.allocate(pod_uid)

    async def allocate(self, pod_uid: str) -> str:
        if self._network is None:
            return ""
        if pod_uid not in self._by_uid:
            address = ipam.next_free(self._network, set(self._by_uid.values()), self._last)
            if address is None:
                raise ipam.IPAMExhausted(f"no free pod IP in podCIDR {self.pod_cidr}")
            self._by_uid[pod_uid] = self._last = address
        return str(self._by_uid[pod_uid])

    async def teardown(self, pod_uid: str) -> None:
        self._by_uid.pop(pod_uid, None)

    async def retain_only(self, live_uids: set[str]) -> list[str]:
        gone = [uid for uid in self._by_uid if uid not in live_uids]
        for uid in gone:
            del self._by_uid[uid]
        return gone

    async def sync_routes(self, nodes: list[types_pb2.Node], self_name: str) -> None:
        pass


def for_runtime(runtime_name: str, state_dir: str, bridge_name: str, host_netns: str | None) -> PodNetwork:
    """The network that goes with a runtime: the fake one's containers have no namespaces to wire."""
    if runtime_name == "fake":
        return SimulatedNetwork()
    return BridgeNetwork(state_dir, bridge_name, host_netns)
