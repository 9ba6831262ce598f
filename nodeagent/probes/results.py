"""Probe outcomes and the store of current results per (probe kind, container id), as the kubelet's
results managers; a change of result calls back with the pod's uid so its worker syncs at once.
"""
from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass


class Kind(str, enum.Enum):
    LIVENESS = "Liveness"
    READINESS = "Readiness"
    STARTUP = "Startup"

    @property
    def field(self) -> str:
        """The Container field holding this probe."""
        return f"{self.name.lower()}_probe"


class Result(enum.Enum):
    SUCCESS = "success"
    FAILURE = "failure"
    UNKNOWN = "unknown"  # not probed yet (startup), or the prober itself failed


@dataclass(frozen=True)
class Outcome:
    """One probe run: the result and what a user reads in the Unhealthy event when it failed."""

    result: Result
    output: str = ""


# What a new container's result is before its first probe: not ready, alive, not yet started.
INITIAL = {Kind.READINESS: Result.FAILURE, Kind.LIVENESS: Result.SUCCESS, Kind.STARTUP: Result.UNKNOWN}

OnChange = Callable[[str, Kind, str, Result], None]  # (pod uid, kind, container id, new result)


class ResultStore:
    def __init__(self, on_change: OnChange | None = None):
        self._results: dict[tuple[Kind, str], Result] = {}
        self.on_change = on_change

    def get(self, kind: Kind, container_id: str) -> Result | None:
        return self._results.get((kind, container_id))

    def set(self, kind: Kind, container_id: str, result: Result, pod_uid: str) -> None:
        key = (kind, container_id)
        if self._results.get(key) == result:
            return
        self._results[key] = result
        if self.on_change is not None:
            self.on_change(pod_uid, kind, container_id, result)

    def remove(self, kind: Kind, container_id: str) -> None:
        self._results.pop((kind, container_id), None)

    def __len__(self) -> int:
        return len(self._results)
