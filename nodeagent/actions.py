"""What a pod needs done next, as the kubelet's computePodActions: a pure decision from the pod's spec,
its runtime containers and the restart backoff. The worker carries the actions out.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from api import meta
from api.sidecars import is_sidecar, sidecars
from api.retry import Backoff
from nodeagent import ephemeral
from nodeagent.containers import attempt_of, in_sandbox, instances
from nodeagent.runtime.base import SANDBOX_NAME, ContainerInfo
from nodeagent.status import Waiting
from proto import types_pb2


@dataclass(frozen=True)
class Start:
    container: types_pb2.Container
    attempt: int
    init: bool = False
    restart: bool = False  # a restart after an exit: it counts against the backoff
    target: str = ""  # an ephemeral container's: the runtime id of the container whose processes it joins


@dataclass(frozen=True)
class Kill:
    """A running container to stop: before its replacement starts (its definition changed), or for good
    (a sidecar once the app containers have finished)."""

    container: ContainerInfo
    name: str
    message: str
    restart: bool = True  # replaced by a new instance (a changed definition), not stopped for good


@dataclass
class PodActions:
    create_sandbox: bool = False
    sandbox_attempt: int = 0
    kill: list[Kill] = field(default_factory=list)  # carried out before `start`
    start: list[Start] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)  # ids of created-but-never-started leftovers
    waiting: dict[str, Waiting] = field(default_factory=dict)
    wake_in: float | None = None  # come back after this many seconds (a backoff expires)

    def wake(self, seconds: float) -> None:
        self.wake_in = seconds if self.wake_in is None else min(self.wake_in, seconds)


def should_restart(policy: str, exit_code: int, killed: bool = False) -> bool:
    """`killed`: the agent stopped it to run it again (liveness, new sandbox), a failure whatever its exit code."""
    return policy == "Always" or (policy == "OnFailure" and (exit_code != 0 or killed))


def _finished(info: ContainerInfo, now: float) -> float:
    moment = meta.parse_time(info.finished_at) if info.finished_at else None
    return moment.timestamp() if moment else now


def _next(pod, c: types_pb2.Container, found: list[ContainerInfo], backoff: Backoff, now: float,
          actions: PodActions, init: bool, sandbox_id: str, killed: frozenset[str]) -> str:
    """Decide for one container; returns "done" (exited for good), "running", or "waiting".
    `init`: an init container (a sidecar among them: restarted whenever it exits, as an app under Always)."""
    sidecar = init and is_sidecar(c)
    latest = found[0] if found else None
    if latest is None:
        actions.start.append(Start(c, 0, init))
        return "waiting"
    if init and not in_sandbox(latest, sandbox_id):  # ran for an earlier sandbox: run again for this one
        if latest.state == "created":
            actions.remove.append(latest.id)  # made while a sandbox started that then failed: never to run
        actions.start.append(Start(c, attempt_of(latest) + 1, init))
        return "waiting"
    if latest.state == "running":
        if (not init or sidecar) and latest.image and latest.image != c.image:  # the spec's image changed
            actions.kill.append(Kill(latest, c.name, f"Container {c.name} definition changed, will be restarted"))
            actions.start.append(Start(c, attempt_of(latest) + 1))
            return "waiting"
        return "running"
    if latest.state != "exited":  # created but never started (the agent stopped half-way): make it again
        actions.remove.append(latest.id)
        actions.start.append(Start(c, attempt_of(latest), init))
        return "waiting"
    policy = pod.spec.restart_policy or "Always"
    if sidecar:
        restart = True
    elif init:
        restart = latest.exit_code != 0 and policy != "Never"
    else:
        restart = should_restart(policy, latest.exit_code, latest.id in killed)
    if not restart:
        return "done"
    key = (pod.metadata.uid, c.name)
    remaining = backoff.remaining(key, _finished(latest, now), now)
    if remaining > 0:
        actions.waiting[c.name] = Waiting(
            "CrashLoopBackOff", f"back-off {backoff.current(key):g}s restarting failed container={c.name} "
                                f"pod={pod.metadata.name}_{pod.metadata.namespace}({pod.metadata.uid})")
        actions.wake(remaining)
        return "waiting"
    actions.start.append(Start(c, attempt_of(latest) + 1, init, restart=True))
    return "waiting"


def _reruns_init(pod, containers: list[ContainerInfo], killed: frozenset[str]) -> bool:
    """After a new sandbox, the init containers run again only if an app container will (as the kubelet)."""
    policy = pod.spec.restart_policy or "Always"
    for c in pod.spec.containers:
        found = instances(containers, c.name)
        if not found or found[0].state != "exited" or \
                should_restart(policy, found[0].exit_code, found[0].id in killed):
            return True
    return False


def _apps_finished(pod, containers: list[ContainerInfo], sandbox_id: str, killed: frozenset[str]) -> bool:
    """Every app container exited for good in this sandbox (restartPolicy Never/OnFailure): sidecars stop."""
    policy = pod.spec.restart_policy or "Always"
    if policy == "Always" or not pod.spec.containers:
        return False
    for c in pod.spec.containers:
        found = instances(containers, c.name)
        if not found or found[0].state != "exited" or not in_sandbox(found[0], sandbox_id) or \
                should_restart(policy, found[0].exit_code, found[0].id in killed):
            return False
    return True


def _starts_now(c: types_pb2.Container, actions: PodActions, planned: int) -> bool:
    """A sidecar without a startup probe that this plan starts: it has started once its start returns, so
    the worker (which stops at the first init container that fails to start) may go on to the next."""
    return is_sidecar(c) and not c.HasField("startup_probe") and len(actions.start) > planned


def compute(pod: types_pb2.Pod, containers: list[ContainerInfo], backoff: Backoff, now: float,
            terminal: bool, killed: frozenset[str] = frozenset(),
            started: Mapping[str, bool] | None = None) -> PodActions:
    """The next step for a live pod (not being deleted). `terminal`: its phase is Succeeded or Failed.
    `killed`: ids of containers the agent stopped so that they run again (restarted unless policy Never).
    `started`: per running container, whether its startup probe has passed (missing: started).
    `start` is in order: an init container's failure to start stops the ones after it."""
    started = started or {}
    actions = PodActions()
    if terminal:
        return actions
    sandboxes = instances(containers, SANDBOX_NAME)
    if not sandboxes or sandboxes[0].state != "running":
        actions.create_sandbox = True
        actions.sandbox_attempt = attempt_of(sandboxes[0]) + 1 if sandboxes else 0
        return actions  # containers follow once the sandbox runs (the worker syncs again at once)
    sandbox_id = sandboxes[0].id
    # Ephemeral containers (`kubectl debug`) start at whatever stage the pod is, each once (nodeagent/ephemeral.py).
    debuggers, waiting = ephemeral.starts(pod, containers)
    actions.waiting.update(waiting)
    actions.remove += ephemeral.leftovers(pod, containers)
    actions.start += [Start(c, 0, target=target) for c, target in debuggers]

    apps_ran = any(instances(containers, c.name) for c in pod.spec.containers)
    started_apps = any(in_sandbox(i, sandbox_id) for c in pod.spec.containers for i in instances(containers, c.name))
    if not started_apps and (not apps_ran or _reruns_init(pod, containers, killed)):
        # Strictly in order: each to success before the next; a sidecar only until it has started.
        for c in pod.spec.init_containers:
            found = instances(containers, c.name)
            planned = len(actions.start)
            outcome = _next(pod, c, found, backoff, now, actions, True, sandbox_id, killed)
            if outcome == "running" and is_sidecar(c) and started.get(c.name, True):
                continue
            if _starts_now(c, actions, planned):
                continue  # started is all it must be: what follows is planned behind it, in the same sync
            if outcome != "done":
                if apps_ran:  # what ran in the old sandbox waits for the init containers of this one
                    actions.waiting.update({app.name: Waiting("PodInitializing") for app in pod.spec.containers})
                return actions
            if found[0].exit_code != 0:  # failed for good (restartPolicy Never): the pod has failed
                return actions
    elif _apps_finished(pod, containers, sandbox_id, killed):
        for c in reversed(sidecars(pod)):  # the pod's work is done: its sidecars stop, last one first
            found = instances(containers, c.name)
            if found and found[0].state == "running":
                actions.kill.append(Kill(found[0], c.name, f"Stopping container {c.name}", restart=False))
        return actions
    else:
        for c in sidecars(pod):  # beside the app containers: restarted whenever they exit
            _next(pod, c, instances(containers, c.name), backoff, now, actions, True, sandbox_id, killed)
    for c in pod.spec.containers:
        _next(pod, c, instances(containers, c.name), backoff, now, actions, False, sandbox_id, killed)
    return actions
