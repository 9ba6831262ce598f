"""The CronJob controller's decisions as pure functions (Kubernetes' cronjob_controllerv2 and its utils):
which scheduled time is due, whether to start a Job for it, the Job itself, and which old Jobs to delete.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from api import cron, meta
from controlplane.controllers.core import ownership
from proto import types_pb2

SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp"
TOO_MANY_MISSED = 100  # more missed start times than this: one warning, and only the latest is started
NEXT_SCHEDULE_DELTA = 0.1  # seconds after a scheduled time that the controller looks again

UTC = timezone.utc


class ScheduleError(ValueError):
    """The schedule has no two distinct activations (e.g. `59 23 31 2 *`, which never comes)."""


def most_recent_schedule(schedule: cron.Schedule, earliest: datetime, now: datetime) -> tuple[datetime | None, int]:
    """(the latest activation in (earliest, now], how many there were), as Kubernetes'
    getMostRecentScheduleTime: counted from the interval, so a years-old CronJob costs no loop."""
    t1 = schedule.next_after(earliest)
    if t1 is None:
        raise ScheduleError("time difference between two schedules is less than 1 second")
    if now < t1:
        return None, 0
    t2 = schedule.next_after(t1)
    if t2 is not None and now < t2:
        return t1, 1
    if t2 is None:
        raise ScheduleError("time difference between two schedules is less than 1 second")
    interval = round((t2 - t1).total_seconds())
    if interval < 1:
        raise ScheduleError("time difference between two schedules is less than 1 second")
    elapsed = int((now - t1).total_seconds())
    missed = elapsed // interval + 1
    # Start one interval before the estimate and walk the real schedule forward, so irregular schedules
    # ("30 6-16/4 * * 1-5") land on a real activation.
    most_recent: datetime | None = None
    t = schedule.next_after(t1 + timedelta(seconds=(missed - 2) * interval))
    while t is not None and t <= now:
        most_recent = t
        t = schedule.next_after(t)
    return most_recent, missed


def earliest_time(cj: types_pb2.CronJob, now: datetime) -> datetime:
    """Where to count activations from: the last one started (else the creation), or the starting deadline."""
    earliest = meta.parse_time(cj.status.last_schedule_time) or meta.parse_time(cj.metadata.creation_timestamp)
    if cj.spec.HasField("starting_deadline_seconds"):
        deadline = now - timedelta(seconds=cj.spec.starting_deadline_seconds)
        if deadline > earliest:
            earliest = deadline
    return earliest


def next_check_in(cj: types_pb2.CronJob, schedule: cron.Schedule, now: datetime) -> float | None:
    """Seconds until the controller should look again: just after the next activation."""
    earliest = meta.parse_time(cj.status.last_schedule_time) or meta.parse_time(cj.metadata.creation_timestamp)
    try:
        recent, _ = most_recent_schedule(schedule, earliest, now)
    except ScheduleError:
        return None
    upcoming = schedule.next_after(recent or earliest)
    if upcoming is None:
        return None
    return max((upcoming - now).total_seconds(), 0.0) + NEXT_SCHEDULE_DELTA


def job_name(cj_name: str, scheduled: datetime) -> str:
    """NAME-<scheduled time in minutes since the epoch>: the name is the lock that keeps a time to one Job."""
    return f"{cj_name}-{int(scheduled.timestamp()) // 60}"


def rfc3339(moment: datetime) -> str:
    """Go's time.RFC3339: a zero offset is written Z."""
    offset = moment.utcoffset()
    if not offset:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    text = moment.strftime("%Y-%m-%dT%H:%M:%S%z")
    return text[:-2] + ":" + text[-2:]


def job_for(cj: types_pb2.CronJob, scheduled: datetime, zone) -> types_pb2.Job:
    """The Job for one scheduled time (Kubernetes' getJobFromTemplate2)."""
    template = cj.spec.job_template
    job = types_pb2.Job(api_version="batch/v1", kind="Job")
    job.metadata.name = job_name(cj.metadata.name, scheduled)
    job.metadata.namespace = cj.metadata.namespace
    job.metadata.labels.update(template.metadata.labels)
    job.metadata.annotations.update(template.metadata.annotations)
    job.metadata.annotations[SCHEDULED_TIMESTAMP] = rfc3339(scheduled.astimezone(zone))
    job.metadata.owner_references.append(ownership.owner_reference(cj))
    job.spec.CopyFrom(template.spec)
    return job


def reference(job: types_pb2.Job) -> types_pb2.ObjectReference:
    return types_pb2.ObjectReference(kind="Job", namespace=job.metadata.namespace, name=job.metadata.name,
                                     uid=job.metadata.uid, api_version="batch/v1",
                                     resource_version=job.metadata.resource_version)


def finished_condition(job: types_pb2.Job) -> str:
    """"Complete" or "Failed" once the Job has ended, else ""."""
    for c in job.status.conditions:
        if c.type in ("Complete", "Failed") and c.status == "True":
            return c.type
    return ""


# ---------------------------------------------------------------- reconciling status.active

@dataclass
class Reconciled:
    active: list  # the ObjectReferences still running
    events: list[tuple[str, str, str]] = field(default_factory=list)  # (type, reason, message)
    last_successful: str = ""
    unknown: list[str] = field(default_factory=list)  # active names whose Job is not in the cache


def unlisted_running(cj: types_pb2.CronJob, owned: list[types_pb2.Job]) -> bool:
    """An unfinished Job of ours that status.active does not name (just made, or someone else's to adopt)."""
    active = {ref.uid for ref in cj.status.active}
    return any(job.metadata.uid not in active and not finished_condition(job) for job in owned)


def reconcile_active(cj: types_pb2.CronJob, owned: list[types_pb2.Job]) -> Reconciled:
    """Drop ended Jobs from status.active (SawCompletedJob), note the latest success, and list references
    the cache does not hold (the caller asks the API server whether they are really gone)."""
    active_uids = {ref.uid for ref in cj.status.active}
    out = Reconciled(active=[], last_successful=cj.status.last_successful_time)
    ended: set[str] = set()
    for job in owned:
        condition = finished_condition(job)
        if condition and job.metadata.uid in active_uids:
            ended.add(job.metadata.uid)
            out.events.append(("Normal", "SawCompletedJob",
                               f"Saw completed job: {job.metadata.name}, condition: {condition}"))
        elif not condition and job.metadata.uid not in active_uids:
            out.events.append(("Warning", "UnexpectedJob",
                               f"Saw a job that the controller did not create or forgot: {job.metadata.name}"))
        if condition == "Complete" and job.status.completion_time:
            done = meta.parse_time(job.status.completion_time)
            last = meta.parse_time(out.last_successful)
            if last is None or done > last:
                out.last_successful = job.status.completion_time
    owned_uids = {job.metadata.uid for job in owned}
    for ref in cj.status.active:
        if ref.uid in ended:
            continue
        if ref.uid not in owned_uids:
            out.unknown.append(ref.name)
        out.active.append(ref)
    return out


# ---------------------------------------------------------------- the decision for now

@dataclass
class Decision:
    start: datetime | None = None  # the scheduled time to start a Job for
    replace: bool = False  # delete the active Jobs first (concurrencyPolicy Replace)
    events: list[tuple[str, str, str]] = field(default_factory=list)


def decide(cj: types_pb2.CronJob, schedule: cron.Schedule, now: datetime) -> Decision:
    """Whether a Job is due now, and for which scheduled time (cronjob_controllerv2's syncCronJob)."""
    out = Decision()
    scheduled, missed = most_recent_schedule(schedule, earliest_time(cj, now), now)
    if missed > TOO_MANY_MISSED:
        out.events.append(("Warning", "TooManyMissedTimes",
                           f"too many missed start times: {missed}. Set or decrease .spec.startingDeadlineSeconds "
                           f"or check clock skew"))
    if scheduled is None:
        return out
    spec = cj.spec
    if spec.HasField("starting_deadline_seconds") and \
            scheduled + timedelta(seconds=spec.starting_deadline_seconds) < now:
        out.events.append(("Warning", "MissSchedule", "Missed scheduled time to start a job: "
                           + scheduled.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")))
        return out
    name = job_name(cj.metadata.name, scheduled)
    if any(ref.name == name for ref in cj.status.active) or \
            meta.parse_time(cj.status.last_schedule_time) == scheduled:
        return out  # this time was processed already
    if spec.concurrency_policy == "Forbid" and cj.status.active:
        out.events.append(("Normal", "JobAlreadyActive",
                           "Not starting job because prior execution is running and concurrency policy is Forbid"))
        return out
    out.replace = spec.concurrency_policy == "Replace" and bool(cj.status.active)
    out.start = scheduled
    return out


# ---------------------------------------------------------------- history

def _start_order(job: types_pb2.Job):
    """Oldest start first; Jobs that never started after those that did; then by name (byJobStartTime)."""
    start = meta.parse_time(job.status.start_time)
    return (start is None, start or datetime.min.replace(tzinfo=UTC), job.metadata.name)


def history_to_delete(cj: types_pb2.CronJob, owned: list[types_pb2.Job]) -> list[types_pb2.Job]:
    """The oldest finished Jobs beyond successfulJobsHistoryLimit and failedJobsHistoryLimit."""
    out: list[types_pb2.Job] = []
    for condition, limit_field in (("Complete", "successful_jobs_history_limit"),
                                   ("Failed", "failed_jobs_history_limit")):
        if not cj.spec.HasField(limit_field):
            continue
        ended = sorted((j for j in owned if finished_condition(j) == condition and not j.metadata.deletion_timestamp),
                       key=_start_order)
        excess = len(ended) - getattr(cj.spec, limit_field)
        out += ended[:max(excess, 0)]
    return out


def owned_by(job: types_pb2.Job, cj: types_pb2.CronJob) -> bool:
    ref = meta.controller_of(job)
    return ref is not None and ref.kind == "CronJob" and ref.uid == cj.metadata.uid

