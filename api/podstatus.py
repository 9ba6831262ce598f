"""What the STATUS, READY and RESTARTS columns show for a pod, as pure functions of the pod.

These are kubectl's printPod rules: a deletionTimestamp wins, then init containers, then the
containers' waiting and terminated reasons, then the phase.
"""
from __future__ import annotations

from proto import types_pb2


def pod_status(pod: types_pb2.Pod) -> str:
    status = pod.status
    reason = status.reason or status.phase or "Pending"
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
    for i, c in enumerate(pod.status.init_container_statuses):
        state = c.state
        if state.HasField("terminated") and state.terminated.exit_code == 0:
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


def ready_count(pod: types_pb2.Pod) -> str:
    """`1/2`: containers ready and running, of the containers the pod declares."""
    ready = sum(1 for c in pod.status.container_statuses if c.ready and c.state.HasField("running"))
    return f"{ready}/{len(pod.spec.containers)}"


def restarts(pod: types_pb2.Pod) -> int:
    """Restarts of the init containers while they run, else of the app containers."""
    initializing, _ = _init_status(pod)
    statuses = pod.status.init_container_statuses if initializing else pod.status.container_statuses
    return sum(c.restart_count for c in statuses)
