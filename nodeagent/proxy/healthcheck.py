"""healthCheckNodePort, as kube-proxy serves it: for each LoadBalancer Service with externalTrafficPolicy
Local, HTTP on that port at the node's address, 200 while the node holds a ready endpoint, else 503.
"""
from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import Iterable
from dataclasses import dataclass

from aiohttp import web

from nodeagent.network import netns
from proto import types_pb2

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HealthCheck:
    namespace: str
    name: str
    local_endpoints: int  # ready endpoints (address:port) of the Service on this node


def health_checks(services: Iterable[types_pb2.Service], endpoints_of: dict[str, types_pb2.Endpoints],
                  node_name: str) -> dict[int, HealthCheck]:
    """Port -> what to answer there. kube-proxy counts distinct ready address:port pairs of the node,
    over all the Service's ports."""
    out = {}
    for svc in services:
        spec = svc.spec
        if not spec.health_check_node_port or spec.type != "LoadBalancer" or spec.external_traffic_policy != "Local":
            continue
        eps = endpoints_of.get(f"{svc.metadata.namespace}/{svc.metadata.name}")
        local = set() if eps is None else {(a.ip, p.port) for s in eps.subsets for a in s.addresses
                                           if a.node_name == node_name for p in s.ports}
        out[spec.health_check_node_port] = HealthCheck(svc.metadata.namespace, svc.metadata.name, len(local))
    return out


def answer(check: HealthCheck, proxy_healthy: bool) -> tuple[int, dict[str, str], str]:
    """Status, headers and body, word for word as kube-proxy's service health server."""
    body = json.dumps({"service": {"namespace": check.namespace, "name": check.name},
                       "localEndpoints": check.local_endpoints, "serviceProxyHealthy": proxy_healthy}, indent="\t")
    headers = {"Content-Type": "application/json", "X-Content-Type-Options": "nosniff",
               "X-Load-Balancing-Endpoint-Weight": str(check.local_endpoints)}
    return (200 if check.local_endpoints and proxy_healthy else 503), headers, body


def _listen(host: str, port: int, namespace: str | None) -> socket.socket:
    with netns.entered(namespace):  # the socket belongs to the namespace it was made in
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


class HealthCheckServer:
    """One listener per health-check port, opened and closed as Services come and go; what each answers
    is read at request time, so a changed endpoint count needs no restart. An outside load balancer
    probes every node this way and sends traffic only to those answering 200."""

    def __init__(self, host: str, namespace: str | None = None):
        self.host = host
        self.namespace = namespace
        self.checks: dict[int, HealthCheck] = {}
        self.proxy_healthy = False
        self._runners: dict[int, web.AppRunner] = {}

    @property
    def listening(self) -> set[int]:
        return set(self._runners)

    async def update(self, checks: dict[int, HealthCheck], proxy_healthy: bool) -> None:
        self.checks, self.proxy_healthy = checks, proxy_healthy
        for port in sorted(self._runners.keys() - checks.keys()):
            await self._runners.pop(port).cleanup()
        for port in sorted(checks.keys() - self._runners.keys()):
            try:
                self._runners[port] = await self._serve(port)
            except OSError as e:  # tried again at the next sync
                log.warning("health check of %s/%s: cannot listen on %s:%d: %s", checks[port].namespace,
                            checks[port].name, self.host, port, e)

    async def stop(self) -> None:
        await self.update({}, False)

    async def _serve(self, port: int) -> web.AppRunner:
        sock = await asyncio.to_thread(_listen, self.host, port, self.namespace)

        async def handle(request: web.Request) -> web.Response:
            check = self.checks.get(port)
            if check is None:  # the Service went while this request was on its way
                return web.Response(status=503, text="no such health check\n")
            status, headers, body = answer(check, self.proxy_healthy)
            return web.Response(status=status, headers=headers, text=body)

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handle)  # any path, as kube-proxy's
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            await web.SockSite(runner, sock).start()
        except BaseException:
            await runner.cleanup()
            sock.close()
            raise
        log.info("serving the health check of %s/%s on %s:%d", self.checks[port].namespace,
                 self.checks[port].name, self.host, port)
        return runner
