"""Coalesced runs of one action: at most one in flight, and any number of requests during a run cause
exactly one more run after it. A failed run is retried with backoff.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from api.retry import Backoff

log = logging.getLogger(__name__)


class Coalescer:
    def __init__(self, action: Callable[[], Awaitable[None]], name: str, backoff: Backoff | None = None,
                 resync_period: float | None = None):
        self.action = action
        self.name = name
        self.backoff = backoff or Backoff(0.5, 10.0)
        self.resync_period = resync_period  # run at least this often, to repair what others changed
        self.runs = 0
        self.failures = 0
        self._dirty = asyncio.Event()

    def request(self) -> None:
        self._dirty.set()

    @property
    def pending(self) -> bool:
        """A run has been asked for and not started yet."""
        return self._dirty.is_set()

    async def run(self) -> None:
        """Until cancelled."""
        while True:
            try:
                await asyncio.wait_for(self._dirty.wait(), self.resync_period)
            except asyncio.TimeoutError:
                pass
            self._dirty.clear()  # requests from here on cause one more run
            try:
                await self.action()
                self.runs += 1
                self.backoff.reset()
            except asyncio.CancelledError:
                raise
            except Exception as e:
                self.failures += 1
                log.warning("%s failed: %s; retrying", self.name, e)
                self._dirty.set()
                await self.backoff.wait()
