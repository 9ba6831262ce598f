"""The Job controller's pure decisions, as table tests: pods wanted, failure backoff, failure and success,
indexes, the pod failure policy, and counting ended pods once."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from api import jobs, manifest, meta
from controlplane.controllers.job import failurepolicy, indexes, plan
from controlplane.controllers.job import pods as job_pods
from proto import types_pb2

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


def _job(**spec) -> types_pb2.Job:
    obj, _ = manifest.from_dict({"apiVersion": "batch/v1", "kind": "Job",
                                 "metadata": {"name": "pi", "namespace": "default", "uid": "u1"},
                                 "spec": {"template": {"spec": {"restartPolicy": "Never",
                                                                "containers": [{"name": "app", "image": "b"}]}},
                                          **spec}})
    return obj


def _pod(name="p", phase="Running", finished: datetime | None = None, exit_code=1, deleting=False,
         finalizer=True, index=None, restarts=0) -> types_pb2.Pod:
    pod = types_pb2.Pod()
    pod.metadata.name, pod.metadata.namespace, pod.metadata.uid = name, "default", f"uid-{name}"
    pod.metadata.creation_timestamp = meta.format_time(NOW - timedelta(hours=1))
    pod.status.phase = phase
    if finalizer:
        pod.metadata.finalizers.append(jobs.TRACKING_FINALIZER)
    if deleting:
        pod.metadata.deletion_timestamp = meta.format_time(NOW)
    if index is not None:
        pod.metadata.annotations[jobs.COMPLETION_INDEX] = str(index)
    status = pod.status.container_statuses.add(name="app", restart_count=restarts)
    if finished is not None:
        status.state.terminated.exit_code = 0 if phase == "Succeeded" else exit_code
        status.state.terminated.finished_at = meta.format_time(finished)
    return pod


@pytest.mark.parametrize("spec, succeeded, active, want", [
    ({"completions": 5, "parallelism": 2}, 0, 0, 2),
    ({"completions": 5, "parallelism": 2}, 4, 1, 1),  # never more than the completions left
    ({"completions": 5, "parallelism": 2}, 5, 0, 0),
    ({"parallelism": 3}, 0, 0, 3),  # a work queue: parallelism until the first success
    ({"parallelism": 3}, 1, 2, 2),  # then no new pods, the running ones finish
])
def test_want_active(spec, succeeded, active, want):
    job = _job(**spec)
    job.spec.parallelism = spec.get("parallelism", 1)
    assert plan.want_active(job, succeeded, active) == want


@pytest.mark.parametrize("failures, since_last_s, remaining", [
    (0, 0, 0.0),
    (1, 0, 10.0),  # 10 s after the first failure
    (1, 4, 6.0),
    (2, 0, 20.0),  # doubling per failure
    (3, 30, 10.0),
    (10, 0, 360.0),  # capped at 6 minutes
    (1, 60, 0.0),
])
def test_backoff_doubles_from_the_last_failure(failures, since_last_s, remaining):
    last = NOW - timedelta(seconds=since_last_s)
    pods = [_pod(f"f{i}", "Failed", finished=last - timedelta(seconds=i)) for i in range(failures)]
    assert plan.backoff_remaining(pods, NOW) == pytest.approx(remaining, abs=0.01)


def test_backoff_counts_only_failures_after_the_last_success():
    pods = [_pod("old", "Failed", finished=NOW - timedelta(seconds=50)),
            _pod("ok", "Succeeded", finished=NOW - timedelta(seconds=40)),
            _pod("new", "Failed", finished=NOW - timedelta(seconds=1))]
    assert plan.backoff_remaining(pods, NOW) == pytest.approx(9.0, abs=0.01)


@pytest.mark.parametrize("spec, failed, started_s, pods, fail_job, expected", [
    ({"backoffLimit": 2}, 2, 0, [], "", None),
    ({"backoffLimit": 2}, 3, 0, [], "", plan.BACKOFF_LIMIT_EXCEEDED),
    ({"backoffLimit": 6, "activeDeadlineSeconds": 10}, 0, 11, [], "", plan.DEADLINE_EXCEEDED),
    ({"backoffLimit": 6, "activeDeadlineSeconds": 10}, 0, 5, [], "", None),
    ({"backoffLimit": 0}, 0, 0, [], "why", ("PodFailurePolicy", "why")),
])
def test_failure_reasons(spec, failed, started_s, pods, fail_job, expected):
    job = _job(**spec)
    status = types_pb2.JobStatus(failed=failed, start_time=meta.format_time(NOW - timedelta(seconds=started_s)))
    assert plan.failure(job, status, pods, fail_job, NOW) == expected


def test_on_failure_restarts_count_toward_the_backoff_limit():
    job = _job(backoffLimit=2)
    job.spec.template.spec.restart_policy = "OnFailure"
    assert not plan.restarts_exceed_limit(job, [_pod(restarts=1)])
    assert plan.restarts_exceed_limit(job, [_pod("a", restarts=1), _pod("b", restarts=1)])


@pytest.mark.parametrize("spec, succeeded, indexes, active, done", [
    ({"completions": 3}, 2, "", 1, False),
    ({"completions": 3}, 3, "", 0, True),
    ({"parallelism": 2}, 1, "", 1, False),  # a work queue waits for its running pods
    ({"parallelism": 2}, 1, "", 0, True),
    ({"completions": 3, "completionMode": "Indexed"}, 3, "0,2", 0, False),
    ({"completions": 3, "completionMode": "Indexed"}, 3, "0-2", 0, True),
])
def test_success_by_completions(spec, succeeded, indexes, active, done):
    job = _job(**spec)
    status = types_pb2.JobStatus(succeeded=succeeded, completed_indexes=indexes)
    assert plan.success(job, status, active) == (plan.COMPLETIONS_REACHED if done else None)


@pytest.mark.parametrize("numbers, text", [
    (set(), ""), ({0}, "0"), ({0, 1}, "0,1"), ({0, 1, 2}, "0-2"), ({1, 3, 4, 5, 7}, "1,3-5,7"),
])
def test_completed_indexes_text_round_trips(numbers, text):
    assert jobs.format_indexes(numbers) == text
    assert jobs.parse_indexes(text) == numbers


def test_indexes_to_create_are_the_lowest_free_ones():
    job = _job(completions=5, completionMode="Indexed")
    assert plan.indexes_to_create(job, completed={0}, running={1, 3}, count=2) == [2, 4]
    assert plan.indexes_to_create(job, completed={0, 1, 2, 3, 4}, running=set(), count=2) == []


def test_indexed_extras_are_duplicates_out_of_range_or_completed():
    job = _job(completions=3, completionMode="Indexed")
    pods = [_pod("a", index=0), _pod("b", index=0), _pod("c", index=5), _pod("d", index=1), _pod("e", index=2)]
    extras = {p.metadata.name for p in plan.indexed_extras(job, pods, completed={2})}
    assert len(extras & {"a", "b"}) == 1 and {"c", "e"} <= extras and "d" not in extras


def test_indexed_pod_carries_index_hostname_and_env():
    pod = job_pods.from_template(_job(completions=2, completionMode="Indexed"), 1)
    assert pod.metadata.generate_name == "pi-1-" and pod.spec.hostname == "pi-1"
    assert pod.metadata.annotations[jobs.COMPLETION_INDEX] == "1" == pod.metadata.labels[jobs.COMPLETION_INDEX]
    env = pod.spec.containers[0].env[0]
    assert env.name == "JOB_COMPLETION_INDEX"
    assert env.value_from.field_ref.field_path == "metadata.annotations['batch.kubernetes.io/job-completion-index']"
    assert jobs.TRACKING_FINALIZER in pod.metadata.finalizers


def _policy(*rules) -> types_pb2.PodFailurePolicy:
    return manifest.message_from_dict(types_pb2.PodFailurePolicy, {"rules": list(rules)})


@pytest.mark.parametrize("rules, exit_code, conditions, verdict", [
    ([], 1, (), failurepolicy.Verdict(True)),
    ([{"action": "FailJob", "onExitCodes": {"operator": "In", "values": [42]}}], 42, (),
     failurepolicy.Verdict(True, "Container app for pod default/p failed with exit code 42 matching FailJob rule "
                                 "at index 0")),
    ([{"action": "FailJob", "onExitCodes": {"operator": "In", "values": [42]}}], 1, (), failurepolicy.Verdict(True)),
    ([{"action": "Ignore", "onExitCodes": {"operator": "NotIn", "values": [1, 2]}}], 3, (),
     failurepolicy.Verdict(False)),
    ([{"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]}], 137,
     ("DisruptionTarget",), failurepolicy.Verdict(False)),
    ([{"action": "Count", "onExitCodes": {"operator": "In", "values": [1]}},
      {"action": "Ignore", "onExitCodes": {"operator": "In", "values": [1]}}], 1, (), failurepolicy.Verdict(True)),
    ([{"action": "FailJob", "onExitCodes": {"containerName": "other", "operator": "In", "values": [1]}}], 1, (),
     failurepolicy.Verdict(True)),
])
def test_pod_failure_policy_first_matching_rule_decides(rules, exit_code, conditions, verdict):
    pod = _pod("p", "Failed", finished=NOW, exit_code=exit_code)
    for c in conditions:
        meta.set_condition(pod.status.conditions, c, "True")
    assert failurepolicy.judge(_policy(*rules), pod) == verdict


def test_ended_pods_are_recorded_once_then_counted_when_released():
    job = _job()
    job.status.uncounted_terminated_pods.failed.append("uid-seen")
    pods = [_pod("ok", "Succeeded", finished=NOW), _pod("bad", "Failed", finished=NOW),
            _pod("seen", "Failed", finished=NOW), _pod("gone", deleting=True), _pod("run"),
            _pod("free", "Succeeded", finished=NOW, finalizer=False)]
    accounting = plan.account(job, pods)
    assert accounting.succeeded == ["uid-ok"]
    assert accounting.failed == ["uid-bad", "uid-gone"]  # a pod deleted before it ended counts as failed
    assert {p.metadata.name for p in accounting.release} == {"ok", "bad", "seen", "gone"}
    status = types_pb2.JobStatus(succeeded=1)
    status.uncounted_terminated_pods.succeeded.extend(["uid-ok"])
    status.uncounted_terminated_pods.failed.extend(["uid-bad", "uid-gone"])
    plan.settle(status, finalized_uids={"uid-gone"}, succeeded_indexes=None)
    assert (status.succeeded, status.failed) == (2, 1)
    assert list(status.uncounted_terminated_pods.failed) == ["uid-gone"]


def test_ttl_counts_from_the_finish():
    job = _job(ttlSecondsAfterFinished=60)
    assert plan.ttl_remaining(job, NOW) is None
    plan.set_condition(job.status, "Complete", "True", plan.COMPLETIONS_REACHED, NOW - timedelta(seconds=20))
    assert plan.ttl_remaining(job, NOW) == pytest.approx(40.0)


def _per_index_job(**spec):
    return _job(completionMode="Indexed", completions=4, backoffLimitPerIndex=1, **spec)


def _indexed_pod(name, index, phase="Running", exit_code=1, failures=0):
    pod = _pod(name, phase, finished=NOW if phase in ("Failed", "Succeeded") else None, exit_code=exit_code,
               index=index)
    pod.metadata.annotations[jobs.INDEX_FAILURE_COUNT] = str(failures)
    return pod


def test_an_index_fails_for_good_past_its_own_backoff_limit_or_by_fail_index():
    job = _per_index_job(podFailurePolicy={"rules": [{"action": "FailIndex", "onExitCodes": {
        "operator": "In", "values": [42]}}]})
    pods = [_indexed_pod("a0", 0, "Failed"), _indexed_pod("b0", 0, "Failed", failures=1),  # 2 failures > 1
            _indexed_pod("a1", 1, "Failed", exit_code=42),  # FailIndex at once
            _indexed_pod("a2", 2, "Failed"),  # one failure: retried
            _indexed_pod("a3", 3, "Succeeded")]
    assert indexes.failure_counts(job, pods)[0] == (2, 0) and indexes.failure_counts(job, pods)[2] == (1, 0)
    assert indexes.failed_for_good(job, pods) == {0, 1}


@pytest.mark.parametrize("spec, completed, failed, expected", [
    ({}, {2, 3}, {0}, None),  # index 1 still runs
    ({}, {2, 3}, {0, 1}, indexes.FAILED_INDEXES),
    ({"maxFailedIndexes": 1}, set(), {0, 1}, indexes.MAX_FAILED_INDEXES_EXCEEDED),
    ({"maxFailedIndexes": 1}, set(), {0}, None),
])
def test_failed_indexes_fail_the_job(spec, completed, failed, expected):
    assert indexes.index_failure(_per_index_job(**spec), completed, failed) == expected


@pytest.mark.parametrize("rules, completed, message", [
    ([{"succeededIndexes": "0,2-3", "succeededCount": 1}], {2}, "Matched rules at index 0"),
    ([{"succeededIndexes": "0,2-3", "succeededCount": 2}], {2}, ""),
    ([{"succeededIndexes": "0-1"}], {0}, ""),
    ([{"succeededIndexes": "0-1"}, {"succeededCount": 1}], {3}, "Matched rules at index 1"),
])
def test_success_policy_rules(rules, completed, message):
    job = _job(completionMode="Indexed", completions=4, successPolicy={"rules": rules})
    assert indexes.success_policy_met(job, completed) == message


def test_a_new_pod_of_an_index_carries_its_failure_counts():
    pod = job_pods.from_template(_per_index_job(), 2, (1, 3))
    assert pod.metadata.annotations[jobs.INDEX_FAILURE_COUNT] == "1"
    assert pod.metadata.annotations[jobs.INDEX_IGNORED_FAILURE_COUNT] == "3"
