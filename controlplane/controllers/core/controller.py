"""The reconcile skeleton every controller shares: handlers enqueue keys, workers call `sync(key)`;
a failure retries the key with per-item backoff, a success forgets its failures.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from api import errors
from api.client import Client
from api.events import EventRecorder
from controlplane.controllers.core.informers import SharedInformers
from controlplane.controllers.core.workqueue import ShutDown, WorkQueue
from controlplane.controllers.options import Options

log = logging.getLogger(__name__)


@dataclass
class Context:
    """What every controller is built from: the API, the shared caches, the event recorder, the flags."""

    client: Client
    informers: SharedInformers
    recorder: EventRecorder
    options: Options


# The source Kubernetes' controllers sign their events with, where it is not "<name>-controller".
EVENT_SOURCES = {"replicationcontroller": "replication-controller", "disruption": "controllermanager",
                 "horizontalpodautoscaling": "horizontal-pod-autoscaler", "nodelifecycle": "node-controller",
                 "persistentvolume-binder": "persistentvolume-controller", "endpoints": "endpoint-controller",
                 "loadbalancer": "service-controller", "garbagecollector": "garbage-collector-controller",
                 "ephemeral-volume": "ephemeral_volume", "resourcequota": "resource-quota-controller"}


def event_source(controller: str) -> str:
    """`kubectl describe`'s From column for a controller's events, as Kubernetes' controller manager signs them."""
    return EVENT_SOURCES.get(controller, f"{controller}-controller")


class Controller:
    """Subclasses set `name`, register handlers in __init__ (through `enqueue`), and write `sync`."""

    name = "controller"
    workers = 1

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.client = ctx.client
        self.recorder = ctx.recorder.signed(event_source(self.name))
        self.options = ctx.options
        self.queue = WorkQueue(self.name)
        self._workers: list[asyncio.Task] = []

    async def sync(self, key: str) -> None:
        raise NotImplementedError

    def enqueue(self, key: str) -> None:
        self.queue.add(key)

    # ------------------------------------------------------------ lifecycle

    async def prepare(self) -> None:
        """Runs once the shared informers have synced, before the first worker (e.g. to rebuild state)."""

    def start(self) -> None:
        count = self.workers if self.workers > 0 else self.options.workers
        self._workers = [asyncio.create_task(self._work(), name=f"{self.name}-worker-{i}") for i in range(count)]

    async def stop(self) -> None:
        self.queue.shut_down()
        for task in self._workers:
            task.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers = []

    async def _work(self) -> None:
        while True:
            try:
                key = await self.queue.get()
            except ShutDown:
                return
            try:
                await self.sync(key)
                self.queue.forget(key)
            except asyncio.CancelledError:
                raise
            except errors.ApiError as e:
                self._retry(key, e)
            except Exception as e:
                log.exception("%s: syncing %s failed", self.name, key)
                self._retry(key, e)
            finally:
                self.queue.done(key)

    def _retry(self, key: str, error: Exception) -> None:
        # Conflicts are the normal price of optimistic concurrency: worth only a debug line.
        level = logging.DEBUG if isinstance(error, (errors.Conflict, errors.NotFound)) else logging.INFO
        log.log(level, "%s: %s: %s (retry %d)", self.name, key, error, self.queue.failures(key) + 1)
        self.queue.add_rate_limited(key)


class PeriodicController(Controller):
    """A controller that also re-checks everything every `period` seconds (node lifecycle, pod GC)."""

    period = 5.0

    def start(self) -> None:
        super().start()
        self._workers.append(asyncio.create_task(self._tick(), name=f"{self.name}-ticker"))

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.period)
            self.tick()

    def tick(self) -> None:
        raise NotImplementedError
