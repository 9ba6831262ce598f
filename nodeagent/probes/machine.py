"""The decisions of one probe worker, as the kubelet's prober/worker.go doProbe: whether to probe now,
and what a run's outcome does to the stored result (thresholds, hold after a kill, reset on a new container).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from nodeagent.probes.results import INITIAL, Kind, Result, ResultStore
from proto import types_pb2


class Step(enum.Enum):
    PROBE = "probe"
    WAIT = "wait"  # nothing to do this period
    STOP = "stop"  # the worker is done for good (the pod is finished or going away)


@dataclass(frozen=True)
class Target:
    """The newest instance of the probed container, as the runtime last showed it."""

    container_id: str = ""  # "" while no instance exists yet
    state: str = ""  # "running", "exited", "created"
    started_at: float = 0.0  # epoch seconds


@dataclass(frozen=True)
class PodFacts:
    terminal: bool = False  # phase Succeeded or Failed
    deleting: bool = False
    restart_policy: str = "Always"


class ProbeMachine:
    def __init__(self, kind: Kind, probe: types_pb2.Probe, store: ResultStore, pod_uid: str):
        self.kind = kind
        self.probe = probe
        self.store = store
        self.pod_uid = pod_uid
        self.container_id = ""
        self.on_hold = False  # liveness/startup failed: wait for the replacement container
        self.last: Result | None = None
        self.run = 0  # consecutive runs with `last`

    def decide(self, target: Target, pod: PodFacts, started: bool, now: float) -> Step:
        """`started`: the container's startup probe has succeeded (or it has none)."""
        if pod.terminal:
            return Step.STOP
        if not target.container_id:
            return Step.WAIT
        if target.container_id != self.container_id:
            self._reset(target.container_id)
        if self.on_hold:
            return Step.WAIT
        if target.state == "created":
            return Step.WAIT  # about to start; a failure stored now would outlive the start
        if target.state != "running":
            self._set(Result.FAILURE)
            # An exited container that will never run again has nothing left to probe.
            return Step.STOP if target.state == "exited" and pod.restart_policy == "Never" else Step.WAIT
        if pod.deleting and self.kind in (Kind.LIVENESS, Kind.STARTUP):
            # A container being shut down must not be restarted for failing its probe on the way out.
            self._set(Result.SUCCESS)
            return Step.STOP
        if now - target.started_at < self.probe.initial_delay_seconds:
            return Step.WAIT
        if started != (self.kind is Kind.STARTUP):
            return Step.PROBE
        # The startup probe is over once it succeeded; the others wait until it has.
        return Step.WAIT

    def record(self, result: Result) -> None:
        """Count one run's result; the stored result changes only once a threshold is reached."""
        if result is Result.UNKNOWN:
            return  # the prober could not run: keep the current result, as the kubelet does
        if result == self.last:
            self.run += 1
        else:
            self.last, self.run = result, 1
        threshold = self.probe.failure_threshold if result is Result.FAILURE else self.probe.success_threshold
        if self.run < max(threshold, 1):
            return
        self._set(result)
        if result is Result.FAILURE and self.kind in (Kind.LIVENESS, Kind.STARTUP):
            # The container will be killed; probing it while it stops only adds noise.
            self.on_hold = True
            self.run = 0

    def forget(self) -> None:
        """The worker is going away: drop the container's result."""
        if self.container_id:
            self.store.remove(self.kind, self.container_id)

    def _reset(self, container_id: str) -> None:
        self.forget()
        self.container_id = container_id
        self.store.set(self.kind, container_id, INITIAL[self.kind], self.pod_uid)
        self.on_hold = False
        self.last, self.run = None, 0

    def _set(self, result: Result) -> None:
        self.store.set(self.kind, self.container_id, result, self.pod_uid)
