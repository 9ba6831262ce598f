"""Indexed Jobs' own decisions, as Kubernetes' indexed_job_utils.go and success_policy.go make them: the
failures of each index (backoffLimitPerIndex, FailIndex), which indexes failed for good, the backoff of one
index, and the successPolicy rule that declares the Job succeeded."""
from __future__ import annotations

from datetime import datetime

from api import jobs
from api.jobs import parse_indexes
from controlplane.controllers.job import failurepolicy
from proto import types_pb2

SUCCESS_POLICY = "SuccessPolicy"  # the reason of SuccessCriteriaMet and Complete when a rule matched
FAILED_INDEXES = ("FailedIndexes", "Job has failed indexes")
MAX_FAILED_INDEXES_EXCEEDED = ("MaxFailedIndexesExceeded", "Job has exceeded the specified maximal number of "
                                                           "failed indexes")


def pod_index(pod: types_pb2.Pod) -> int | None:
    text = pod.metadata.annotations.get(jobs.COMPLETION_INDEX, "")
    return int(text) if text.isdigit() else None


def _count(pod: types_pb2.Pod, annotation: str) -> int:
    text = pod.metadata.annotations.get(annotation, "0")
    return int(text) if text.isdigit() else 0


def failure_counts(job: types_pb2.Job, pods: list[types_pb2.Pod]) -> dict[int, tuple[int, int]]:
    """Index -> (counted failures, ignored failures) so far: the most any of its pods has seen, plus the
    pod's own failure when it failed (Kubernetes keeps these in each new pod's annotations)."""
    out: dict[int, tuple[int, int]] = {}
    for pod in pods:
        index = pod_index(pod)
        if index is None:
            continue
        counted, ignored = _count(pod, jobs.INDEX_FAILURE_COUNT), _count(pod, jobs.INDEX_IGNORED_FAILURE_COUNT)
        if pod.status.phase == "Failed":
            if failurepolicy.judge(job.spec.pod_failure_policy, pod).count:
                counted += 1
            else:
                ignored += 1
        best = out.get(index, (0, 0))
        out[index] = (max(best[0], counted), max(best[1], ignored))
    return out


def failed_for_good(job: types_pb2.Job, pods: list[types_pb2.Pod]) -> set[int]:
    """Indexes that will not be retried: more failures than backoffLimitPerIndex, or a FailIndex rule."""
    if not job.spec.HasField("backoff_limit_per_index"):
        return set()
    limit = job.spec.backoff_limit_per_index
    out = {i for i, (counted, _) in failure_counts(job, pods).items() if counted > limit}
    for pod in pods:
        index = pod_index(pod)
        if index is not None and pod.status.phase == "Failed" and \
                failurepolicy.judge(job.spec.pod_failure_policy, pod).fail_index:
            out.add(index)
    return out


def index_failure(job: types_pb2.Job, completed: set[int], failed: set[int]) -> tuple[str, str] | None:
    """(reason, message) when the failed indexes fail the Job: more than maxFailedIndexes, or every index
    has ended and some failed."""
    if not failed:
        return None
    if job.spec.HasField("max_failed_indexes") and len(failed) > job.spec.max_failed_indexes:
        return MAX_FAILED_INDEXES_EXCEEDED
    if len(completed | failed) >= job.spec.completions:
        return FAILED_INDEXES
    return None


def backoff_remaining(pods: list[types_pb2.Pod], index: int, failures: int, now: datetime,
                      base: float, cap: float, finish_time) -> float:
    """Seconds before index `index` gets a new pod: base * 2^(failures - 1) from its last failure."""
    if failures <= 0:
        return 0.0
    ends = [t for p in pods if pod_index(p) == index and p.status.phase == "Failed" and (t := finish_time(p))]
    if not ends:
        return 0.0
    delay = min(base * 2 ** (failures - 1), cap)
    return max(0.0, delay - (now - max(ends)).total_seconds())


def success_policy_met(job: types_pb2.Job, completed: set[int]) -> str:
    """The message of the first successPolicy rule the succeeded indexes satisfy ("" if none)."""
    for i, rule in enumerate(job.spec.success_policy.rules):
        if rule.HasField("succeeded_indexes"):
            wanted = parse_indexes(rule.succeeded_indexes)
            done = len(wanted & completed)
            met = done >= rule.succeeded_count if rule.HasField("succeeded_count") else wanted <= completed
        else:
            met = len(completed) >= rule.succeeded_count
        if met:
            return f"Matched rules at index {i}"
    return ""
