"""The agent's load-balancer speaker: from the Service, Endpoints and Node caches, decide which addresses
this node announces (election.choose), hold exactly those on its interface, and say so on the Service.
"""
from __future__ import annotations

import asyncio
import logging

from api.events import EventRecorder
from api.informer import Informer
from api.tasks import cancel_and_wait
from nodeagent.loadbalancer import addresses, election
from nodeagent.proxy.coalesce import Coalescer

log = logging.getLogger(__name__)

RESYNC_S = 30.0  # also repairs addresses removed behind our back


class Speaker:
    def __init__(self, node_name: str, node_ip: str, interface: str, host_netns: str | None,
                 services: Informer, endpoints: Informer, nodes: Informer, recorder: EventRecorder):
        self.node_name = node_name
        self.node_ip = node_ip
        self.interface = interface  # "": the one holding node_ip, found at start
        self.host_netns = host_netns
        self.services, self.endpoints, self.nodes = services, endpoints, nodes
        self.recorder = recorder
        self.announced: dict[str, str] = {}  # address -> service key, as last synced
        self.syncer = Coalescer(self.sync, f"load-balancer speaker on {node_name}", resync_period=RESYNC_S)
        for informer in (services, endpoints, nodes):
            informer.add_handlers(lambda obj: self.syncer.request(), lambda old, new: self.syncer.request(),
                                  lambda obj: self.syncer.request())
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"{self.node_name}-lb-speaker")

    async def stop(self) -> None:
        """Stop announcing: a clean stop leaves no address behind (the proxy's rules go too)."""
        await cancel_and_wait(self._task)
        self._task = None
        if self.interface:
            for ip in await asyncio.to_thread(addresses.held, self.interface, self.host_netns):
                await asyncio.to_thread(addresses.remove, self.interface, ip, self.host_netns)

    async def _run(self) -> None:
        if not self.interface:
            try:
                self.interface = await asyncio.to_thread(addresses.interface_of, self.node_ip, self.host_netns)
            except OSError as e:
                log.warning("load-balancer addresses will not be announced from %s: %s (set --interface)",
                            self.node_name, e)
                return
        for informer in (self.services, self.endpoints, self.nodes):
            await informer.wait_synced()
        self.syncer.request()
        await self.syncer.run()

    async def sync(self) -> None:
        endpoints_of = {k: self.endpoints.get(k) for k in self.endpoints.keys()}
        chosen = election.choose(self.services.list(), self.nodes.list(), endpoints_of)
        mine = {a.ip: a.service for a in chosen if a.node == self.node_name}
        held = await asyncio.to_thread(addresses.held, self.interface, self.host_netns)
        # Leftovers too (from before a restart, or an address that moved on): whatever is not ours goes.
        for ip in sorted(held - mine.keys()):
            await asyncio.to_thread(addresses.remove, self.interface, ip, self.host_netns)
            log.info("no longer announcing %s from %s", ip, self.node_name)
        for ip, key in sorted(mine.items()):
            if ip in held:
                continue
            await asyncio.to_thread(addresses.add, self.interface, ip, self.host_netns)
            log.info("announcing %s (%s) from %s on %s", ip, key, self.node_name, self.interface)
            svc = self.services.get(key)
            if svc is not None and self.announced.get(ip) != key:
                self.recorder.normal(svc, "nodeAssigned",
                                     f'announcing from node "{self.node_name}" with protocol "layer2"')
        self.announced = mine
