"""A pod's network as the pod worker sees it: give a sandbox an address and wire it, or take both away.

`BridgeNetwork` drives nodeagent.network (pyroute2, in threads); `HollowNetwork` only hands out addresses.
"""
from __future__ import annotations

import asyncio
import ipaddress
import os

from nodeagent.network import bridge, ipam, pod, routes


class BridgeNetwork:
    """The node's podCIDR on bridge `skiff0`: one veth and one address per pod, both persistent."""

    def __init__(self, pod_cidr: str, state_dir: str, bridge_name: str = bridge.DEFAULT_BRIDGE,
                 host_netns: str | None = None):
        self.pod_cidr = str(ipaddress.ip_network(pod_cidr, strict=False))
        self.ipam = ipam.PodIPAM(self.pod_cidr, os.path.join(state_dir, "ipam.json"))
        self.gateway = ipam.gateway_of(ipaddress.ip_network(self.pod_cidr))
        self.bridge = bridge_name
        self.host_netns = host_netns

    async def start(self) -> None:
        await asyncio.to_thread(bridge.ensure_bridge, self.bridge, self.gateway, self.host_netns)

    async def setup(self, pod_uid: str, pid: int) -> str:
        address = await asyncio.to_thread(self.ipam.allocate, pod_uid)
        await asyncio.to_thread(pod.attach, pid, pod_uid, address, self.gateway.ip, self.bridge, self.host_netns)
        return str(address.ip)

    async def teardown(self, pod_uid: str) -> None:
        await asyncio.to_thread(pod.detach, pod_uid, self.host_netns)
        await asyncio.to_thread(self.ipam.release, pod_uid)

    async def retain_only(self, live_uids: set[str]) -> list[str]:
        """Remove veths and addresses of pods that no longer exist; returns their uids."""
        gone = [uid for uid in self.ipam.allocations() if uid not in live_uids]
        for uid in gone:
            await self.teardown(uid)
        return gone

    async def sync_routes(self, nodes, self_name: str) -> None:
        await asyncio.to_thread(routes.sync_routes, routes.desired_routes(nodes, self_name), self.host_netns)


class HollowNetwork:
    """For hollow nodes: addresses from the podCIDR, kept in memory; no links, no routes."""

    def __init__(self, pod_cidr: str = ""):
        self.pod_cidr = pod_cidr
        self._by_uid: dict[str, ipaddress.IPv4Address] = {}
        self._last: ipaddress.IPv4Address | None = None

    async def start(self) -> None:
        pass

    async def setup(self, pod_uid: str, pid: int) -> str:
        if not self.pod_cidr:
            return ""
        if pod_uid not in self._by_uid:
            address = ipam.next_free(ipaddress.ip_network(self.pod_cidr), set(self._by_uid.values()), self._last)
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

    async def sync_routes(self, nodes, self_name: str) -> None:
        pass
