"""A Job's podFailurePolicy applied to one failed pod, as Kubernetes' matchPodFailurePolicy: the first
rule whose exit codes or pod conditions match decides (FailJob, FailIndex, Ignore, Count); no match counts."""
from __future__ import annotations

from typing import NamedTuple

from proto import types_pb2


class Verdict(NamedTuple):
    count: bool  # the failure counts toward backoffLimit
    fail_job: str = ""  # the Failed condition's message when a FailJob rule matched
    fail_index: bool = False  # a FailIndex rule matched: the pod's index is not retried


COUNT = Verdict(True)


def judge(policy: types_pb2.PodFailurePolicy, pod: types_pb2.Pod) -> Verdict:
    for index, rule in enumerate(policy.rules):
        message = _match(rule, pod, index)
        if message is None:
            continue
        if rule.action == "Ignore":
            return Verdict(False)
        if rule.action == "FailJob":
            return Verdict(True, message)
        if rule.action == "FailIndex":
            return Verdict(True, fail_index=True)
        if rule.action == "Count":
            return COUNT
    return COUNT


def _match(rule: types_pb2.PodFailurePolicyRule, pod: types_pb2.Pod, index: int) -> str | None:
    """The message Kubernetes words for a matching rule, or None when it does not match."""
    ns, name = pod.metadata.namespace, pod.metadata.name
    if rule.HasField("on_exit_codes"):
        req = rule.on_exit_codes
        for status in (*pod.status.init_container_statuses, *pod.status.container_statuses):
            terminated = status.state.terminated
            if not status.state.HasField("terminated") or terminated.exit_code == 0:
                continue  # containers that succeeded never match
            if req.HasField("container_name") and req.container_name != status.name:
                continue
            code = terminated.exit_code
            if (code in req.values) == (req.operator == "In"):
                return (f"Container {status.name} for pod {ns}/{name} failed with exit code {code} "
                        f"matching {rule.action} rule at index {index}")
        return None
    for pattern in rule.on_pod_conditions:
        for condition in pod.status.conditions:
            if condition.type == pattern.type and condition.status == (pattern.status or "True"):
                return f"Pod {ns}/{name} has condition {condition.type} matching {rule.action} rule at index {index}"
    return None
