"""The agent's handle on cluster DNS: the Service/Endpoints informers, the zone, the server on the
bridge address, and each pod's resolv.conf. The agent calls start(bridge address), pod_mounts, stop.
"""
from __future__ import annotations

import asyncio
import logging
import os

from api.client import Client
from api.informer import Informer
from nodeagent.dns import resolvconf
from nodeagent.dns.cache import ZoneFeeder
from nodeagent.dns.server import DnsServer, parse_upstream
from nodeagent.dns.zone import Zone
from nodeagent.runtime.base import Mount
from proto import types_pb2

log = logging.getLogger(__name__)

RESOLV_CONF = "resolv.conf"
POD_PATH = "/etc/resolv.conf"


class ClusterDns:
    def __init__(self, client: Client, cluster_domain: str = "cluster.local", upstream: str = "",
                 port: int = 53, namespace: str | None = None, services: Informer | None = None,
                 endpoints: Informer | None = None):
        """Pass `services`/`endpoints` to share the agent's informers (started by their owner)."""
        self.cluster_domain = cluster_domain
        self.upstream = parse_upstream(upstream)
        self.port = port
        self.namespace = namespace
        self.zone = Zone(cluster_domain)
        # Not `or`: an empty informer is falsy (it has a length).
        self.services = services if services is not None else Informer(client, "Service")
        self.endpoints = endpoints if endpoints is not None else Informer(client, "Endpoints")
        self._own_informers = [i for i, given in ((self.services, services), (self.endpoints, endpoints))
                               if given is None]
        ZoneFeeder(self.zone, self.services, self.endpoints)
        self.server: DnsServer | None = None
        self.address = ""
        self._host_text: str | None = None

    async def start(self, address: str) -> int:
        """Answer on address:port (the bridge's address); returns the port. Pods get `address` as their
        nameserver from now on, even if listening fails (the error is raised for the caller to report)."""
        self.address = address
        for informer in self._own_informers:
            informer.start()
        self.server = DnsServer(self.zone, address, self.port, self.upstream, self.namespace)
        self.port = await self.server.start()
        return self.port

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop()
            self.server = None
        for informer in self._own_informers:
            await informer.stop()

    # ------------------------------------------------------------ pods' resolv.conf

    def resolv_conf(self, pod: types_pb2.Pod, nameserver: str) -> str:
        if self._host_text is None:  # the host's file, read once: Default pods copy it
            self._host_text = resolvconf.read_host()
        return resolvconf.pod_resolv_conf(pod, self.cluster_domain, nameserver, self._host_text)

    async def pod_mounts(self, pod: types_pb2.Pod, pod_dir: str, mounts: list[Mount]) -> list[Mount]:
        """`mounts` plus the pod's resolv.conf (written to `<pod_dir>/resolv.conf`), read-only at
        /etc/resolv.conf, unless the container mounts something there itself."""
        if any(m.target == POD_PATH for m in mounts):
            return mounts
        path = os.path.join(pod_dir, RESOLV_CONF)
        await asyncio.to_thread(resolvconf.write, path, self.resolv_conf(pod, self.address))
        return [*mounts, Mount(path, POD_PATH, read_only=True)]
