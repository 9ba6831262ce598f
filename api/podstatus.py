"""What the STATUS, READY and RESTARTS columns show for a pod, as pure functions of the pod.

These are kubectl's printPod rules: a deletionTimestamp wins, then init containers, then the
containers' waiting and terminated reasons, then the phase.
"""
from __future__ import annotations

from api.sidecars import sidecars
from proto import types_pb2

# A pod in these phases runs nothing and never will again: the one definition every component reads.
TERMINAL_PHASES = ("Succeeded", "Failed")


def is_terminal(pod: types_pb2.Pod) -> bool:
    return pod.status.phase in TERMINAL_PHASES


def pod_status(pod: types_pb2.Pod) -> str:
    status = pod.status
    reason = status.reason or status.phase or "Pending"
    if any(c.type == "PodScheduled" and c.reason == "SchedulingGated" for c in status.conditions):
        reason = "SchedulingGated"  # as kubectl's printPod
    initializing, init_reason = _init_status(pod)
    if initializing:
        reason = init_reason
    else:
        reason = _containers_reason(pod, reason)
    if pod.metadata.deletion_timestamp:
        return "Unknown" if status.reason == "NodeLost" else "Terminating"
    return reason


def _init_status(pod: types_pb2.Pod) -> tuple[bool, str]:
    total = len(pod.spec.init_containers)
    sidecar_names = {c.name for c in sidecars(pod)}
    for i, c in enumerate(pod.status.init_container_statuses):
        state = c.state
        if state.HasField("terminated") and state.terminated.exit_code == 0:
            continue
        if c.name in sidecar_names and c.started:  # a started sidecar no longer holds initialization
            continue
        if state.HasField("terminated"):
            t = state.terminated
            if t.reason:
                return True, f"Init:{t.reason}"
            return True, f"Init:Signal:{t.signal}" if t.signal else f"Init:ExitCode:{t.exit_code}"
        if state.HasField("waiting") and state.waiting.reason and state.waiting.reason != "PodInitializing":
            return True, f"Init:{state.waiting.reason}"
        return True, f"Init:{i}/{total}"
    return False, ""


def _containers_reason(pod: types_pb2.Pod, reason: str) -> str:
    has_running = False
    # the first container's state wins, as kubectl walks them last to first
    for c in reversed(pod.status.container_statuses):
        state = c.state
        if state.HasField("waiting") and state.waiting.reason:
            reason = state.waiting.reason
        elif state.HasField("terminated") and state.terminated.reason:
            reason = state.terminated.reason
        elif state.HasField("terminated"):
            t = state.terminated
            reason = f"Signal:{t.signal}" if t.signal else f"ExitCode:{t.exit_code}"
        elif c.ready and state.HasField("running"):
            has_running = True
    if reason == "Completed" and has_running:
        ready = any(cond.type == "Ready" and cond.status == "True" for cond in pod.status.conditions)
        reason = "Running" if ready else "NotReady"
    return reason


def _sidecar_statuses(pod: types_pb2.Pod) -> list[types_pb2.ContainerStatus]:
    names = {c.name for c in sidecars(pod)}
    return [c for c in pod.status.init_container_statuses if c.name in names]


def ready_count(pod: types_pb2.Pod) -> str:
    """`1/2`: containers ready and running, of the containers the pod declares (sidecars included)."""
    ready = sum(1 for c in pod.status.container_statuses if c.ready and c.state.HasField("running"))
    ready += sum(1 for c in _sidecar_statuses(pod) if c.started and c.ready)
    return f"{ready}/{len(pod.spec.containers) + len(sidecars(pod))}"


def restarts(pod: types_pb2.Pod) -> int:
    """Restarts of the init containers while they run, else of the sidecars and the app containers."""
    initializing, _ = _init_status(pod)
    if initializing:
        return sum(c.restart_count for c in pod.status.init_container_statuses)
    return sum(c.restart_count for c in [*_sidecar_statuses(pod), *pod.status.container_statuses])
