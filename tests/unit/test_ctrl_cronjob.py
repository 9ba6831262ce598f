"""The CronJob controller's pure decisions (Kubernetes' cronjob_controllerv2 and utils): the most recent
missed time, whether to start a Job now, the Job made, active-list reconciliation and history limits."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from api import cron, manifest, meta
from controlplane.controllers.cronjob import plan

UTC = timezone.utc
CREATED = datetime(2026, 11, 30, 22, 0, 30, tzinfo=UTC)
EVERY_MINUTE = cron.parse("*/1 * * * *")


def _cj(last_schedule=None, active=(), **spec):
    obj, _ = manifest.from_dict({
        "apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": {"name": "tick", "namespace": "default", "uid": "cj-uid",
                     "creationTimestamp": meta.format_time(CREATED)},
        "spec": {"schedule": "*/1 * * * *", "concurrencyPolicy": "Allow",
                 "jobTemplate": {"metadata": {"labels": {"a": "b"}, "annotations": {"x": "y"}},
                                 "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "i"}],
                                                                "restartPolicy": "OnFailure"}}}},
                 **spec},
        "status": {"lastScheduleTime": meta.format_time(last_schedule) if last_schedule else None,
                   "active": [{"kind": "Job", "name": n, "uid": f"uid-{n}", "namespace": "default"}
                              for n in active]}})
    return obj


def _job(name, condition="", start=None, completion=None, uid=None):
    status: dict = {}
    if condition:
        status["conditions"] = [{"type": condition, "status": "True"}]
    if start:
        status["startTime"] = meta.format_time(start)
    if completion:
        status["completionTime"] = meta.format_time(completion)
    obj, _ = manifest.from_dict({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": name, "namespace": "default", "uid": uid or f"uid-{name}",
                     "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob", "name": "tick",
                                          "uid": "cj-uid", "controller": True}]},
        "status": status})
    return obj


def _at(minute, second=0):
    return datetime(2026, 11, 30, 22, minute, second, tzinfo=UTC)


@pytest.mark.parametrize("earliest, now, expected, missed", [
    (_at(0, 30), _at(0, 50), None, 0),  # before the first activation
    (_at(0, 30), _at(1, 5), _at(1), 1),
    (_at(0, 30), _at(5, 5), _at(5), 5),
    (_at(1), _at(1, 59), None, 0),  # the activation at `earliest` itself was handled
])
def test_most_recent_schedule_counts_missed_times(earliest, now, expected, missed):
    assert plan.most_recent_schedule(EVERY_MINUTE, earliest, now) == (expected, missed)


def test_an_irregular_schedule_finds_its_real_most_recent_time():
    irregular = cron.parse("30 6-16/4 * * 1-5")  # 06:30, 10:30, 14:30 on weekdays
    earliest = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # Monday
    recent, _ = plan.most_recent_schedule(irregular, earliest, datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    assert recent == datetime(2026, 12, 1, 10, 30, tzinfo=UTC)


def test_a_schedule_that_never_comes_twice_is_an_error():
    with pytest.raises(plan.ScheduleError):
        plan.most_recent_schedule(cron.parse("0 0 31 2 *"), CREATED, CREATED + timedelta(days=3000))


def test_a_due_time_starts_a_job_named_by_its_minute():
    decision = plan.decide(_cj(), EVERY_MINUTE, _at(1, 5))
    assert decision.start == _at(1) and not decision.replace and not decision.events
    job = plan.job_for(_cj(), _at(1), UTC)
    assert job.metadata.name == f"tick-{int(_at(1).timestamp()) // 60}"
    assert job.metadata.annotations[plan.SCHEDULED_TIMESTAMP] == "2026-11-30T22:01:00Z"
    assert (dict(job.metadata.labels), job.metadata.annotations["x"]) == ({"a": "b"}, "y")
    ref = job.metadata.owner_references[0]
    assert (ref.kind, ref.name, ref.uid, ref.controller, ref.block_owner_deletion) == \
        ("CronJob", "tick", "cj-uid", True, True)
    assert job.spec.template.spec.containers[0].image == "i"


def test_the_scheduled_timestamp_is_written_in_the_cronjobs_time_zone():
    job = plan.job_for(_cj(), _at(1), ZoneInfo("Asia/Kolkata"))
    assert job.metadata.annotations[plan.SCHEDULED_TIMESTAMP] == "2026-12-01T03:31:00+05:30"


@pytest.mark.parametrize("cj, now, start, reasons", [
    (_cj(last_schedule=_at(1)), _at(1, 40), None, []),  # already processed
    (_cj(active=["tick-x"], concurrencyPolicy="Forbid"), _at(1, 5), None, ["JobAlreadyActive"]),
    (_cj(active=["tick-x"]), _at(1, 5), _at(1), []),  # Allow: runs beside the active one
    # a time older than the starting deadline is not even counted
    (_cj(startingDeadlineSeconds=10), _at(1, 30), None, []),
    (_cj(startingDeadlineSeconds=60), _at(1, 30), _at(1), []),
    (_cj(), _at(0) + timedelta(minutes=150, seconds=5), _at(0) + timedelta(minutes=150), ["TooManyMissedTimes"]),
    # a starting deadline bounds how far back missed times are counted: no warning
    (_cj(startingDeadlineSeconds=200), _at(0) + timedelta(minutes=150, seconds=5), _at(0) + timedelta(minutes=150),
     []),
])
def test_decide_starts_only_a_due_unprocessed_allowed_time(cj, now, start, reasons):
    decision = plan.decide(cj, EVERY_MINUTE, now)
    assert decision.start == start
    assert [reason for _, reason, _ in decision.events] == reasons


def test_replace_deletes_the_active_jobs_first():
    decision = plan.decide(_cj(active=["tick-x"], concurrencyPolicy="Replace"), EVERY_MINUTE, _at(1, 5))
    assert decision.start == _at(1) and decision.replace


def test_next_check_is_just_after_the_next_activation():
    assert plan.next_check_in(_cj(last_schedule=_at(1)), EVERY_MINUTE, _at(1, 20)) == pytest.approx(40.1)


def test_reconcile_drops_ended_jobs_and_keeps_the_latest_success():
    cj = _cj(active=["a", "b", "gone"])
    owned = [_job("a", "Complete", completion=_at(3)), _job("b"), _job("c", "Complete", completion=_at(5)),
             _job("d")]
    result = plan.reconcile_active(cj, owned)
    assert [r.name for r in result.active] == ["b", "gone"]
    assert result.unknown == ["gone"]
    assert result.last_successful == meta.format_time(_at(5))
    assert result.events == [("Normal", "SawCompletedJob", "Saw completed job: a, condition: Complete"),
                             ("Warning", "UnexpectedJob",
                              "Saw a job that the controller did not create or forgot: d")]


def test_history_limits_delete_the_oldest_finished_jobs_by_start_time():
    owned = [_job("s1", "Complete", start=_at(1)), _job("s3", "Complete", start=_at(3)),
             _job("s2", "Complete", start=_at(2)), _job("f1", "Failed", start=_at(1)),
             _job("f2", "Failed", start=_at(2)), _job("running", start=_at(0))]
    doomed = plan.history_to_delete(_cj(successfulJobsHistoryLimit=1, failedJobsHistoryLimit=1), owned)
    assert [j.metadata.name for j in doomed] == ["s1", "s2", "f1"]
    assert plan.history_to_delete(_cj(), owned) == []  # no limits set: keep all
