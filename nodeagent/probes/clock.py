"""Time for the probe workers: the real clock, and a manual one that tests advance by hand.

Workers only ask `now()` and `wait(event, seconds)`, so a test can run minutes of probing in milliseconds.
"""
from __future__ import annotations

import asyncio
import time


class Clock:
    def now(self) -> float:
        """Wall-clock seconds (container start times are wall-clock)."""
        return time.time()

    async def wait(self, event: asyncio.Event, seconds: float) -> None:
        """Return when `event` is set or `seconds` have passed, whichever is first."""
        try:
            await asyncio.wait_for(event.wait(), max(seconds, 0))
        except asyncio.TimeoutError:
            pass


class ManualClock(Clock):
    def __init__(self, start: float | None = None):
        self._now = time.time() if start is None else start
        self._timers: list[tuple[float, asyncio.Future]] = []

    def now(self) -> float:
        return self._now

    async def wait(self, event: asyncio.Event, seconds: float) -> None:
        if event.is_set():
            return
        timer = asyncio.get_running_loop().create_future()
        self._timers.append((self._now + seconds, timer))
        waiter = asyncio.ensure_future(event.wait())
        try:
            await asyncio.wait({timer, waiter}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
            timer.cancel()
            self._timers = [(d, t) for d, t in self._timers if t is not timer]

    async def advance(self, seconds: float, settle_rounds: int = 20) -> None:
        """Move time forward and let every worker that wakes run until it waits again."""
        self._now += seconds
        for deadline, timer in list(self._timers):
            if deadline <= self._now and not timer.done():
                timer.set_result(None)
        for _ in range(settle_rounds):
            await asyncio.sleep(0)
