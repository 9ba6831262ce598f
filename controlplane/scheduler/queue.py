"""The scheduling queue: pods waiting for a decision, in three places (as Kubernetes' PriorityQueue).

active: ready now, highest priority then oldest first. backoff: failed recently, waiting 1 s doubling
to 10 s. unschedulable: nothing fits; they wait for the cluster to change (a node added or updated, a
pod deleted), never for a timer."""
from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass

ACTIVE, BACKOFF, UNSCHEDULABLE, IN_FLIGHT = "active", "backoff", "unschedulable", "in-flight"


@dataclass(slots=True)
class _Entry:
    key: str
    priority: int
    created: str  # RFC 3339, so text order is time order
    where: str = ACTIVE
    attempts: int = 0
    cycle: int = 0  # the scheduling cycle that last popped it
    backoff_until: float = 0.0
    seq: int = 0  # identifies the entry's live heap item; stale ones are skipped


class SchedulingQueue:
    def __init__(self, clock: Callable[[], float] = time.monotonic, initial_backoff: float = 1.0,
                 max_backoff: float = 10.0):
        self.clock = clock
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self._entries: dict[str, _Entry] = {}
        self._active: list[tuple] = []  # (-priority, created, seq, key)
        self._backoff: list[tuple] = []  # (backoff_until, seq, key)
        self._unschedulable: set[str] = set()
        self._seq = itertools.count()
        self._cycle = 0
        self._move_request_cycle = -1
        self._wakeup = asyncio.Event()

    # ------------------------------------------------------------ arrivals

    def add(self, key: str, priority: int = 0, created: str = "") -> None:
        """A pending pod was added or changed: schedule it (again) soon."""
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry(key, priority, created)
            self._push_active(entry)
            return
        entry.priority, entry.created = priority, created
        if entry.where == UNSCHEDULABLE:
            self._unschedulable.discard(key)
            self._activate_or_back_off(entry)  # it changed, so it may fit now

    def delete(self, key: str) -> None:
        """The pod is gone, bound, or no longer ours. Stale heap items are skipped on pop."""
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._unschedulable.discard(key)

    def move_all_to_active(self, event: str = "") -> None:
        """The cluster changed in a way that may let unschedulable pods fit: try them again."""
        for key in list(self._unschedulable):
            self._activate_or_back_off(self._entries[key])
        self._unschedulable.clear()
        self._move_request_cycle = self._cycle

    # ------------------------------------------------------------ the scheduling cycle

    async def pop(self) -> str:
        """The next pod to decide on; waits for one. It stays in flight until done() or a requeue."""
        while True:
            self.flush_backoff()
            key = self.pop_nowait()
            if key is not None:
                return key
            self._wakeup.clear()
            timeout = max(0.0, self._backoff[0][0] - self.clock()) if self._backoff else None
            try:
                await asyncio.wait_for(self._wakeup.wait(), timeout)
            except asyncio.TimeoutError:
                pass

    def pop_nowait(self) -> str | None:
        while self._active:
            _, _, seq, key = heapq.heappop(self._active)
            entry = self._entries.get(key)
            if entry is None or entry.seq != seq or entry.where != ACTIVE:
                continue
            self._cycle += 1
            entry.where, entry.cycle = IN_FLIGHT, self._cycle
            entry.attempts += 1
            return key
        return None

    def done(self, key: str) -> None:
        """The pod was bound (or needs nothing more from us): forget it and its attempts."""
        entry = self._entries.get(key)
        if entry is not None and entry.where == IN_FLIGHT:
            del self._entries[key]

    def requeue_unschedulable(self, key: str) -> None:
        """Nothing fit. If the cluster changed while we were deciding, that change may be the fix: back off."""
        entry = self._entries.get(key)
        if entry is None or entry.where != IN_FLIGHT:
            return
        entry.backoff_until = self.clock() + self.backoff_duration(entry.attempts)
        if self._move_request_cycle >= entry.cycle:
            self._push_backoff(entry)
        else:
            entry.where = UNSCHEDULABLE
            self._unschedulable.add(key)

    def requeue_backoff(self, key: str) -> None:
        """An error (not a verdict on the pod): try again after the pod's backoff."""
        entry = self._entries.get(key)
        if entry is None or entry.where != IN_FLIGHT:
            return
        entry.backoff_until = self.clock() + self.backoff_duration(entry.attempts)
        self._push_backoff(entry)

    def backoff_duration(self, attempts: int) -> float:
        return min(self.initial_backoff * 2 ** max(attempts - 1, 0), self.max_backoff)

    def flush_backoff(self) -> None:
        """Move pods whose backoff has passed to active."""
        now = self.clock()
        while self._backoff and self._backoff[0][0] <= now:
            _, seq, key = heapq.heappop(self._backoff)
            entry = self._entries.get(key)
            if entry is not None and entry.seq == seq and entry.where == BACKOFF:
                self._push_active(entry)

    # ------------------------------------------------------------ inspection

    def sizes(self) -> dict[str, int]:
        """Pods waiting in each queue, for scheduler_pending_pods."""
        where = [e.where for e in self._entries.values()]
        return {"active": where.count(ACTIVE), "backoff": where.count(BACKOFF),
                "unschedulable": where.count(UNSCHEDULABLE)}

    def where(self, key: str) -> str | None:
        entry = self._entries.get(key)
        return entry.where if entry is not None else None

    def __len__(self) -> int:
        return len(self._entries)

    # ------------------------------------------------------------ placing entries

    def _activate_or_back_off(self, entry: _Entry) -> None:
        if entry.backoff_until > self.clock():
            self._push_backoff(entry)
        else:
            self._push_active(entry)

    def _push_active(self, entry: _Entry) -> None:
        entry.where, entry.seq = ACTIVE, next(self._seq)
        heapq.heappush(self._active, (-entry.priority, entry.created, entry.seq, entry.key))
        self._wakeup.set()

    def _push_backoff(self, entry: _Entry) -> None:
        entry.where, entry.seq = BACKOFF, next(self._seq)
        heapq.heappush(self._backoff, (entry.backoff_until, entry.seq, entry.key))
        self._wakeup.set()  # pop() recomputes how long to sleep
