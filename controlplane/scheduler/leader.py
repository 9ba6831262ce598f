"""Leader election for the scheduler: several may run, the one holding the Lease kube-system/skiff-scheduler
schedules. One that loses the lease drops its caches and campaigns again; binds stay safe meanwhile,
because the binding subresource refuses a pod that is already bound."""
from __future__ import annotations

import asyncio
import logging

from api import errors
from api.client import Client
from api.leaderelection import LeaderElector
from api.retry import Backoff
from api.tasks import cancel_and_wait
from controlplane.scheduler.scheduler import Config, Scheduler

log = logging.getLogger(__name__)

LEASE_NAME = "skiff-scheduler"


class ElectedScheduler:
    """start() campaigns in the background and schedules while leading (always, without an elector);
    stop() ends both."""

    def __init__(self, client: Client, config: Config | None, elector: LeaderElector | None):
        self.client = client
        self.config = config or Config()
        self.elector = elector
        self.scheduler: Scheduler | None = None  # the one acting now, if leading
        self._task: asyncio.Task | None = None

    @property
    def identity(self) -> str:
        return self.elector.identity if self.elector else ""

    @property
    def is_leader(self) -> bool:
        return self.elector is None or self.elector.is_leader

    def start(self) -> None:
        self._task = asyncio.create_task(self._campaign(), name=f"{self.config.name}-campaign")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def wait(self) -> None:
        """Until the campaign ends (it only ends by stop() or a bug)."""
        if self._task is not None:
            await self._task

    async def _campaign(self) -> None:
        backoff = Backoff(cap=10.0)
        while True:
            self.scheduler = Scheduler(self.client, self.config)  # fresh caches every term
            try:
                if self.elector is None:
                    await self.scheduler.run()
                else:
                    await self.elector.run(self.scheduler.run)
                    log.warning("%s: no longer the leader; campaigning again", self.identity)
                backoff.reset()
            except (errors.ApiError, asyncio.TimeoutError) as e:
                log.warning("%s: %s; retrying", self.config.name, e)
                await backoff.wait()
            finally:
                self.scheduler = None
