"""How long a failed key waits before its next try: per-item exponential backoff, capped, combined
with a global token bucket so a storm of failures cannot flood the API server (client-go's default).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Hashable

from api.retry import Backoff


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


class RateLimiter:
    """Per item, exponential backoff from `backoff` (base 5 ms doubling to 300 s); overall, the token
    bucket's pace; a key waits the longer of the two (client-go's default MaxOfRateLimiter)."""

    def __init__(self, backoff: Backoff | None = None, bucket: TokenBucket | None = None):
        self.backoff = backoff or Backoff(base=0.005, cap=300.0, jitter=0.0)
        self.bucket = bucket or TokenBucket()

    def when(self, item: Hashable) -> float:
        return max(self.backoff.next(item), self.bucket.when(item))

    def failures(self, item: Hashable) -> int:
        return self.backoff.attempts(item)

    def forget(self, item: Hashable) -> None:
        self.backoff.reset(item)
