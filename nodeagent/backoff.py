"""Per-key exponential backoff for container restarts and image pulls, as the kubelet's flowcontrol.Backoff.

The first restart is immediate; each later one waits base, 2*base, ... up to max; a container that ran
for `reset_after` seconds starts again from base. Clock values are passed in, so this is pure and testable.
"""
from __future__ import annotations

from dataclasses import dataclass, field

RESET_AFTER_S = 600.0  # ten minutes of running forgives past crashes, as Kubernetes does


@dataclass
class _Entry:
    delay: float
    last_update: float


@dataclass
class Backoff:
    base: float = 10.0
    cap: float = 300.0
    reset_after: float = RESET_AFTER_S
    _entries: dict[object, _Entry] = field(default_factory=dict)

    def remaining(self, key: object, since: float, now: float) -> float:
        """Seconds still to wait before acting on `key`, counting the backoff from `since` (e.g. when the
        container finished); 0 when it may act now."""
        entry = self._entries.get(key)
        if entry is None:
            return 0.0
        return max(0.0, entry.delay - (now - since))

    def next(self, key: object, now: float) -> float:
        """Record one more attempt on `key` and return the delay the attempt after it must wait."""
        entry = self._entries.get(key)
        if entry is None or now - entry.last_update > self.reset_after:
            entry = self._entries[key] = _Entry(self.base, now)
        else:
            entry.delay = min(entry.delay * 2, self.cap)
            entry.last_update = now
        return entry.delay

    def reset(self, key: object) -> None:
        self._entries.pop(key, None)

    def forget_prefix(self, prefix: object) -> None:
        """Drop every key that is a tuple starting with `prefix` (all of one pod's entries)."""
        for key in [k for k in self._entries if isinstance(k, tuple) and k and k[0] == prefix]:
            del self._entries[key]

    def current(self, key: object) -> float:
        entry = self._entries.get(key)
        return entry.delay if entry else 0.0
