"""Expectations: how many creates and which deletes a controller has asked for but not yet seen in
its cache, so a sync working from a stale cache never creates or deletes twice (as Kubernetes does).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

EXPECTATION_TTL_S = 300.0  # a lost watch event must not stall a controller for ever


@dataclass
class _Expected:
    adds: int = 0
    deletes: set[str] = field(default_factory=set)
    stamp: float = 0.0


class Expectations:
    def __init__(self, clock: Callable[[], float] = time.monotonic, ttl: float = EXPECTATION_TTL_S):
        self.clock = clock
        self.ttl = ttl
        self._by_key: dict[str, _Expected] = {}

    def expect_creations(self, key: str, count: int) -> None:
        self._by_key[key] = _Expected(adds=count, stamp=self.clock())

    def expect_deletions(self, key: str, pod_keys: Iterable[str]) -> None:
        self._by_key[key] = _Expected(deletes=set(pod_keys), stamp=self.clock())

    def expect(self, key: str, count: int, pod_keys: Iterable[str]) -> None:
        """Creates and deletes asked for in one step (a DaemonSet makes some pods and deletes others)."""
        self._by_key[key] = _Expected(adds=count, deletes=set(pod_keys), stamp=self.clock())

    def creation_observed(self, key: str, count: int = 1) -> None:
        expected = self._by_key.get(key)
        if expected is not None:
            expected.adds = max(expected.adds - count, 0)

    def deletion_observed(self, key: str, pod_key: str) -> None:
        expected = self._by_key.get(key)
        if expected is not None:
            expected.deletes.discard(pod_key)

    def satisfied(self, key: str) -> bool:
        """True when nothing is outstanding (or it has waited past the TTL): the cache can be trusted."""
        expected = self._by_key.get(key)
        if expected is None:
            return True
        if expected.adds <= 0 and not expected.deletes:
            return True
        return self.clock() - expected.stamp > self.ttl

    def forget(self, key: str) -> None:
        self._by_key.pop(key, None)
