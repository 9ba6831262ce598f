"""Pod status as a pure function of (pod spec and last status, the pod's runtime containers, the agent's view).

The worker calls `compute` after every sync and writes the result only when it differs from the stored status.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from api import meta, podstatus
from api.sidecars import is_sidecar
from nodeagent.containers import attempt_of, in_sandbox, instances
from nodeagent.runtime.base import SANDBOX_NAME, ContainerInfo
from proto import types_pb2

TERMINAL = podstatus.TERMINAL_PHASES


@dataclass(frozen=True)
class Waiting:
    reason: str  # ErrImagePull, ImagePullBackOff, CrashLoopBackOff, CreateContainerError, ...
    message: str = ""


@dataclass(frozen=True)
class AgentView:
    """What the agent knows of the pod beyond the runtime's containers."""

    now: datetime
    host_ip: str
    pod_ip: str = ""
    runtime: str = "docker"  # the scheme of containerID ("docker://<id>")
    waiting: Mapping[str, Waiting] = field(default_factory=dict)  # per container, set by the worker
    # Per-container readiness (probes, issue 8). A container missing here is ready while it runs.
    readiness: Mapping[str, bool] = field(default_factory=dict)
    # Per-container startup probe passed (issue 8). A container missing here has started once it runs.
    started: Mapping[str, bool] = field(default_factory=dict)
    # Per exited container id: its termination message (terminationMessagePath, or its logs' tail).
    messages: Mapping[str, str] = field(default_factory=dict)
    # The agent failed the whole pod (reason, message), e.g. ("DeadlineExceeded", ...) for activeDeadlineSeconds.
    failed: tuple[str, str] | None = None


def _terminated(info: ContainerInfo, view: AgentView) -> types_pb2.ContainerStateTerminated:
    if info.oom_killed:
        reason = "OOMKilled"
    elif info.error:
        reason = "ContainerCannotRun"
    else:
        reason = "Completed" if info.exit_code == 0 else "Error"
    return types_pb2.ContainerStateTerminated(
        exit_code=info.exit_code, reason=reason, message=view.messages.get(info.id) or info.error,
        started_at=info.started_at, finished_at=info.finished_at, container_id=f"{view.runtime}://{info.id}")


def container_status(spec: types_pb2.Container, containers: list[ContainerInfo], view: AgentView,
                     default_waiting: str, init: bool = False) -> types_pb2.ContainerStatus:
    found = instances(containers, spec.name)
    latest = found[0] if found else None
    previous = found[1] if len(found) > 1 else None
    status = types_pb2.ContainerStatus(name=spec.name, image=spec.image)
    waiting = view.waiting.get(spec.name)
    if latest is None:
        w = waiting or Waiting(default_waiting)
        status.state.waiting.CopyFrom(types_pb2.ContainerStateWaiting(reason=w.reason, message=w.message))
        status.started = False
        return status
    status.restart_count = attempt_of(latest)
    status.image_id = latest.image_id
    status.container_id = f"{view.runtime}://{latest.id}"
    if latest.state == "running":
        status.state.running.started_at = latest.started_at
        status.ready = view.readiness.get(spec.name, True)
        status.started = view.started.get(spec.name, True)
        if previous is not None and previous.state == "exited":
            status.last_state.terminated.CopyFrom(_terminated(previous, view))
    elif latest.state == "exited":
        if waiting is not None:  # e.g. CrashLoopBackOff: waiting to run again; the exit is history
            status.state.waiting.CopyFrom(types_pb2.ContainerStateWaiting(reason=waiting.reason,
                                                                         message=waiting.message))
            status.last_state.terminated.CopyFrom(_terminated(latest, view))
        else:
            status.state.terminated.CopyFrom(_terminated(latest, view))
            if previous is not None and previous.state == "exited":
                status.last_state.terminated.CopyFrom(_terminated(previous, view))
            status.ready = init and not is_sidecar(spec) and latest.exit_code == 0
        status.started = False
    else:  # created, not started yet
        w = waiting or Waiting("ContainerCreating")
        status.state.waiting.CopyFrom(types_pb2.ContainerStateWaiting(reason=w.reason, message=w.message))
        status.started = False
    return status


def _done(s: types_pb2.ContainerStatus) -> bool:
    return s.state.HasField("terminated") and s.state.terminated.exit_code == 0


def _init_complete(c: types_pb2.Container, s: types_pb2.ContainerStatus) -> bool:
    """A plain init container has succeeded; a sidecar has started (and passed its startup probe)."""
    if is_sidecar(c):
        return s.state.HasField("running") and s.started
    return _done(s)


def _init_failed(statuses: list[types_pb2.ContainerStatus], restart_policy: str) -> bool:
    """An init container failed and will not run again: the pod fails (restartPolicy Never)."""
    return restart_policy == "Never" and any(
        s.state.HasField("terminated") and s.state.terminated.exit_code != 0 for s in statuses)


def phase(pod: types_pb2.Pod, init: list[types_pb2.ContainerStatus], apps: list[types_pb2.ContainerStatus],
          initialized: bool) -> str:
    """Kubernetes' getPhase: Pending until everything started, Running while anything runs or will
    restart, then Succeeded (every container exited 0) or Failed."""
    policy = pod.spec.restart_policy or "Always"
    plain_init = [s for c, s in zip(pod.spec.init_containers, init) if not is_sidecar(c)]
    if _init_failed(plain_init, policy):  # a sidecar's exit fails nothing: it restarts, or the pod is done
        return "Failed"
    if not initialized:
        return "Pending"
    running = stopped = succeeded = waiting = 0
    for s in apps:
        if s.state.HasField("running"):
            running += 1
        elif s.state.HasField("terminated"):
            stopped += 1
            succeeded += s.state.terminated.exit_code == 0
        elif s.last_state.HasField("terminated"):
            stopped += 1  # waiting to restart after an exit
        else:
            waiting += 1
    if waiting:
        return "Pending"
    if running:
        return "Running"
    if policy == "Always":
        return "Running"
    if stopped == succeeded:
        return "Succeeded"
    if policy == "Never":
        return "Failed"
    return "Running"  # OnFailure: it will restart


def _names(statuses, keep) -> str:
    return " ".join(s.name for s in statuses if keep(s))


def compute(pod: types_pb2.Pod, containers: list[ContainerInfo], view: AgentView) -> types_pb2.PodStatus:
    old = pod.status
    status = types_pb2.PodStatus()
    status.conditions.extend(old.conditions)
    status.qos_class = old.qos_class
    status.start_time = old.start_time or meta.format_time(view.now)
    status.host_ip = view.host_ip
    if view.pod_ip:
        status.pod_ip = view.pod_ip
        status.pod_ips.add(ip=view.pod_ip)
    elif old.pod_ip:  # a finished pod keeps the address it had
        status.pod_ip = old.pod_ip
        status.pod_ips.extend(old.pod_ips)

    init_statuses = [container_status(c, containers, view, "PodInitializing", init=True)
                     for c in pod.spec.init_containers]
    # Initialized within the newest sandbox: a re-created one runs the init containers again.
    sandboxes = instances(containers, SANDBOX_NAME)
    here = [i for i in containers if in_sandbox(i, sandboxes[0].id)] if sandboxes else containers
    any_app_started = any(instances(here, c.name) for c in pod.spec.containers)
    initialized = any_app_started or all(_init_complete(c, s) and instances(here, c.name)
                                         for c, s in zip(pod.spec.init_containers, init_statuses))
    app_statuses = [container_status(c, containers, view, "ContainerCreating" if initialized else "PodInitializing")
                    for c in pod.spec.containers]
    status.init_container_statuses.extend(init_statuses)
    status.container_statuses.extend(app_statuses)

    if old.phase in TERMINAL:
        status.phase, status.reason, status.message = old.phase, old.reason, old.message
    elif view.failed is not None:
        status.phase = "Failed"
        status.reason, status.message = view.failed
    else:
        status.phase = phase(pod, init_statuses, app_statuses, initialized)
    terminal = status.phase in TERMINAL

    conds, moment = status.conditions, view.now
    meta.set_condition(conds, "PodScheduled", "True", moment=moment)
    if initialized:
        meta.set_condition(conds, "Initialized", "True", moment=moment)
    else:
        meta.set_condition(conds, "Initialized", "False", "ContainersNotInitialized",
                           f"containers with incomplete status: "
                           f"[{' '.join(c.name for c, s in zip(pod.spec.init_containers, init_statuses) if not _init_complete(c, s))}]",
                           moment=moment)
    # Sidecars count towards readiness beside the app containers, as in Kubernetes.
    sidecar_statuses = [s for c, s in zip(pod.spec.init_containers, init_statuses) if is_sidecar(c)]
    unready = _names(sidecar_statuses + app_statuses, lambda s: not s.ready)
    if terminal:
        reason, message = "PodCompleted", ""
    else:
        reason, message = "ContainersNotReady", f"containers with unready status: [{unready}]"
    containers_ready = not (unready or terminal)
    if containers_ready:
        meta.set_condition(conds, "ContainersReady", "True", moment=moment)
    else:
        meta.set_condition(conds, "ContainersReady", "False", reason, message, moment=moment)
    meta.set_condition(conds, "Ready", *ready_condition(pod.spec.readiness_gates, conds, containers_ready,
                                                        reason, message), moment=moment)
    return status


# The conditions the agent computes; any other (a readiness gate's) is written by others and kept as they left it.
OWN_CONDITIONS = ("PodScheduled", "Initialized", "ContainersReady", "Ready")


def ready_condition(gates, conditions, containers_ready: bool, reason: str = "",
                    message: str = "") -> tuple[str, str, str]:
    """(status, reason, message) of the pod's Ready condition, as Kubernetes' GeneratePodReadyCondition: what
    ContainersReady says while it is not True, then True only when every readiness gate's condition is True."""
    if not containers_ready:
        return "False", reason, message
    by_type = {c.type: c.status for c in conditions}
    unready = []
    for gate in gates:
        found = by_type.get(gate.condition_type)
        if found is None:
            unready.append(f'corresponding condition of pod readiness gate "{gate.condition_type}" does not exist.')
        elif found != "True":
            unready.append(f'the status of pod readiness gate "{gate.condition_type}" is not "True", but {found}')
    if unready:
        return "False", "ReadinessGatesNotReady", ", ".join(unready)
    return "True", "", ""


def with_others_conditions(own: types_pb2.PodStatus, current: types_pb2.PodStatus) -> types_pb2.PodStatus:
    """The agent's last status with the conditions others own as the API has them now (a readiness gate set
    through pods/status since), so that computing the status again neither loses nor reverts them."""
    merged = types_pb2.PodStatus()
    merged.CopyFrom(own)
    del merged.conditions[:]
    merged.conditions.extend(c for c in own.conditions if c.type in OWN_CONDITIONS)
    merged.conditions.extend(c for c in current.conditions if c.type not in OWN_CONDITIONS)
    return merged


def gate_conditions(pod: types_pb2.Pod) -> list[tuple[str, str]]:
    """(type, status) of the conditions the pod's readiness gates name, for noticing that one changed."""
    gated = {g.condition_type for g in pod.spec.readiness_gates}
    return sorted((c.type, c.status) for c in pod.status.conditions if c.type in gated)


def is_terminal(status: types_pb2.PodStatus) -> bool:
    return status.phase in TERMINAL
