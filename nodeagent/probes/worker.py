"""One task per probe of a container (the kubelet's probe worker): every period, ask the machine whether to
probe, run the probe, count the outcome, and tell the user about failures with an Unhealthy event.
"""
from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass

from api.tasks import cancel_and_wait
from nodeagent.probes.clock import Clock
from nodeagent.probes.machine import PodFacts, ProbeMachine, Step, Target
from nodeagent.probes.prober import Prober
from nodeagent.metrics import prom
from nodeagent.probes.results import Kind, Result
from proto import types_pb2

log = logging.getLogger(__name__)

# prober_probe_total's result label values, as the kubelet's
_RESULT_LABELS = {Result.SUCCESS: "successful", Result.FAILURE: "failed", Result.UNKNOWN: "unknown"}


@dataclass(frozen=True)
class Situation:
    """What the worker needs to know of its pod at one moment (read fresh before every run)."""

    pod: types_pb2.Pod
    target: Target
    facts: PodFacts
    started: bool
    pod_ip: str


class ProbeWorker:
    def __init__(self, kind: Kind, container: types_pb2.Container, machine: ProbeMachine, prober: Prober,
                 situation: Callable[[], Situation], clock: Clock, recorder=None, jitter_s: float = 0.0):
        self.kind = kind
        self.container = container
        self.probe: types_pb2.Probe = getattr(container, kind.field)
        self.machine = machine
        self.prober = prober
        self.situation = situation
        self.clock = clock
        self.recorder = recorder  # anything with .warning(obj, reason, message); None: no events
        self.jitter_s = jitter_s
        self.runs = 0
        self._trigger = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name=f"probe-{kind.value.lower()}-{container.name}")

    def trigger(self) -> None:
        """Probe now rather than at the end of the period (the container just started, or just started up)."""
        self._trigger.set()

    @property
    def done(self) -> bool:
        return self._task.done()

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self.machine.forget()

    async def _run(self) -> None:
        if self.jitter_s > 0:
            # Many workers made at once (an agent restart adopting every pod) would probe in lockstep.
            await self.clock.wait(self._trigger, random.uniform(0, self.jitter_s))
        while True:
            self._trigger.clear()
            try:
                if not await self._once():
                    return
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug in one probe must not end the others' or the pod's life
                log.exception("%s probe of container %s", self.kind.value, self.container.name)
            await self.clock.wait(self._trigger, self.probe.period_seconds or 10)

    async def _once(self) -> bool:
        """One period; False once the worker is done for good."""
        now = self.situation()
        step = self.machine.decide(now.target, now.facts, now.started, self.clock.now())
        if step is Step.STOP:
            return False
        if step is Step.WAIT:
            return True
        outcome = await self.prober.run(self.probe, self.container, now.target.container_id, now.pod_ip)
        self.runs += 1
        if self.situation().target.container_id != self.machine.container_id:
            return True  # the container was replaced while the probe ran: its result means nothing now
        self.machine.record(outcome.result)
        prom.probe_result(self.kind.value, _RESULT_LABELS[outcome.result], self.container.name,
                          now.pod.metadata.name, now.pod.metadata.namespace)
        if self.recorder is not None and outcome.result is not Result.SUCCESS:
            verb = "failed" if outcome.result is Result.FAILURE else "errored"
            self.recorder.warning(now.pod, "Unhealthy", f"{self.kind.value} probe {verb}: {outcome.output}")
        return True
