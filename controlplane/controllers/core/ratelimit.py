"""How long a failed key waits before its next try: per-item exponential backoff, capped, combined
with a global token bucket so a storm of failures cannot flood the API server (client-go's default).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Hashable


class ItemExponential:
    """base * 2^failures for each item, capped at `cap`; `forget` starts an item over."""

    def __init__(self, base: float = 0.005, cap: float = 300.0):
        self.base = base
        self.cap = cap
        self._failures: dict[Hashable, int] = {}

    def when(self, item: Hashable) -> float:
        failures = self._failures.get(item, 0)
        self._failures[item] = failures + 1
        return min(self.base * (2 ** min(failures, 62)), self.cap)

    def failures(self, item: Hashable) -> int:
        return self._failures.get(item, 0)

    def forget(self, item: Hashable) -> None:
        self._failures.pop(item, None)


class TokenBucket:
    """`rate` retries a second overall with bursts of `burst`; returns how long this one must wait."""

    def __init__(self, rate: float = 10.0, burst: int = 100, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self._tokens = float(burst)
        self._last = clock()

    def when(self, item: Hashable = None) -> float:
        now = self.clock()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        self._tokens -= 1  # reserve now, even when the token is only there in the future
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def forget(self, item: Hashable) -> None:
        pass


class RateLimiter:
    """The longest wait any of its limiters asks for (client-go's MaxOfRateLimiter)."""

    def __init__(self, *limiters):
        self.limiters = limiters or (ItemExponential(), TokenBucket())

    def when(self, item: Hashable) -> float:
        return max(limiter.when(item) for limiter in self.limiters)

    def failures(self, item: Hashable) -> int:
        return max((l.failures(item) for l in self.limiters if hasattr(l, "failures")), default=0)

    def forget(self, item: Hashable) -> None:
        for limiter in self.limiters:
            limiter.forget(item)
