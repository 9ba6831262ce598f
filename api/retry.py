"""Retrying: on conflict (read-modify-write loops) and with exponential backoff for temporary failures."""
from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from api import errors

T = TypeVar("T")


async def on_conflict(attempt: Callable[[], Awaitable[T]], attempts: int = 10) -> T:
    """Run `attempt` (which re-reads, changes and writes) until it does not lose a race."""
    for i in range(attempts):
        try:
            return await attempt()
        except errors.Conflict:
            if i == attempts - 1:
                raise
            await asyncio.sleep(random.uniform(0, 0.01 * (2 ** i)))
    raise AssertionError("unreachable")


class Backoff:
    """Exponential backoff with jitter: 0.1 s doubling to `cap`, reset after a success."""

    def __init__(self, base: float = 0.1, cap: float = 5.0):
        self.base = base
        self.cap = cap
        self._next = base

    def reset(self) -> None:
        self._next = self.base

    def next_delay(self) -> float:
        delay = self._next
        self._next = min(self._next * 2, self.cap)
        return delay * random.uniform(0.8, 1.2)

    async def wait(self) -> None:
        await asyncio.sleep(self.next_delay())
