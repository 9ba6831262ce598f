"""The load-balancer IP controller: gives each LoadBalancer Service of our class an address from the
pool, written to status.loadBalancer.ingress, re-derived from the statuses at start so it stays stable.
"""
from __future__ import annotations

import logging

from api import meta
from api.loadbalancer import served, status_ips
from controlplane.controllers.core.controller import Context, Controller
from controlplane.controllers.loadbalancer.pool import AllocationFailed, Pool
from proto import types_pb2

log = logging.getLogger(__name__)


class LoadBalancerController(Controller):
    name = "loadbalancer"
    workers = 1  # one allocator, one writer: no two Services can race for an address

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.pool = Pool(ctx.options.load_balancer_pool)
        self.assigned: dict[str, str] = {}  # service key -> its address, to release it later
        self.services = ctx.informers.get("Service")
        self.services.add_handlers(on_add=lambda s: self.enqueue(meta.key(s)),
                                   on_update=lambda old, new: self.enqueue(meta.key(new)),
                                   on_delete=lambda s: self.enqueue(meta.key(s)))

    async def prepare(self) -> None:
        # The addresses already handed out live in the Services' statuses: take them back as they are.
        for svc in self.services.list():
            if not served(svc):
                continue
            key = meta.key(svc)
            for ip in status_ips(svc)[:1]:
                if self.pool.occupy(ip, key):
                    self.assigned[key] = ip

    async def sync(self, key: str) -> None:
        svc = self.services.get(key)
        if svc is None or not served(svc):
            self._release(key)
            if svc is not None and svc.spec.type != "LoadBalancer" and any(map(self.pool.contains, status_ips(svc))):
                await self._write(svc, None)  # type changed: the address goes with it
            return
        try:
            ip = self._choose(key, svc.spec.load_balancer_ip)
        except AllocationFailed as e:
            self.recorder.warning(svc, "AllocationFailed", f'Failed to allocate IP for "{key}": {e}')
            if any(map(self.pool.contains, status_ips(svc))):
                await self._write(svc, None)
            return
        if status_ips(svc) != [ip]:
            await self._write(svc, ip)
            self.recorder.normal(svc, "IPAllocated", f'Assigned IP ["{ip}"]')
            log.info("service %s: load-balancer address %s", key, ip)

    def _choose(self, key: str, requested: str) -> str:
        held = self.assigned.get(key)
        if held is not None and requested in ("", held):
            return held
        self._release(key)
        ip = self.pool.allocate(key, requested)
        self.assigned[key] = ip
        return ip

    def _release(self, key: str) -> None:
        ip = self.assigned.pop(key, None)
        if ip is None:
            return
        self.pool.release(ip, key)
        log.info("service %s: released load-balancer address %s", key, ip)
        # An address came free: Services still waiting for one may get it now.
        for svc in self.services.list():
            if served(svc) and not status_ips(svc) and meta.key(svc) != key:
                self.enqueue(meta.key(svc))

    async def _write(self, svc, ip: str | None) -> None:
        updated = types_pb2.Service()
        updated.CopyFrom(svc)
        del updated.status.load_balancer.ingress[:]
        if ip is not None:
            updated.status.load_balancer.ingress.add(ip=ip, ip_mode="VIP")
        await self.client.update_status(updated)  # a stale resourceVersion conflicts and retries
