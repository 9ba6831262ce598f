"""The agent's service proxy: Service and Endpoints informers feed coalesced syncs, each applying the
rendered ruleset in one `nft -f -`; the table is rebuilt at start and removed at a clean stop.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from api.client import Client
from api.informer import Informer
from api.tasks import cancel_and_wait
from nodeagent.metrics import prom
from nodeagent.proxy import host, nft, render, transaction
from nodeagent.proxy.coalesce import Coalescer
from nodeagent.proxy.healthcheck import HealthCheckServer, health_checks
from nodeagent.proxy.model import host_ports, service_ports
from proto import types_pb2

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProxyConfig:
    node_name: str
    host_netns: str | None = None  # the namespace standing in for this host (lab, tests); None: ours
    cluster_cidr: str = "10.244.0.0/16"
    service_cidr: str = "10.96.0.0/16"
    resync_period: float = 30.0
    docker_user: bool = True  # open Docker's FORWARD drop for pod traffic where Docker runs
    node_ip: str = ""  # where the node's pods' hostPorts are published ("" : none)


class ServiceProxy:
    def __init__(self, client: Client, cfg: ProxyConfig):
        self.cfg = cfg
        self.services = Informer(client, "Service")
        self.endpoints = Informer(client, "Endpoints")
        for informer in (self.services, self.endpoints):
            informer.add_handlers(lambda obj: self.request(), lambda old, new: self.request(),
                                  lambda obj: self.request())
        self.pod_cidr = ""
        self.local_pods: Callable[[], list[types_pb2.Pod]] = list  # the node's pods, for their hostPorts
        self.syncer = Coalescer(self.sync, f"service proxy sync on {cfg.node_name}",
                                resync_period=cfg.resync_period)
        self.last_sync_seconds = 0.0
        self.synced = asyncio.Event()  # set after the first successful sync
        # healthCheckNodePorts, at the node's address (as kube-proxy, next to the rules they report on)
        self.health = HealthCheckServer(cfg.node_ip, cfg.host_netns) if cfg.node_ip else None
        self._applied: render.Ruleset | None = None  # what the table holds; None: rebuild it whole
        self._last_full = 0.0  # when every rule was last rewritten (repairs changes made behind our back)
        self._task: asyncio.Task | None = None

    def request(self) -> None:
        self.syncer.request()

    def set_pod_cidr(self, cidr: str) -> None:
        if cidr and cidr != self.pod_cidr:
            self.pod_cidr = cidr
            self.request()

    @classmethod
    def for_agent(cls, client: Client, agent_cfg) -> "ServiceProxy":
        """The proxy of a node agent, from its AgentConfig."""
        return cls(client, ProxyConfig(node_name=agent_cfg.node_name, node_ip=agent_cfg.node_ip,
                                       host_netns=agent_cfg.host_netns,
                                       cluster_cidr=agent_cfg.cluster_cidr, service_cidr=agent_cfg.service_cidr))

    async def start(self) -> None:
        try:
            await host.ensure_bridge_netfilter(self.cfg.host_netns)
            if self.cfg.docker_user:
                await host.ensure_docker_user(self.cfg.cluster_cidr, self.cfg.host_netns)
        except (OSError, nft.NftError) as e:  # services may still work; say what could not be done
            log.warning("service proxy on %s: preparing the host: %s", self.cfg.node_name, e)
        self.services.start()
        self.endpoints.start()
        self._task = asyncio.create_task(self._run(), name=f"{self.cfg.node_name}-service-proxy")

    async def stop(self, remove_table: bool = True) -> None:
        """Stop syncing; unless told otherwise remove the table (a clean stop leaves no rules behind)."""
        await cancel_and_wait(self._task)
        self._task = None
        await self.services.stop()
        await self.endpoints.stop()
        if self.health is not None:
            await self.health.stop()
        if remove_table:
            try:
                await nft.apply(transaction.teardown(), self.cfg.host_netns)
            except nft.NftError as e:
                log.warning("removing the service table: %s", e)
            self._applied = None

    async def _run(self) -> None:
        await self.services.wait_synced()
        await self.endpoints.wait_synced()
        self.request()
        await self.syncer.run()

    async def sync(self) -> None:
        """Render from the caches and apply: only what changed, everything once per resync period, the
        whole table after a failure (the kernel's state is then unknown)."""
        if not self.pod_cidr:
            return  # set_pod_cidr requests the first real sync
        started = time.perf_counter()
        services = self.services.list()
        endpoints_of = {k: self.endpoints.get(k) for k in self.endpoints.keys()}
        ports = service_ports(services, endpoints_of, self.cfg.node_name)
        checks = health_checks(services, endpoints_of, self.cfg.node_name)
        published = host_ports(self.local_pods(), self.cfg.node_ip) if self.cfg.node_ip else []
        node = render.NodeNetwork(self.pod_cidr, self.cfg.service_cidr, self.cfg.node_ip, self.cfg.cluster_cidr)
        ruleset = render.render(ports, node, published)
        partial = time.monotonic() - self._last_full < self.cfg.resync_period
        try:
            await nft.apply(transaction.script(ruleset, self._applied, partial), self.cfg.host_netns)
        except nft.NftError:
            self._applied = None
            if self.health is not None:  # the rules are unknown: load balancers should go elsewhere
                await self.health.update(checks, proxy_healthy=False)
            raise
        if not partial:
            self._last_full = time.monotonic()
        self._applied = ruleset
        if self.health is not None:
            await self.health.update(checks, proxy_healthy=True)
        self.last_sync_seconds = time.perf_counter() - started
        prom.PROXY_SYNC.observe(self.last_sync_seconds)
        prom.PROXY_RULES.set(len(ports))
        self.synced.set()
        log.debug("service proxy: %d service ports programmed in %.3fs", len(ports), self.last_sync_seconds)
