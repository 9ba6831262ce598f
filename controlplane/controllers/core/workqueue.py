"""The workqueue between event handlers and workers, with client-go's guarantees: a key is queued
at most once, never processed by two workers at once, and re-queued if it changed while processed.
"""
from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Hashable

from controlplane.controllers.core.metrics import QueueMetrics
from controlplane.controllers.core.ratelimit import RateLimiter


class ShutDown(Exception):
    """The queue was shut down: the worker asking for a key should end."""


class WorkQueue:
    def __init__(self, name: str = "", rate_limiter: RateLimiter | None = None):
        self.name = name
        self.rate_limiter = rate_limiter or RateLimiter()
        self._queue: deque[Hashable] = deque()
        self._dirty: set[Hashable] = set()  # queued, or changed while processing
        self._processing: set[Hashable] = set()
        self._waiting: dict[Hashable, asyncio.TimerHandle] = {}
        self._waiters: deque[asyncio.Future] = deque()
        self._shut = False
        self.metrics = QueueMetrics(name)
        self._added_at: dict[Hashable, float] = {}  # queued keys -> when, for workqueue_queue_duration_seconds
        self._started_at: dict[Hashable, float] = {}

    # ------------------------------------------------------------ adding

    def add(self, item: Hashable) -> None:
        if self._shut or item in self._dirty:
            return
        self._dirty.add(item)
        self.metrics.adds.inc()
        if item not in self._processing:
            self._queue.append(item)
            self._added_at[item] = time.perf_counter()
            self.metrics.depth.inc()
            self._wake()

    def add_after(self, item: Hashable, delay: float) -> None:
        """Queue `item` after `delay` seconds; an earlier pending wake-up for it wins."""
        if self._shut:
            return
        if delay <= 0:
            self.add(item)
            return
        loop = asyncio.get_running_loop()
        pending = self._waiting.get(item)
        if pending is not None:
            if pending.when() <= loop.time() + delay:
                return
            pending.cancel()
        self._waiting[item] = loop.call_later(delay, self._fire, item)

    def add_rate_limited(self, item: Hashable) -> None:
        self.metrics.retries.inc()
        self.add_after(item, self.rate_limiter.when(item))

    def forget(self, item: Hashable) -> None:
        self.rate_limiter.forget(item)

    def failures(self, item: Hashable) -> int:
        return self.rate_limiter.failures(item)

    def _fire(self, item: Hashable) -> None:
        self._waiting.pop(item, None)
        self.add(item)

    # ------------------------------------------------------------ taking

    async def get(self) -> Hashable:
        """The next key; the caller must call done(key) when it has finished with it."""
        while not self._queue and not self._shut:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._wake()  # pass the wake-up on to another worker
                raise
        if self._shut:
            raise ShutDown(self.name)
        item = self._queue.popleft()
        self._processing.add(item)
        self._dirty.discard(item)
        now = time.perf_counter()
        self.metrics.depth.dec()
        self.metrics.queue_duration.observe(now - self._added_at.pop(item, now))
        self._started_at[item] = now
        return item

    def done(self, item: Hashable) -> None:
        self._processing.discard(item)
        started = self._started_at.pop(item, None)
        if started is not None:
            self.metrics.work_duration.observe(time.perf_counter() - started)
        if item in self._dirty:  # it changed while a worker had it: process it again
            self._queue.append(item)
            self._added_at[item] = time.perf_counter()
            self.metrics.depth.inc()
            self._wake()

    def shut_down(self) -> None:
        if not self._shut:
            self.metrics.depth.dec(len(self._queue))
        self._shut = True
        for handle in self._waiting.values():
            handle.cancel()
        self._waiting.clear()
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    def __len__(self) -> int:
        return len(self._queue)

    def _wake(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
