"""Retrying: on conflict (read-modify-write loops) and with exponential backoff, for temporary failures
and for container restarts and image pulls alike."""
from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import ClassVar, TypeVar

from api import errors

T = TypeVar("T")


MAX_CONFLICT_DELAY_S = 1.0


async def on_conflict(attempt: Callable[[], Awaitable[T]], attempts: int = 10) -> T:
    """Run `attempt` (which re-reads, changes and writes) until it does not lose a race."""
    for i in range(attempts):
        try:
            return await attempt()
        except errors.Conflict:
            if i == attempts - 1:
                raise
            # Doubling from 10 ms, capped at 1 s: a loser of many races in a row waits, but never minutes.
            await asyncio.sleep(random.uniform(0, min(MAX_CONFLICT_DELAY_S, 0.01 * (2 ** i))))
    raise AssertionError("unreachable")


@dataclass
class _Entry:
    delay: float
    last_update: float
    attempts: int = 1


@dataclass
class Backoff:
    """Exponential backoff, `base` doubling up to `cap`: the one backoff type of skiff, for a retry loop (one
    sequence: `wait`, `reset`) and for many independent things at once (one sequence per key, as the
    kubelet's flowcontrol.Backoff keys container restarts and image pulls by pod and container, and a
    controller's work queue its failed keys).

    The first attempt waits `base`. `jitter` (0.2: within +-20 %) spreads the sleeps of `wait` so that many
    clients do not retry in step; the recorded delays stay exact. `reset_after`: a key quiet for that long
    starts again from `base` (a container that ran ten minutes is forgiven its past crashes). Clock values
    are passed in where a decision must be testable."""

    base: float = 0.1
    cap: float = 5.0
    jitter: float = 0.2
    reset_after: float | None = None
    _entries: dict[Hashable, _Entry] = field(default_factory=dict, repr=False)

    CRASH_RESET_S: ClassVar[float] = 600.0  # the kubelet's: ten minutes of running forgives past crashes

    def next(self, key: Hashable = None, now: float | None = None) -> float:
        """Record one more attempt on `key` and return the delay the attempt after it must wait."""
        now = time.monotonic() if now is None else now
        entry = self._entries.get(key)
        if entry is None or (self.reset_after is not None and now - entry.last_update > self.reset_after):
            entry = self._entries[key] = _Entry(self.base, now)
        else:
            entry.delay = min(entry.delay * 2, self.cap)
            entry.last_update = now
            entry.attempts += 1
        return entry.delay

    def remaining(self, key: Hashable, since: float, now: float) -> float:
        """Seconds still to wait before acting on `key`, counting the backoff from `since` (e.g. when the
        container finished); 0 when it may act now."""
        entry = self._entries.get(key)
        return 0.0 if entry is None else max(0.0, entry.delay - (now - since))

    def current(self, key: Hashable = None) -> float:
        entry = self._entries.get(key)
        return entry.delay if entry else 0.0

    def attempts(self, key: Hashable = None) -> int:
        """Attempts recorded on `key` since it was last reset (or forgiven by `reset_after`)."""
        entry = self._entries.get(key)
        return entry.attempts if entry else 0

    def reset(self, key: Hashable = None) -> None:
        """A success: the next failure of `key` waits `base` again."""
        self._entries.pop(key, None)

    def forget_prefix(self, prefix: Hashable) -> None:
        """Drop every key that is a tuple starting with `prefix` (all of one pod's entries)."""
        for key in [k for k in self._entries if isinstance(k, tuple) and k and k[0] == prefix]:
            del self._entries[key]

    def next_delay(self) -> float:
        """The next sleep of a retry loop, jittered."""
        return self.next() * random.uniform(1 - self.jitter, 1 + self.jitter)

    async def wait(self) -> None:
        await asyncio.sleep(self.next_delay())
