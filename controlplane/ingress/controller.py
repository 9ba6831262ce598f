"""The ingress controller's loop: informers mark the configuration stale, one task turns the current
caches into an nginx configuration (after a short quiet time, so a burst of changes is one reload),
applies it, tells each Ingress it serves where it is reachable, and each one it cannot serve why.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from api import errors, meta
from api.client import Client
from api.events import EventRecorder
from api.informer import Informer
from api.tasks import cancel_and_wait
from controlplane.ingress import model, render
from controlplane.ingress.nginx import ConfigRejected, Nginx
from proto import types_pb2

log = logging.getLogger(__name__)

RETRY_AFTER = 1.0  # seconds before a sync nginx refused is tried again
WATCHED = ("Ingress", "IngressClass", "Service", "Endpoints", "Secret")


@dataclass(frozen=True)
class Options:
    controller: str = "skiff.io/ingress-nginx"  # IngressClass spec.controller values we serve
    publish_address: str = ""  # written to status.loadBalancer of served Ingresses
    quiet_time: float = 0.05  # wait this long after a change for more before rendering
    max_delay: float = 0.5  # but never longer than this after the first change


class IngressController:
    def __init__(self, client: Client, nginx: Nginx, settings: render.Settings, options: Options):
        self.client = client
        self.nginx = nginx
        self.settings = settings
        self.options = options
        self.informers = {kind: Informer(client, kind) for kind in WATCHED}
        self.recorder = EventRecorder(client, "ingress-controller")
        self.syncs = 0
        self._changed = asyncio.Event()
        self._first_change: float | None = None  # monotonic time of the oldest change not yet applied
        self._refused: dict[str, str] = {}  # what we last told each refused Ingress
        self._task: asyncio.Task | None = None
        for informer in self.informers.values():
            informer.add_handlers(on_add=self._mark, on_update=self._mark, on_delete=self._mark)

    def _mark(self, *_objects) -> None:
        if self._first_change is None:
            self._first_change = time.monotonic()
        self._changed.set()

    async def start(self, sync_timeout: float = 30.0) -> None:
        self.recorder.start()
        for informer in self.informers.values():
            informer.start()
        for informer in self.informers.values():
            await informer.wait_synced(sync_timeout)
        await self.sync()
        self._task = asyncio.create_task(self._run(), name="ingress-sync")

    async def stop(self) -> None:
        if self._task is not None:
            await cancel_and_wait(self._task)
        for informer in self.informers.values():
            await informer.stop()
        await self.recorder.stop()
        await self.nginx.stop()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._changed.wait()
            first = loop.time()
            # Coalesce: keep waiting while changes keep coming, up to max_delay after the first one.
            while True:
                self._changed.clear()
                left = self.options.max_delay - (loop.time() - first)
                if left <= 0:
                    break
                try:
                    await asyncio.wait_for(self._changed.wait(), min(self.options.quiet_time, left))
                except asyncio.TimeoutError:
                    break
            try:
                applied = await self.sync()
            except Exception:  # a failed sync must not end the loop
                log.exception("ingress sync failed")
                applied = False
            if not applied:
                # Try again by itself: the cluster may not change again for a long time.
                await asyncio.sleep(RETRY_AFTER)
                self._changed.set()

    # ------------------------------------------------------------ one sync

    def snapshot(self) -> model.Snapshot:
        by_key = {kind: {meta.key(obj): obj for obj in self.informers[kind].list()}
                  for kind in ("Service", "Endpoints", "Secret")}
        return model.Snapshot(ingresses=self.informers["Ingress"].list(),
                              classes=self.informers["IngressClass"].list(),
                              services=by_key["Service"], endpoints=by_key["Endpoints"], secrets=by_key["Secret"])

    async def sync(self) -> bool:
        """Bring nginx to the cluster's state; False when nginx refused it (the old config keeps serving)."""
        t0 = time.monotonic()
        seen, self._first_change = self._first_change or t0, None
        plan = model.plan(self.snapshot(), self.options.controller)
        text = render.nginx_conf(plan, self.settings)
        t1 = time.monotonic()
        try:
            changed = await self.nginx.apply(text, plan.certificates)
        except ConfigRejected as e:
            # Validation should keep this from happening; if it does, nginx keeps serving the old config.
            log.error("nginx refused the new configuration; still serving the previous one: %s", e)
            self._first_change = seen  # still not applied: the retry's delay counts from the same change
            return False
        self.syncs += 1
        if changed:
            # Where the time from a change to its reload went: waiting for more changes, rendering, nginx -t.
            t2 = time.monotonic()
            log.info("nginx configuration applied: %d servers, %d upstreams, %d Ingresses; %.0f ms after the change "
                     "(waited %.0f, rendered %.0f, tested and signalled %.0f)", len(plan.servers), len(plan.upstreams),
                     len(plan.served), (t2 - seen) * 1e3, (t0 - seen) * 1e3, (t1 - t0) * 1e3, (t2 - t1) * 1e3)
        self._report_refusals(plan)
        await self._publish(plan)
        return True

    def _report_refusals(self, plan: model.Plan) -> None:
        ingresses = self.informers["Ingress"]
        for key, why in plan.refused.items():
            if self._refused.get(key) != why and (ing := ingresses.get(key)) is not None:
                self.recorder.warning(ing, "BadConfig", f"left out of the proxy configuration: {why}")
        self._refused = dict(plan.refused)

    async def _publish(self, plan: model.Plan) -> None:
        """status.loadBalancer: our address on the Ingresses we serve, nothing on those we no longer do."""
        if not self.options.publish_address:
            return
        served = set(plan.served)
        for ing in self.informers["Ingress"].list():
            key = meta.key(ing)
            want = [self.options.publish_address] if key in served else []
            have = [entry.ip for entry in ing.status.load_balancer.ingress]
            if have == want or (key not in served and not self._was_ours(have)):
                continue
            await self._write_status(ing, want)

    def _was_ours(self, addresses: list[str]) -> bool:
        return self.options.publish_address in addresses

    async def _write_status(self, ing: types_pb2.Ingress, addresses: list[str]) -> None:
        updated = types_pb2.Ingress()
        updated.CopyFrom(ing)
        del updated.status.load_balancer.ingress[:]
        for address in addresses:
            updated.status.load_balancer.ingress.add(ip=address)
        try:
            await self.client.update_status(updated)
        except (errors.Conflict, errors.NotFound):
            self._changed.set()  # the informer brings the newer object; try again then
