"""Job defaults, the generated selector and validation, in Kubernetes' words, and the printed columns."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from api import columns, jobs, manifest, meta
from controlplane.apiserver import resources
from controlplane.apiserver.resources.job import STRATEGY

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


def _created(spec: dict, template_spec: dict | None = None, labels: dict | None = None):
    template = {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}],
                         **(template_spec or {})}}
    if labels is not None:
        template["metadata"] = {"labels": labels}
    job, _ = manifest.from_dict({"apiVersion": "batch/v1", "kind": "Job",
                                 "metadata": {"name": "pi", "namespace": "default", "uid": "u1"},
                                 "spec": {"template": template, **spec}})
    STRATEGY.prepare_for_create(job)
    resources.default(job)
    return job


def test_defaults_and_generated_selector_are_kubernetes_own():
    job = _created({})
    s = job.spec
    assert (s.parallelism, s.completions, s.backoff_limit, s.completion_mode, s.suspend,
            s.pod_replacement_policy) == (1, 1, 6, "NonIndexed", False, "TerminatingOrFailed")
    assert dict(s.selector.match_labels) == {jobs.CONTROLLER_UID_LABEL: "u1"}
    assert dict(s.template.metadata.labels) == {jobs.CONTROLLER_UID_LABEL: "u1", jobs.JOB_NAME_LABEL: "pi",
                                                "controller-uid": "u1", "job-name": "pi"}
    assert dict(job.metadata.labels) == dict(s.template.metadata.labels)
    assert resources.validate(job) == []


def test_a_work_queue_keeps_completions_unset():
    job = _created({"parallelism": 3})
    assert not job.spec.HasField("completions") and job.spec.parallelism == 3


@pytest.mark.parametrize("spec, template_spec, problem", [
    ({}, {"restartPolicy": "Always"},
     'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"'),
    ({"completions": -1}, {}, "spec.completions: Invalid value: -1: must be greater than or equal to 0"),
    ({"parallelism": -2}, {}, "spec.parallelism: Invalid value: -2: must be greater than or equal to 0"),
    ({"backoffLimit": -1}, {}, "spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0"),
    ({"completionMode": "Sometimes"}, {},
     'spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"'),
    ({"completionMode": "Indexed", "parallelism": 2}, {},
     "spec.completions: Required value: when completion mode is Indexed"),
    ({"podFailurePolicy": {"rules": [{"action": "FailJob", "onExitCodes": {"operator": "In", "values": [1]}}]}},
     {"restartPolicy": "OnFailure"},
     'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when '
     'podFailurePolicy is specified'),
    ({"podFailurePolicy": {"rules": [{"action": "FailJob", "onExitCodes": {"operator": "In", "values": [0]}}]}},
     {}, "spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator"),
    ({"successPolicy": {"rules": [{"succeededCount": 1}]}}, {},
     'spec.successPolicy: Invalid value: {"rules": [{"succeededCount": 1}]}: requires indexed completion mode'),
    ({"completionMode": "Indexed", "completions": 3, "successPolicy": {"rules": [{"succeededIndexes": "0-5"}]}},
     {}, 'spec.successPolicy.rules[0].succeededIndexes: Invalid value: "0-5": must be between 0 and 2'),
    ({"backoffLimitPerIndex": 1}, {}, "spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode"),
    ({"maxFailedIndexes": 1, "completionMode": "Indexed", "completions": 2}, {},
     "spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified"),
    ({"podFailurePolicy": {"rules": [{"action": "FailIndex", "onExitCodes": {"operator": "In", "values": [1]}}]}},
     {}, "spec.podFailurePolicy.rules[0].action: Forbidden: the action FailIndex can only be used when "
         "backoffLimitPerIndex is set"),
])
def test_invalid_jobs_name_the_field(spec, template_spec, problem):
    assert problem in resources.validate(_created(spec, template_spec))


def test_a_manual_selector_must_select_the_template():
    job = _created({"manualSelector": True, "selector": {"matchLabels": {"app": "other"}}}, labels={"app": "pi"})
    assert any(p.startswith("spec.template.metadata.labels: Invalid value") and
               p.endswith("`selector` does not match template `labels`") for p in resources.validate(job))


def test_a_generated_selector_may_not_be_replaced():
    job = _created({"selector": {"matchLabels": {jobs.CONTROLLER_UID_LABEL: "other"}}})
    assert ('spec.selector: Invalid value: {"matchLabels": {"batch.kubernetes.io/controller-uid": "other"}}: '
            '`selector` not auto-generated') in resources.validate(job)


def test_the_template_is_immutable():
    old = _created({})
    new = _created({})
    new.spec.template.spec.containers[0].image = "other"
    assert any(p.startswith("spec.template: Invalid value") and p.endswith("field is immutable")
               for p in resources.validate(new, old))


@pytest.mark.parametrize("conditions, deleting, expected", [
    ((), False, "Running"), (("Complete",), False, "Complete"), (("Failed",), False, "Failed"),
    ((), True, "Terminating"), (("Suspended",), False, "Suspended"), (("FailureTarget",), False, "FailureTarget"),
    (("SuccessCriteriaMet",), False, "SuccessCriteriaMet"),
])
def test_job_status_column(conditions, deleting, expected):
    job = _created({})
    for c in conditions:
        meta.set_condition(job.status.conditions, c, "True")
    if deleting:
        job.metadata.deletion_timestamp = meta.format_time(NOW)
    assert columns.job_status(job) == expected


def test_job_completions_and_duration_columns():
    job = _created({"completions": 3})
    job.status.succeeded = 2
    job.status.start_time = meta.format_time(NOW - timedelta(seconds=75))
    assert columns.job_completions(job) == "2/3"
    assert columns.job_duration(job, NOW) == "75s"
    job.status.completion_time = meta.format_time(NOW - timedelta(seconds=5))
    assert columns.job_duration(job, NOW) == "70s"
    queue = _created({"parallelism": 4})
    assert columns.job_completions(queue) == "0/1 of 4"
