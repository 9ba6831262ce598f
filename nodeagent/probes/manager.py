"""The node's probes (the kubelet's prober manager): a worker per probe of every pod, fed the pod's
containers after each sync; the pod worker reads readiness, `started` and the containers to kill from here.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from api import meta, sidecars
from nodeagent.containers import instances
from nodeagent.probes.clock import Clock
from nodeagent.probes.dialer import Dialer
from nodeagent.probes.machine import PodFacts, ProbeMachine, Target
from nodeagent.probes.prober import Prober
from nodeagent.probes.results import Kind, Result, ResultStore
from nodeagent.probes.worker import ProbeWorker, Situation
from nodeagent.runtime.base import ContainerInfo, Runtime
from proto import types_pb2

# Exec probes share the runtime's thread pool with the pods' syncs: this many at most at once.
EXEC_CONCURRENCY = 4


@dataclass(frozen=True)
class Kill:
    """A running container that failed its liveness or startup probe: stop it, the restart policy does the rest."""

    container: ContainerInfo
    name: str
    kind: Kind
    grace_s: float | None  # the probe's terminationGracePeriodSeconds; None: the pod's
    restart: bool = True  # restartPolicy is not Never

    @property
    def message(self) -> str:
        said = f"Container {self.name} failed {self.kind.value.lower()} probe"
        return f"{said}, will be restarted" if self.restart else said


@dataclass
class _Pod:
    pod: types_pb2.Pod
    pod_ip: str = ""
    facts: PodFacts = field(default_factory=PodFacts)
    targets: dict[str, Target] = field(default_factory=dict)
    workers: dict[tuple[str, Kind], ProbeWorker] = field(default_factory=dict)


def target_of(found: list[ContainerInfo]) -> Target:
    if not found:
        return Target()
    latest = found[0]
    started = meta.parse_time(latest.started_at) if latest.started_at else None
    return Target(latest.id, latest.state, started.timestamp() if started else 0.0)


def probes_of(container: types_pb2.Container) -> list[Kind]:
    return [kind for kind in Kind if container.HasField(kind.field)]


class ProbeManager:
    def __init__(self, runtime: Runtime, on_change: Callable[[str], None] | None = None, recorder=None,
                 netns: str | None = None, simulated_network: bool = False,
                 exec_concurrency: int = EXEC_CONCURRENCY, clock: Clock | None = None):
        self.clock = clock or Clock()
        self.on_change = on_change  # (pod uid): a result changed, sync that pod's status
        self.recorder = recorder
        self.store = ResultStore(self._changed)
        self.prober = Prober(runtime, Dialer(netns, simulated_network), asyncio.Semaphore(exec_concurrency))
        self.started_at = self.clock.now()
        self._pods: dict[str, _Pod] = {}

    # ------------------------------------------------------------ fed by the pod worker

    def update_pod(self, pod: types_pb2.Pod, observed: list[ContainerInfo], pod_ip: str = "",
                   terminal: bool = False) -> None:
        """After every sync of a live pod: its containers as the runtime shows them now."""
        uid = pod.metadata.uid
        entry = self._pods.get(uid)
        if entry is None:
            if not any(probes_of(c) for c in sidecars.long_running(pod)):
                return
            entry = self._pods[uid] = _Pod(pod)
        entry.pod = pod
        entry.pod_ip = pod_ip or entry.pod_ip
        entry.facts = PodFacts(terminal=terminal, deleting=meta.is_being_deleted(pod),
                               restart_policy=pod.spec.restart_policy or "Always")
        old_targets, entry.targets = entry.targets, {c.name: target_of(instances(observed, c.name))
                                                     for c in sidecars.long_running(pod)}
        for c in sidecars.long_running(pod):
            changed = old_targets.get(c.name) != entry.targets[c.name]
            for kind in probes_of(c):
                worker = entry.workers.get((c.name, kind))
                if worker is None:
                    entry.workers[(c.name, kind)] = self._worker(entry, c, kind)
                elif changed:
                    worker.trigger()

    async def remove_pod(self, uid: str) -> None:
        """The pod is terminating or gone: stop its probes and forget their results."""
        entry = self._pods.pop(uid, None)
        if entry is not None:
            await asyncio.gather(*(w.stop() for w in entry.workers.values()))

    async def stop(self) -> None:
        for uid in list(self._pods):
            await self.remove_pod(uid)
        self.prober.dialer.close()

    # ------------------------------------------------------------ read by the pod worker

    def started(self, pod: types_pb2.Pod, observed: list[ContainerInfo]) -> dict[str, bool]:
        """Per running container: its startup probe has succeeded, or it has none."""
        return {c.name: self._started(c, found[0].id) for c in sidecars.long_running(pod)
                if (found := instances(observed, c.name)) and found[0].state == "running"}

    def readiness(self, pod: types_pb2.Pod, observed: list[ContainerInfo]) -> dict[str, bool]:
        """Per running container: started, and its readiness probe succeeded (none: ready once started)."""
        ready = {}
        for c in sidecars.long_running(pod):
            found = instances(observed, c.name)
            if not found or found[0].state != "running":
                continue
            cid = found[0].id
            ready[c.name] = self._started(c, cid) and (
                not c.HasField("readiness_probe") or self.store.get(Kind.READINESS, cid) is Result.SUCCESS)
        return ready

    def kills(self, pod: types_pb2.Pod, observed: list[ContainerInfo]) -> list[Kill]:
        """Running containers whose liveness or startup probe has failed past its threshold."""
        out = []
        for c in sidecars.long_running(pod):
            found = instances(observed, c.name)
            if not found or found[0].state != "running":
                continue
            for kind in (Kind.STARTUP, Kind.LIVENESS):
                if c.HasField(kind.field) and self.store.get(kind, found[0].id) is Result.FAILURE:
                    probe = getattr(c, kind.field)
                    grace = probe.termination_grace_period_seconds \
                        if probe.HasField("termination_grace_period_seconds") else None
                    restart = sidecars.is_sidecar(c) or pod.spec.restart_policy != "Never"
                    out.append(Kill(found[0], c.name, kind, grace, restart))
                    break
        return out

    # ------------------------------------------------------------ internals

    def _started(self, c: types_pb2.Container, container_id: str) -> bool:
        return not c.HasField("startup_probe") or self.store.get(Kind.STARTUP, container_id) is Result.SUCCESS

    def _worker(self, entry: _Pod, c: types_pb2.Container, kind: Kind) -> ProbeWorker:
        probe = getattr(c, kind.field)
        period = probe.period_seconds or 10
        # As the kubelet: only workers made just after the agent started spread their first probe out.
        jitter = period if self.clock.now() - self.started_at < period else 0.0
        machine = ProbeMachine(kind, probe, self.store, entry.pod.metadata.uid)

        def situation() -> Situation:
            target = entry.targets.get(c.name, Target())
            # A sidecar is restarted whatever the pod's restartPolicy: its probes go on after an exit.
            facts = replace(entry.facts, restart_policy="Always") if sidecars.is_sidecar(c) else entry.facts
            return Situation(entry.pod, target, facts, self._started(c, target.container_id), entry.pod_ip)
        return ProbeWorker(kind, c, machine, self.prober, situation, self.clock, self.recorder, jitter)

    def _changed(self, uid: str, kind: Kind, container_id: str, result: Result) -> None:
        entry = self._pods.get(uid)
        if entry is not None and kind is Kind.STARTUP and result is Result.SUCCESS:
            # Started: readiness and liveness need not wait out a period to begin.
            for (name, other), worker in entry.workers.items():
                if other is not Kind.STARTUP and entry.targets.get(name, Target()).container_id == container_id:
                    worker.trigger()
        if self.on_change is not None:
            self.on_change(uid)

    def workers(self) -> int:
        return sum(len(e.workers) for e in self._pods.values())

    def probe_runs(self) -> int:
        """Probes run so far by the current workers (for the agent's metrics and the benchmark)."""
        return sum(w.runs for e in self._pods.values() for w in e.workers.values())
