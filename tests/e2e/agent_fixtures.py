"""Fixtures for the agent's e2e tests: etcd and the API server, network namespaces standing in for hosts,
and skiff-agents run in this process (each inside its host's namespace), with real docker.

Topology: a "switch" namespace holds an underlay bridge; every host namespace has `eth0` on it with its node
IP, and the root namespace has one address there too (only so the API server can proxy logs and exec to the
agents). Host namespaces carry `unreachable` routes for the cluster and service CIDRs, and no default route.
"""
from __future__ import annotations

import asyncio
import random
import subprocess
import uuid
from dataclasses import dataclass, field

import pytest

from api import errors, retry
from nodeagent import volumes
from nodeagent.agent import NodeAgent
from nodeagent.config import AgentConfig
from nodeagent.runtime.base import LABEL_NODE
from tests.fixtures.apiserver import admin_client, start_apiserver
from tests.fixtures.objects import from_yaml
from tests.fixtures.pki import test_pki
from tests.fixtures.wait import eventually


def _ip(*args: str, check: bool = True) -> None:
    subprocess.run(["ip", *args], check=check, capture_output=True, text=True)


@dataclass
class Host:
    name: str
    netns: str
    node_ip: str
    pod_cidr: str


@dataclass
class AgentCluster:
    client: Client
    runtime: object
    tmp_path: object
    make_netns: object
    prefix: str
    subnet: str  # "198.18.N" : the underlay /24
    switch: str = ""
    root_link: str = ""
    hosts: list[Host] = field(default_factory=list)
    agents: dict[str, NodeAgent] = field(default_factory=dict)
    node_clients: list = field(default_factory=list)  # each agent's own client, as its node

    def _underlay(self) -> None:
        """The switch namespace, its bridge, and the root namespace's address on it."""
        self.switch = self.make_netns()
        _ip("-n", self.switch, "link", "add", "br0", "type", "bridge")
        _ip("-n", self.switch, "link", "set", "br0", "up")
        self.root_link = f"sk{uuid.uuid4().hex[:8]}"
        _ip("link", "add", self.root_link, "type", "veth", "peer", "name", "root", "netns", self.switch)
        _ip("-n", self.switch, "link", "set", "root", "master", "br0", "up")
        _ip("addr", "add", f"{self.subnet}.1/24", "dev", self.root_link)
        _ip("link", "set", self.root_link, "up")

    def add_host(self) -> Host:
        if not self.switch:
            self._underlay()
        i = len(self.hosts) + 1
        ns = self.make_netns()
        _ip("link", "add", f"h{i}", "netns", self.switch, "type", "veth", "peer", "name", "eth0", "netns", ns)
        _ip("-n", self.switch, "link", "set", f"h{i}", "master", "br0", "up")
        _ip("-n", ns, "addr", "add", f"{self.subnet}.{10 + i}/24", "dev", "eth0")
        _ip("-n", ns, "link", "set", "eth0", "up")
        host = Host(f"{self.prefix}-{i}", ns, f"{self.subnet}.{10 + i}", f"10.244.{i}.0/24")
        self.hosts.append(host)
        return host

    def config(self, host: Host, **overrides) -> AgentConfig:
        values = dict(server=self.client.server, node_name=host.name, node_ip=host.node_ip, listen_port=0,
                      tls=test_pki().agent_tls(host.name, (host.node_ip,)),
                      state_dir=str(self.tmp_path / host.name), host_netns=host.netns, interface="eth0",
                      restart_backoff_base=0.5, restart_backoff_max=4.0, lease_renew_interval=1.0,
                      status_update_interval=1.0, relist_period=0.5)
        values.update(overrides)
        return AgentConfig(**values)

    async def start_agent(self, host: Host, **overrides) -> NodeAgent:
        node_client = test_pki().node_client(self.client.servers, host.name)
        self.node_clients.append(node_client)
        agent = NodeAgent(self.config(host, **overrides), node_client, self.runtime,
                          runtime_version="docker://e2e")
        await agent.start()
        self.agents[host.name] = agent

        async def give_cidr():  # the controller manager's node IPAM, done by hand
            node = await self.client.get("Node", host.name)
            if node.spec.pod_cidr != host.pod_cidr:
                node.spec.pod_cidr = host.pod_cidr
                node.spec.pod_cidrs[:] = [host.pod_cidr]
                await self.client.update(node)
        await retry.on_conflict(give_cidr)
        await asyncio.wait_for(agent.env.network_ready.wait(), 20)
        return agent

    async def stop_agent(self, host: Host) -> None:
        agent = self.agents.pop(host.name, None)
        if agent is not None:
            await agent.stop()

    async def create_pod(self, manifest: str, host: Host):
        pod = from_yaml(manifest)
        pod.spec.node_name = host.name
        return await self.client.create(pod)

    async def pod(self, name: str, namespace: str = "default"):
        return await self.client.get("Pod", name, namespace)

    async def wait_pod(self, name: str, predicate, timeout: float = 30, what: str = ""):
        async def check():
            try:
                pod = await self.pod(name)
            except errors.NotFound:
                return None
            return pod if predicate(pod) else None
        return await eventually(check, timeout, 0.1, what or f"pod {name}")

    async def wait_gone(self, name: str, timeout: float = 30) -> None:
        async def gone():
            try:
                await self.pod(name)
                return False
            except errors.NotFound:
                return True
        await eventually(gone, timeout, 0.1, f"pod {name} deleted")

    async def containers(self, pod_name: str):
        from nodeagent.runtime.base import LABEL_POD_NAME
        return [c for c in await self.runtime.list({LABEL_POD_NAME: pod_name})
                if c.labels.get(LABEL_NODE, "").startswith(self.prefix)]

    async def teardown(self) -> None:
        for name in list(self.agents):
            await self.agents.pop(name).stop()
        for node_client in self.node_clients:
            await node_client.close()
        await asyncio.to_thread(remove_containers, self.prefix)
        # What the agents mounted for pods never deleted (secret tmpfs, memory emptyDirs, subPath binds).
        await asyncio.to_thread(volumes.unmount_under, str(self.tmp_path))
        if self.root_link:
            _ip("link", "del", self.root_link, check=False)


def remove_containers(prefix: str) -> None:
    """Remove every container whose node label starts with `prefix` (the test's nodes)."""
    import docker
    client = docker.from_env()
    try:
        for container in client.containers.list(all=True, filters={"label": LABEL_NODE}):
            if container.labels.get(LABEL_NODE, "").startswith(prefix):
                container.remove(force=True)
    finally:
        client.close()


@pytest.fixture
async def agent_cluster(etcd_server, netns, docker_runtime, tmp_path):
    """etcd, an API server and an empty cluster; `add_host()` and `start_agent(host)` make it grow."""
    running = await start_apiserver([etcd_server.endpoint])
    client = admin_client(running.address)
    cluster = AgentCluster(client, docker_runtime, tmp_path, netns, prefix=f"e2e{uuid.uuid4().hex[:6]}",
                           subnet=f"198.18.{random.randint(1, 254)}")
    try:
        yield cluster
    finally:
        try:
            await cluster.teardown()
        finally:
            await client.close()
            await running.stop(grace=0)
