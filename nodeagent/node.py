"""The agent's Node: registration, and node status (capacity, addresses, conditions) kept current.

`node_status` is pure; `NodeReporter` writes it when it changes, and at least every 5 minutes as the kubelet.
"""
from __future__ import annotations

import asyncio
import logging
import os
import platform
import time
from dataclasses import dataclass

from api import errors, kinds, meta, retry
from api.client import Client
from api.version import VERSION
from nodeagent.config import AgentConfig
from proto import types_pb2

log = logging.getLogger(__name__)

MAX_PODS = 110
REPORT_EVERY_S = 300.0  # an unchanged status is still written this often


@dataclass(frozen=True)
class HostFacts:
    cpus: int
    memory_bytes: int
    kernel: str
    os_image: str
    boot_id: str
    machine_id: str
    architecture: str


def _read(path: str, default: str = "") -> str:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


def host_facts() -> HostFacts:
    memory = 0
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            memory = int(line.split()[1]) * 1024
    os_image = "Linux"
    for line in _read("/etc/os-release").splitlines():
        if line.startswith("PRETTY_NAME="):
            os_image = line.partition("=")[2].strip('"')
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    return HostFacts(os.cpu_count() or 1, memory, platform.release(), os_image,
                     _read("/proc/sys/kernel/random/boot_id"), _read("/etc/machine-id"), arch)


def node_labels(cfg: AgentConfig, facts: HostFacts) -> dict[str, str]:
    return {"kubernetes.io/hostname": cfg.node_name, "kubernetes.io/os": "linux",
            "kubernetes.io/arch": facts.architecture, **cfg.node_labels}


def node_status(cfg: AgentConfig, facts: HostFacts, runtime_version: str, network_ready: bool,
                now_text: str, old: types_pb2.NodeStatus | None = None) -> types_pb2.NodeStatus:
    """The status the agent reports; conditions keep their transition times from `old`."""
    resources = {"cpu": str(facts.cpus), "memory": f"{facts.memory_bytes // 1024}Ki", "pods": str(MAX_PODS)}
    status = types_pb2.NodeStatus(capacity=resources, allocatable=resources)
    status.addresses.add(type="InternalIP", address=cfg.node_ip)
    status.addresses.add(type="Hostname", address=cfg.node_name)
    status.daemon_endpoints.kubelet_endpoint.port = cfg.listen_port
    status.node_info.CopyFrom(types_pb2.NodeSystemInfo(
        machine_id=facts.machine_id, boot_id=facts.boot_id, kernel_version=facts.kernel, os_image=facts.os_image,
        container_runtime_version=runtime_version, kubelet_version=VERSION, kube_proxy_version=VERSION,
        operating_system="linux", architecture=facts.architecture))
    if old is not None:
        status.conditions.extend(old.conditions)
    moment = meta.parse_time(now_text)
    for type_, reason, message in (
            ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available")):
        meta.set_condition(status.conditions, type_, "False", reason, message, moment=moment)
    if network_ready:
        meta.set_condition(status.conditions, "Ready", "True", "KubeletReady", "kubelet is posting ready status",
                           moment=moment)
    else:
        meta.set_condition(status.conditions, "Ready", "False", "KubeletNotReady",
                           "container runtime network not ready: waiting for spec.podCIDR from the node IPAM",
                           moment=moment)
    for c in status.conditions:
        c.last_heartbeat_time = now_text
    status.phase = old.phase if old is not None else ""
    return status


def _without_heartbeats(status: types_pb2.NodeStatus) -> types_pb2.NodeStatus:
    copy = types_pb2.NodeStatus()
    copy.CopyFrom(status)
    for c in copy.conditions:
        c.last_heartbeat_time = ""
    return copy


class NodeReporter:
    """Registers the Node and keeps its status current."""

    def __init__(self, client: Client, cfg: AgentConfig, facts: HostFacts, runtime_version: str,
                 network_ready):
        self.client = client
        self.cfg = cfg
        self.facts = facts
        self.runtime_version = runtime_version
        self.network_ready = network_ready  # () -> bool
        self.node: types_pb2.Node | None = None
        self._last_written = 0.0
        self._wake = asyncio.Event()
        self.on_registered = lambda node: None  # told of every (re-)registration: the lease follows the Node's uid

    async def register(self) -> types_pb2.Node:
        """Create the Node, or adopt an existing one (labels from flags win; spec and taints stay)."""
        cfg = self.cfg
        labels = node_labels(cfg, self.facts)
        node = kinds.BY_NAME["Node"].new(metadata=types_pb2.ObjectMeta(name=cfg.node_name, labels=labels),
                                         spec=types_pb2.NodeSpec(taints=list(cfg.taints)))
        try:
            self.node = await self.client.create(node)
        except errors.AlreadyExists:
            async def adopt():
                current = await self.client.get("Node", cfg.node_name)
                if any(current.metadata.labels.get(k) != v for k, v in labels.items()):
                    current.metadata.labels.update(labels)
                    current = await self.client.update(current)
                return current
            self.node = await retry.on_conflict(adopt)
        self.on_registered(self.node)
        await self.write_status()
        return self.node

    def kick(self) -> None:
        """Something the status reflects changed (e.g. the network became ready): report soon."""
        self._wake.set()

    async def write_status(self) -> None:
        old = self.node.status if self.node is not None else None
        status = node_status(self.cfg, self.facts, self.runtime_version, self.network_ready(), meta.now_text(), old)
        fresh = time.monotonic() - self._last_written < REPORT_EVERY_S
        if old is not None and fresh and _without_heartbeats(status) == _without_heartbeats(old):
            # Read the Node every period, as the kubelet does: a deleted one (NotFound) is registered
            # again by run() within one period, not at the next forced write minutes later.
            # From the API server's cache (resourceVersion 0), as the kubelet's first try: 1,000 nodes read
            # every 10 s, and a Node deleted a moment ago is seen at the next period.
            current = await self.client.get("Node", self.cfg.node_name, resource_version="0")
            if current.metadata.uid == self.node.metadata.uid:
                return
            self.node = current  # deleted and created again by someone else: adopt it, write our status
            self.on_registered(current)
        node = types_pb2.Node()
        node.CopyFrom(self.node)
        node.status.CopyFrom(status)
        node.metadata.resource_version = ""  # the agent owns node status: last writer wins
        self.node = await self.client.update_status(node)
        self._last_written = time.monotonic()

    async def run(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), self.cfg.status_update_interval)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()
            try:
                await self.write_status()
            except errors.NotFound:
                log.warning("node %s was deleted; registering again", self.cfg.node_name)
                self.node = None
                await self._register_quietly()
            except errors.ApiError as e:
                log.debug("node status of %s not written: %s", self.cfg.node_name, e)

    async def _register_quietly(self) -> None:
        try:
            await self.register()
        except errors.ApiError as e:
            log.warning("registering node %s: %s", self.cfg.node_name, e)
