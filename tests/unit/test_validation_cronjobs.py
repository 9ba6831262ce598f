"""CronJob defaults and validation in Kubernetes' words (schedule, time zone, job template), and its columns."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from api import columns, manifest
from controlplane.apiserver import resources

NOW = datetime(2026, 11, 30, 22, 0, tzinfo=timezone.utc)


def _cj(name="hello", **spec):
    template = {"spec": {"template": {"spec": {"restartPolicy": "OnFailure",
                                               "containers": [{"name": "c", "image": "busybox"}]}}}}
    obj, _ = manifest.from_dict({"apiVersion": "batch/v1", "kind": "CronJob",
                                 "metadata": {"name": name, "namespace": "default",
                                              "creationTimestamp": "2026-11-30T21:00:00Z"},
                                 "spec": {"schedule": "*/5 * * * *", "jobTemplate": template, **spec}})
    resources.default(obj)
    return obj


def test_defaults_are_kubernetes_own_and_the_job_spec_is_left_as_written():
    cj = _cj()
    s = cj.spec
    assert (s.concurrency_policy, s.suspend, s.successful_jobs_history_limit, s.failed_jobs_history_limit) == \
        ("Allow", False, 3, 1)
    assert not s.job_template.spec.HasField("backoff_limit")  # the Job's own create defaults it
    assert resources.validate(cj) == []


@pytest.mark.parametrize("cj, message", [
    (_cj(name="x" * 53), "metadata.name: Invalid value: \"" + "x" * 53 + "\": must be no more than 52 characters"),
    (_cj(schedule=""), "spec.schedule: Required value"),
    (_cj(schedule="TZ=UTC */5 * * * *"),
     'spec.schedule: Invalid value: "TZ=UTC */5 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone '
     'field instead'),
    (_cj(timeZone=""), 'spec.timeZone: Invalid value: "": timeZone must be nil or non-empty string'),
    (_cj(timeZone="Local"), 'spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as '
                            'defined in https://www.iana.org/time-zones'),
    (_cj(timeZone="../etc/passwd"), 'spec.timeZone: Invalid value: "../etc/passwd": unknown time zone '
                                    '../etc/passwd'),
    (_cj(startingDeadlineSeconds=-1), "spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or "
                                      "equal to 0"),
    (_cj(successfulJobsHistoryLimit=-1), "spec.successfulJobsHistoryLimit: Invalid value: -1"),
    (_cj(jobTemplate={"spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {
        "metadata": {"labels": {"a": "b"}},
        "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "i"}]}}}}),
     "spec.jobTemplate.spec.selector: Invalid value: {\"matchLabels\": {\"a\": \"b\"}}: `selector` will be "
     "auto-generated"),
    (_cj(jobTemplate={"spec": {"completions": -2, "template": {
        "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "i"}]}}}}),
     "spec.jobTemplate.spec.completions: Invalid value: -2: must be greater than or equal to 0"),
])
def test_invalid_cronjobs_name_the_field_in_kubernetes_words(cj, message):
    problems = resources.validate(cj)
    assert any(message in p for p in problems), problems


def test_a_valid_time_zone_is_accepted():
    assert resources.validate(_cj(timeZone="Europe/Paris")) == []


def test_cronjob_columns_are_kubectls():
    cj = _cj(timeZone="Etc/UTC")
    cj.status.last_schedule_time = "2026-11-30T21:55:00Z"
    cj.status.active.add(name="hello-1")
    spec = columns.COLUMNS["CronJob"]
    assert spec.headers == ("NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE")
    assert spec.row(cj, NOW) == ["hello", "*/5 * * * *", "Etc/UTC", "False", "1", "5m", "60m"]
