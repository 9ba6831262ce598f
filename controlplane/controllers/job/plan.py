"""Pure decisions of the Job controller, as Kubernetes' job_controller.go makes them: which pods are
active, terminating or finished, how many pods to want, the backoff before replacing failed pods, and
the conditions (SuccessCriteriaMet, Complete, FailureTarget, Failed, Suspended) a Job's status reaches.
"""
from __future__ import annotations

from datetime import datetime

from api import jobs, meta
from api.jobs import format_indexes, parse_indexes
from controlplane.controllers.core import podstate
from controlplane.controllers.job import failurepolicy, indexes
from controlplane.controllers.job.indexes import pod_index
from proto import types_pb2

FINALIZER = jobs.TRACKING_FINALIZER
BACKOFF_BASE_S = 10.0  # Kubernetes' DefaultJobPodFailureBackOff
BACKOFF_MAX_S = 360.0  # Kubernetes' MaxJobPodFailureBackOff

# Condition reasons and messages, Kubernetes' own words.
COMPLETIONS_REACHED = ("CompletionsReached", "Reached expected number of succeeded pods")
BACKOFF_LIMIT_EXCEEDED = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
DEADLINE_EXCEEDED = ("DeadlineExceeded", "Job was active longer than specified deadline")
POD_FAILURE_POLICY = "PodFailurePolicy"
SUSPENDED = ("JobSuspended", "Job suspended")
RESUMED = ("JobResumed", "Job resumed")


# ---------------------------------------------------------------- the state of a Job and its pods

def condition_true(job: types_pb2.Job, type_: str) -> bool:
    c = meta.get_condition(job.status.conditions, type_)
    return c is not None and c.status == "True"


def is_finished(job: types_pb2.Job) -> bool:
    return condition_true(job, "Complete") or condition_true(job, "Failed")


def is_active(pod: types_pb2.Pod) -> bool:
    """Pending or running, and not being deleted."""
    return podstate.is_active(pod)


def is_terminating(pod: types_pb2.Pod) -> bool:
    return bool(pod.metadata.deletion_timestamp) and pod.status.phase not in podstate.TERMINAL


def has_ended(pod: types_pb2.Pod) -> str:
    """"Succeeded" or "Failed" once the Job may count the pod (a pod deleted before it finished counts as
    failed, as Kubernetes counts it), else ""."""
    if pod.status.phase == "Succeeded":
        return "Succeeded"
    if pod.status.phase == "Failed" or pod.metadata.deletion_timestamp:
        return "Failed"
    return ""


def finish_time(pod: types_pb2.Pod) -> datetime | None:
    """When the last container of an ended pod stopped."""
    times = [meta.parse_time(s.state.terminated.finished_at)
             for s in (*pod.status.init_container_statuses, *pod.status.container_statuses)
             if s.state.HasField("terminated")]
    times = [t for t in times if t is not None]
    return max(times) if times else meta.parse_time(pod.metadata.creation_timestamp)


# ---------------------------------------------------------------- counting ended pods

class Accounting:
    """What counting the ended pods does: uids newly recorded as uncounted, pods whose finalizer can go,
    and the FailJob message of a pod failure policy rule that matched ("" if none)."""

    def __init__(self) -> None:
        self.succeeded: list[str] = []
        self.failed: list[str] = []
        self.release: list[types_pb2.Pod] = []
        self.fail_job = ""


def account(job: types_pb2.Job, pods: list[types_pb2.Pod]) -> Accounting:
    """Pods holding the tracking finalizer that ended: record each uid once in uncountedTerminatedPods
    (a failure ignored by the pod failure policy is never counted), then release the pod."""
    out = Accounting()
    uncounted = job.status.uncounted_terminated_pods
    seen = {*uncounted.succeeded, *uncounted.failed}
    for pod in pods:
        if FINALIZER not in pod.metadata.finalizers:
            continue
        ended = has_ended(pod)
        if not ended:
            continue
        out.release.append(pod)
        uid = pod.metadata.uid
        if uid in seen:
            continue
        if ended == "Succeeded":
            out.succeeded.append(uid)
            continue
        # a pod deleted before it ended is judged too: an eviction's DisruptionTarget condition may match
        verdict = failurepolicy.judge(job.spec.pod_failure_policy, pod)
        if verdict.count:
            out.failed.append(uid)
        if verdict.fail_job and not out.fail_job:
            out.fail_job = verdict.fail_job
    return out


def settle(status: types_pb2.JobStatus, finalized_uids: set[str], succeeded_indexes: set[int] | None) -> None:
    """Move uids whose pods no longer hold the finalizer from uncountedTerminatedPods into the counters."""
    uncounted = status.uncounted_terminated_pods
    done_s = [u for u in uncounted.succeeded if u not in finalized_uids]
    done_f = [u for u in uncounted.failed if u not in finalized_uids]
    status.succeeded += len(done_s)
    status.failed += len(done_f)
    keep_s = [u for u in uncounted.succeeded if u in finalized_uids]
    keep_f = [u for u in uncounted.failed if u in finalized_uids]
    del uncounted.succeeded[:], uncounted.failed[:]
    uncounted.succeeded.extend(keep_s)
    uncounted.failed.extend(keep_f)
    if succeeded_indexes is not None:
        status.completed_indexes = format_indexes(parse_indexes(status.completed_indexes) | succeeded_indexes)


# ---------------------------------------------------------------- how many pods, and which

def want_active(job: types_pb2.Job, succeeded: int, active: int) -> int:
    """The pods that should run now (Kubernetes' manageJob): parallelism, never more than the completions left;
    a work queue (no completions) stops starting pods after its first success."""
    parallelism = job.spec.parallelism
    if not job.spec.HasField("completions"):
        return active if succeeded > 0 else parallelism
    return max(0, min(job.spec.completions - succeeded, parallelism))


def backoff_remaining(pods: list[types_pb2.Pod], now: datetime, base: float = BACKOFF_BASE_S,
                      cap: float = BACKOFF_MAX_S) -> float:
    """Seconds to wait before replacing failed pods: base * 2^(failures since the last success - 1), capped,
    from the last failure (Kubernetes' backoffRecord)."""
    last_success = max((finish_time(p) for p in pods if p.status.phase == "Succeeded" and finish_time(p)),
                       default=None)
    failures = [t for p in pods if p.status.phase == "Failed" and (t := finish_time(p)) is not None
                and (last_success is None or t > last_success)]
    if not failures:
        return 0.0
    delay = min(base * 2 ** (len(failures) - 1), cap)
    return max(0.0, delay - (now - max(failures)).total_seconds())


def restarts_exceed_limit(job: types_pb2.Job, pods: list[types_pb2.Pod]) -> bool:
    """restartPolicy OnFailure: containers restart in place, so their restarts count toward backoffLimit."""
    if job.spec.template.spec.restart_policy != "OnFailure":
        return False
    restarts = sum(s.restart_count for p in pods if p.status.phase in ("Pending", "Running")
                   for s in (*p.status.init_container_statuses, *p.status.container_statuses))
    limit = job.spec.backoff_limit
    return restarts > 0 if limit == 0 else restarts >= limit


def failure(job: types_pb2.Job, status: types_pb2.JobStatus, pods: list[types_pb2.Pod], fail_job: str,
            now: datetime) -> tuple[str, str] | None:
    """(reason, message) of a Job that must fail now, or None."""
    if fail_job:
        return POD_FAILURE_POLICY, fail_job
    if status.failed > job.spec.backoff_limit or restarts_exceed_limit(job, pods):
        return BACKOFF_LIMIT_EXCEEDED
    if job.spec.HasField("active_deadline_seconds") and status.start_time:
        started = meta.parse_time(status.start_time)
        if started is not None and (now - started).total_seconds() >= job.spec.active_deadline_seconds:
            return DEADLINE_EXCEEDED
    return None


def deadline_in(job: types_pb2.Job, status: types_pb2.JobStatus, now: datetime) -> float | None:
    """Seconds until activeDeadlineSeconds passes, so the Job is looked at then."""
    if not job.spec.HasField("active_deadline_seconds") or not status.start_time:
        return None
    started = meta.parse_time(status.start_time)
    if started is None:
        return None
    return max(0.0, job.spec.active_deadline_seconds - (now - started).total_seconds())


def success(job: types_pb2.Job, status: types_pb2.JobStatus, active: int) -> tuple[str, str] | None:
    """(reason, message) of SuccessCriteriaMet once the Job has succeeded, or None."""
    if job.spec.completion_mode == "Indexed":
        completed = parse_indexes(status.completed_indexes)
        if job.spec.HasField("success_policy"):
            matched = indexes.success_policy_met(job, completed)
            if matched:
                return indexes.SUCCESS_POLICY, matched
        return COMPLETIONS_REACHED if len(completed) >= job.spec.completions else None
    if not job.spec.HasField("completions"):
        return COMPLETIONS_REACHED if status.succeeded > 0 and active == 0 else None
    return COMPLETIONS_REACHED if status.succeeded >= job.spec.completions else None


# ---------------------------------------------------------------- indexed completions

def indexes_to_create(job: types_pb2.Job, completed: set[int], running: set[int], count: int) -> list[int]:
    """The lowest indexes neither completed nor running, at most `count`."""
    free = (i for i in range(job.spec.completions) if i not in completed and i not in running)
    return [i for _, i in zip(range(max(count, 0)), free)]


def indexed_extras(job: types_pb2.Job, active: list[types_pb2.Pod], completed: set[int]) -> list[types_pb2.Pod]:
    """Active pods that must go: an index out of range or already completed, or a second pod of one index."""
    seen: set[int] = set()
    extras = []
    for pod in sorted(active, key=podstate.deletion_order_key, reverse=True):
        index = pod_index(pod)
        if index is None or index >= job.spec.completions or index in completed or index in seen:
            extras.append(pod)
        else:
            seen.add(index)
    return extras


# ---------------------------------------------------------------- conditions and the TTL

def set_condition(status: types_pb2.JobStatus, type_: str, status_value: str, reason_message: tuple[str, str],
                  now: datetime) -> bool:
    reason, message = reason_message
    changed = meta.set_condition(status.conditions, type_, status_value, reason, message, now)
    if changed:
        meta.get_condition(status.conditions, type_).last_probe_time = meta.format_time(now)
    return changed


def finished_at(job: types_pb2.Job) -> datetime | None:
    for type_ in ("Complete", "Failed"):
        c = meta.get_condition(job.status.conditions, type_)
        if c is not None and c.status == "True":
            return meta.parse_time(c.last_transition_time)
    return None


def ttl_remaining(job: types_pb2.Job, now: datetime) -> float | None:
    """Seconds until a finished Job with ttlSecondsAfterFinished may be deleted; None: never (or not yet finished)."""
    if not job.spec.HasField("ttl_seconds_after_finished") or meta.is_being_deleted(job):
        return None
    finished = finished_at(job)
    if finished is None:
        return None
    return max(0.0, job.spec.ttl_seconds_after_finished - (now - finished).total_seconds())
