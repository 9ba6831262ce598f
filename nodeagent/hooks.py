"""Lifecycle hooks (postStart, preStop) as the kubelet's handler runner runs them: a command in the container, an
HTTP GET to the pod, or a sleep. `run` returns the kubelet's message when the hook failed, else None."""
from __future__ import annotations

import asyncio

from nodeagent.probes.prober import Prober
from nodeagent.probes.results import Result
from nodeagent.runtime import base
from proto import types_pb2


def _go_list(items) -> str:
    return "[" + " ".join(items) + "]"  # how Go prints a []string, as the kubelet's messages show it


def failure(kind: str, what: str, container: str, pod: types_pb2.Pod, error: str, message: str = "") -> str:
    """The kubelet's words for a failed hook (the FailedPostStartHook / FailedPreStopHook event's message)."""
    m = pod.metadata
    return (f'{kind} lifecycle hook ({what}) for Container "{container}" in Pod "{m.name}_{m.namespace}({m.uid})" '
            f'failed - error: {error}, message: "{message}"')


async def run(handler: types_pb2.LifecycleHandler, pod: types_pb2.Pod, container: types_pb2.Container,
              container_id: str, pod_ip: str, prober: Prober, timeout_s: float) -> str | None:
    """Run one hook within `timeout_s` seconds; the kubelet's message when it failed, None when it succeeded."""
    timeout_s = max(timeout_s, 0.001)
    if handler.HasField("exec"):
        command = list(handler.exec.command)
        try:
            result = await asyncio.wait_for(prober.runtime.exec(container_id, command, timeout_s=timeout_s), timeout_s)
        except (asyncio.TimeoutError, base.RuntimeError_) as e:
            return failure("Exec", _go_list(command), container.name, pod, str(e) or "timed out")
        if result.timed_out:
            return failure("Exec", _go_list(command), container.name, pod, f"timed out after {timeout_s:.0f}s")
        if result.exit_code != 0:
            output = result.output.decode("utf-8", errors="replace")
            return failure("Exec", _go_list(command), container.name, pod,
                           f"command '{' '.join(command)}' exited with {result.exit_code}: {output}", output)
        return None
    if handler.HasField("http_get"):
        probe = types_pb2.Probe(http_get=handler.http_get, timeout_seconds=max(int(timeout_s), 1))
        outcome = await prober.run(probe, container, container_id, pod_ip)
        if outcome.result != Result.SUCCESS:
            return failure("HTTP", handler.http_get.path or "/", container.name, pod, outcome.message)
        return None
    if handler.HasField("sleep"):
        await asyncio.sleep(min(handler.sleep.seconds, timeout_s))
        return None
    # tcpSocket is accepted by the API for compatibility but never run as a hook, as in Kubernetes.
    return f"Cannot run handler: invalid handler: {handler}"
