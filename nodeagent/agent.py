"""One node's agent: registration and heartbeats, the pods its pod source hands it, one worker per pod,
the runtime relist, and its pod network (wired, or simulated) with the routes to other nodes' pods.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import time

from api import errors
from api.client import Client
from api.events import EventRecorder
from api.retry import Backoff
from api.tasks import cancel_and_wait
from nodeagent.config import AgentConfig
from nodeagent.configwatch import ConfigObjects
from nodeagent.dns.clusterdns import ClusterDns
from nodeagent.lease import LeaseRenewer
from nodeagent.metrics import prom
from nodeagent.metrics.scrape import PodScraper
from nodeagent.metrics.sampler import CgroupSampler, MetricsPusher, synthetic
from nodeagent.netpol.enforcer import PolicyEnforcer
from nodeagent.node import HostFacts, NodeReporter, host_facts
from nodeagent.pleg import Pleg
from nodeagent.podnetwork import BridgeNetwork, PodNetwork
from nodeagent.podsource import PodSource, WatchedPods
from nodeagent.podworker import PodWorkers
from nodeagent.probes.manager import ProbeManager
from nodeagent.loadbalancer.speaker import Speaker
from nodeagent.localpath import LocalPathCleaner
from nodeagent.proxy.proxier import ServiceProxy
from nodeagent.runtime.base import LABEL_POD_NAME, ContainerInfo, Runtime
from nodeagent.server import AgentServer
from nodeagent.syncpod import PodEnv, PodSyncer
from nodeagent.tokens import PodTokens
from nodeagent.volumes import PodVolumes
from proto import types_pb2

log = logging.getLogger(__name__)

COMPONENT = "skiff-agent"


class NodeAgent:
    """`network` and `source` are the parts that differ between a real node (BridgeNetwork, WatchedPods: the
    defaults) and a simulated one (SimulatedNetwork; FleetPods on hollow nodes); the rest is the same code."""

    def __init__(self, cfg: AgentConfig, client: Client, runtime: Runtime, *, network: PodNetwork | None = None,
                 source: PodSource | None = None, facts: HostFacts | None = None,
                 runtime_version: str = "docker://unknown", lease_delay: float = 0.0):
        self.cfg = cfg
        self.client = client
        self.runtime = runtime
        self.network = network or BridgeNetwork(cfg.state_dir, cfg.bridge, cfg.host_netns)
        self.source = source or WatchedPods(client, cfg.node_name)
        simulated = self.network.simulated
        self.recorder = EventRecorder(client, COMPONENT, cfg.node_name)
        self.env = PodEnv(
            client=client, runtime=runtime, recorder=self.recorder, node_name=cfg.node_name, node_ip=cfg.node_ip,
            state_dir=cfg.state_dir, runtime_scheme=runtime_version.partition("://")[0] or "docker",
            restart_backoff=_container_backoff(cfg), pull_backoff=_container_backoff(cfg), network=self.network,
            # A ConfigMap or Secret that changes (or appears) syncs the pods that name it: volumes, waiting starts.
            config=ConfigObjects(client, lambda uid: self.workers.config_changed(uid)),
            volumes=PodVolumes(cfg.state_dir, tmpfs=not simulated),
            tokens=PodTokens(client),  # kube-api-access volumes: each pod's ServiceAccount token
            # A probe result that changes syncs the pod at once (status, or a kill for a failed liveness probe).
            probes=ProbeManager(runtime, lambda uid: self.workers.kick(uid), self.recorder, cfg.host_netns,
                                simulated_network=simulated))
        self.workers = PodWorkers(PodSyncer(self.env), cfg.pod_resync_period)
        self.pleg = Pleg(runtime, cfg.node_name, cfg.relist_period, self.workers.kick, self._seen)
        self.reporter = NodeReporter(client, cfg, facts or host_facts(), runtime_version,
                                     self.env.network_ready.is_set)
        self.lease = LeaseRenewer(client, cfg.node_name, cfg.lease_renew_interval, cfg.lease_duration,
                                  first_delay=lease_delay)
        # Usage for the metrics API: from the cgroups where containers are real, made up elsewhere.
        self.sampler = None if simulated else CgroupSampler(cfg.node_name, lambda: self.pleg.containers)
        stagger = lease_delay / cfg.lease_renew_interval if cfg.lease_renew_interval else 0.0
        self.scraper = None if simulated else PodScraper(time.monotonic)
        self.metrics = MetricsPusher(client, cfg.node_name, cfg.metrics_resolution, self._sample,
                                     first_delay=cfg.metrics_resolution * stagger,
                                     prepare=self._scrape if self.scraper else None)
        prom.NODE.agents.add(self)
        self.pods_synced = asyncio.Event()
        self.server: AgentServer | None = None
        self.proxy: ServiceProxy | None = None  # Services, where pods really run
        self.policies: PolicyEnforcer | None = None  # NetworkPolicies, where pods really run
        self.speaker: Speaker | None = None  # announces the LoadBalancer addresses this node is chosen for
        self.local_path: LocalPathCleaner | None = None  # removes this node's provisioned volume directories
        self._pod_cidr = ""
        self._routes_dirty = asyncio.Event()
        self._tasks: list[asyncio.Task] = []

    # ------------------------------------------------------------ life cycle

    async def start(self) -> None:
        """Register (retrying while the API server is away), then run."""
        if self.source.serves_api_server:
            self.server = AgentServer(self.cfg, self.workers, self.runtime, self.ready)
            port = await self.server.start()
            if port != self.cfg.listen_port:  # asked for any free port (tests)
                self.cfg = self.reporter.cfg = dataclasses.replace(self.cfg, listen_port=port)
        self.reporter.on_registered = self._node_registered
        await self._register()
        self.env.allocatable = dict(self.reporter.node.status.allocatable)
        self.recorder.start()
        self._spawn(self.reporter.run(), "node-status")
        self._spawn(self.lease.run(), "lease")
        self._spawn(self.pleg.run(), "pleg")
        self._spawn(self.metrics.run(), "metrics")
        if not self.network.waits_for_pod_cidr:  # addresses come from the podCIDR once there is one
            self._pod_cidr = self.reporter.node.spec.pod_cidr
            await self._set_up_network(self._pod_cidr)
        self.source.subscribe(self.workers, self.node_changed, self.node_deleted)
        if not self.network.simulated:
            await self._start_services()
        self.source.start()
        self._spawn(self._after_pods_synced(), "cleanup")
        self._spawn(self._routes(), "routes")

    async def _start_services(self) -> None:
        """Where pods really run: Services and NetworkPolicies (nftables), hostPorts, cluster DNS and
        load-balancer addresses."""
        pods, nodes = self.source.pod_informer, self.source.node_informer
        self.proxy = ServiceProxy.for_agent(self.client, self.cfg)
        await self.proxy.start()
        self.env.services = self.proxy.services  # the Services' env vars for pods (enableServiceLinks)
        self.proxy.local_pods = pods.list  # hostPorts: the node's pods, published on its IP
        pods.add_handlers(self._pod_ports_changed, lambda old, new: self._pod_ports_changed(new, old),
                          self._pod_ports_changed)
        # Cluster DNS shares the proxy's Service and Endpoints informers; it listens once the bridge is up.
        self.env.dns = ClusterDns(self.client, self.cfg.cluster_domain, self.cfg.dns_upstream, self.cfg.dns_port,
                                  self.cfg.host_netns, services=self.proxy.services, endpoints=self.proxy.endpoints)
        self.policies = PolicyEnforcer(self.client, self.cfg.node_name, self.cfg.host_netns,
                                       dns_address=self._dns_address, dns_port=self.cfg.dns_port)
        await self.policies.start()
        self.speaker = Speaker(self.cfg.node_name, self.cfg.node_ip, self.cfg.interface, self.cfg.host_netns,
                               self.proxy.services, self.proxy.endpoints, nodes, self.recorder)
        self.speaker.start()
        self.local_path = LocalPathCleaner(self.client, self.cfg.node_name,
                                           lambda: self.reporter.node.metadata.labels)
        self.local_path.start()

    def _dns_address(self) -> str:
        """Where pods' DNS queries go: the bridge address, once the pod network is up."""
        return self.network.gateway_ip() if self.env.network_ready.is_set() else ""

    def ready(self) -> bool:
        """/readyz and the gRPC health service: registered and the pod cache complete."""
        return self.pods_synced.is_set()

    def _pod_ports_changed(self, pod: types_pb2.Pod, old: types_pb2.Pod | None = None) -> None:
        """A pod with hostPorts came, went, or got its address: the proxy publishes them again."""
        if self.proxy is None or not _has_host_ports(pod):
            return
        if old is None or old.status.pod_ip != pod.status.pod_ip or old.status.phase != pod.status.phase or \
                old.metadata.deletion_timestamp != pod.metadata.deletion_timestamp:
            self.proxy.request()

    def _node_registered(self, node: types_pb2.Node) -> None:
        self.lease.node_uid = node.metadata.uid

    async def stop(self) -> None:
        """Stop the agent; the pods' containers keep running (a new agent adopts them)."""
        if self.server is not None:
            await self.server.stop()
        await self.source.stop()
        if self.speaker is not None:
            await self.speaker.stop()
        if self.local_path is not None:
            await self.local_path.stop()
        if self.proxy is not None:
            await self.proxy.stop()  # a clean stop leaves no service rules behind
        if self.policies is not None:
            # Policy rules stay: the pods keep running, isolated, until the next agent replaces the table.
            await self.policies.stop(remove_table=False)
        if self.env.dns is not None:
            await self.env.dns.stop()
        for task in self._tasks:
            await cancel_and_wait(task)
        self._tasks.clear()
        await self.workers.stop()
        await self.env.config.stop()
        await self.env.probes.stop()
        await self.recorder.stop(flush_timeout=0.5)

    def _spawn(self, coro, what: str) -> None:
        self._tasks.append(asyncio.create_task(coro, name=f"{self.cfg.node_name}-{what}"))

    async def _register(self) -> None:
        backoff = Backoff(0.2, 5.0)
        while True:
            try:
                await self.reporter.register()
                return
            except (errors.Unavailable, errors.Timeout, errors.Internal) as e:
                log.warning("registering node %s: %s; retrying", self.cfg.node_name, e)
                await backoff.wait()

    # ------------------------------------------------------------ nodes: own podCIDR, routes to others

    def node_changed(self, node: types_pb2.Node) -> None:
        if node.metadata.name == self.cfg.node_name:
            cidr = node.spec.pod_cidr
            if self.proxy is not None:
                self.proxy.set_pod_cidr(cidr)
            if cidr and cidr != self._pod_cidr:  # given once by the node IPAM (Kubernetes never changes it)
                self._pod_cidr = cidr
                self._spawn(self._set_up_network(cidr), "network")
        self._routes_dirty.set()

    def node_deleted(self, node: types_pb2.Node) -> None:
        self._routes_dirty.set()

    async def _set_up_network(self, pod_cidr: str) -> None:
        network = self.network
        backoff = Backoff(0.5, 10.0)
        while True:
            try:
                await network.start(pod_cidr)
                break
            except Exception as e:
                log.error("setting up the pod network %s on %s: %s", pod_cidr, self.cfg.node_name, e)
                await backoff.wait()
        if self.env.dns is not None:  # pods' nameserver is the bridge address, answering or not
            try:
                await self.env.dns.start(network.gateway_ip())
            except OSError as e:
                log.error("node %s: cluster DNS: %s", self.cfg.node_name, e)
        self.env.network_ready.set()
        if self.policies is not None:  # the DNS address is known now: egress rules allowing DNS reach it
            self.policies.request()
        self.reporter.kick()
        log.info("node %s: pod network %s ready", self.cfg.node_name, pod_cidr)

    async def _routes(self) -> None:
        await self.env.network_ready.wait()
        backoff = Backoff(0.5, 10.0)
        while True:
            await self._routes_dirty.wait()
            self._routes_dirty.clear()
            try:
                await self.network.sync_routes(self.source.nodes(), self.cfg.node_name)
                backoff.reset()
            except Exception as e:
                log.warning("node %s: syncing pod routes: %s", self.cfg.node_name, e)
                self._routes_dirty.set()
                await backoff.wait()

    def _sample(self):
        request = self.sampler.sample() if self.sampler else self._synthetic_sample()
        if self.scraper is not None:
            for pm in request.pods:
                pm.custom.update(self.scraper.values.get(pm.metadata.uid, {}))
        return request

    async def _scrape(self) -> None:
        """The application metrics of annotated pods (prometheus.io/scrape), served as Pods metrics."""
        await self.scraper.scrape([(w.pod, w.state.pod_ip or w.pod.status.pod_ip)
                                   for w in self.workers.workers.values() if not w.terminating])

    def _synthetic_sample(self):
        pods = [w.pod for w in self.workers.workers.values() if not w.terminating]
        return synthetic(self.cfg.node_name, pods, self.cfg.metrics_resolution, time.time())

    # ------------------------------------------------------------ orphans

    async def _after_pods_synced(self) -> None:
        """Once the pod cache is complete: release the addresses and veths of pods that are gone."""
        await self.source.wait_synced()
        self.pods_synced.set()
        await self.env.network_ready.wait()
        live = {p.metadata.uid for p in self.source.pods()}
        gone = await self.network.retain_only(live | set(self.workers.workers))
        if gone:
            log.info("node %s: released the network of %d pods that no longer exist", self.cfg.node_name, len(gone))

    def _seen(self, by_uid: dict[str, ContainerInfo]) -> None:
        if not self.pods_synced.is_set():
            return
        for uid, sample in by_uid.items():
            if uid and uid not in self.workers.workers:
                log.info("node %s: removing containers of pod %s (uid %s), which no longer exists",
                         self.cfg.node_name, sample.labels.get(LABEL_POD_NAME, "?"), uid)
                self.workers.orphan(uid, sample)


def _container_backoff(cfg: AgentConfig) -> Backoff:
    """Per pod and container, as the kubelet's: crash-loop restarts and image pulls."""
    return Backoff(cfg.restart_backoff_base, cfg.restart_backoff_max, reset_after=Backoff.CRASH_RESET_S)


def _has_host_ports(pod: types_pb2.Pod) -> bool:
    return any(p.host_port for c in (*pod.spec.init_containers, *pod.spec.containers) for p in c.ports)
