"""The Job controller against a real API server and etcd: pods run to completion (made to succeed or
fail by writing their status, as an agent would), counted once through the tracking finalizer."""
from __future__ import annotations

from api import errors, jobs, meta
from tests.fixtures.api_calls import active_pods, recorded_event
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.objects import job as job_object
from tests.fixtures.wait import eventually


async def _pods(client, name):
    return (await client.list("Pod", "default", label_selector=f"{jobs.JOB_NAME_LABEL}={name}")).items


async def _active(client, name, n):
    pods = await active_pods(client, selector=f"{jobs.JOB_NAME_LABEL}={name}")
    if len(pods) != n:
        return None
    return pods or True  # truthy for eventually() even when none should run


async def _end(client, pod, phase, exit_code=0):
    pod.status.phase = phase
    status = pod.status.container_statuses.add(name="app", image="busybox:latest", ready=False)
    status.state.terminated.exit_code = exit_code
    status.state.terminated.finished_at = meta.now_text()
    await client.update_status(pod)


async def _condition(client, name, type_):
    job = await client.get("Job", name)
    c = meta.get_condition(job.status.conditions, type_)
    return job if c is not None and c.status == "True" else None


async def test_job_runs_pods_to_completions_with_parallelism(client):
    async with running_manager(client, ["job"]):
        created = await client.create(job_object("pi", completions=3, parallelism=2))
        first = await eventually(lambda: _active(client, "pi", 2))
        for pod in first:
            ref = meta.controller_of(pod)
            assert (ref.kind, ref.name, ref.uid) == ("Job", "pi", created.metadata.uid)
            assert jobs.TRACKING_FINALIZER in pod.metadata.finalizers
            assert pod.metadata.labels[jobs.CONTROLLER_UID_LABEL] == created.metadata.uid
            await _end(client, pod, "Succeeded")
        last = await eventually(lambda: _active(client, "pi", 1))
        await _end(client, last[0], "Succeeded")
        done = await eventually(lambda: _condition(client, "pi", "Complete"))
        s = done.status
        assert (s.succeeded, s.failed, s.active, s.ready) == (3, 0, 0, 0)
        assert s.start_time and s.completion_time
        assert meta.get_condition(s.conditions, "SuccessCriteriaMet").reason == "CompletionsReached"
        assert not s.uncounted_terminated_pods.succeeded
        # every pod was counted, so none still holds the finalizer
        await eventually(lambda: _none_held(client, "pi"))
        await recorded_event(client, "Completed", "pi", "Job completed")


async def _none_held(client, name):
    return all(jobs.TRACKING_FINALIZER not in p.metadata.finalizers for p in await _pods(client, name))


async def test_job_fails_with_backoff_limit_exceeded(client):
    async with running_manager(client, ["job"], job_backoff_base=0.2):
        await client.create(job_object("flaky", backoffLimit=1))
        pod = (await eventually(lambda: _active(client, "flaky", 1)))[0]
        await _end(client, pod, "Failed", exit_code=1)
        # replaced after the backoff, and the second failure passes the limit
        second = await eventually(lambda: _active(client, "flaky", 1))
        assert second[0].metadata.name != pod.metadata.name
        await _end(client, second[0], "Failed", exit_code=1)
        failed = await eventually(lambda: _condition(client, "flaky", "Failed"))
        c = meta.get_condition(failed.status.conditions, "Failed")
        assert (c.reason, c.message) == ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
        assert meta.get_condition(failed.status.conditions, "FailureTarget").status == "True"
        assert (failed.status.failed, failed.status.succeeded, failed.status.active) == (2, 0, 0)


async def test_job_pod_failure_policy_fail_job_and_ignore(client):
    policy = {"rules": [{"action": "FailJob", "onExitCodes": {"containerName": "app", "operator": "In",
                                                               "values": [42]}},
                        {"action": "Ignore", "onExitCodes": {"operator": "In", "values": [7]}}]}
    async with running_manager(client, ["job"], job_backoff_base=0.2):
        await client.create(job_object("policy", backoffLimit=0, podFailurePolicy=policy))
        pod = (await eventually(lambda: _active(client, "policy", 1)))[0]
        await _end(client, pod, "Failed", exit_code=7)  # ignored: not counted, replaced
        second = await eventually(lambda: _active(client, "policy", 1))
        assert second[0].metadata.name != pod.metadata.name
        assert (await client.get("Job", "policy")).status.failed == 0
        await _end(client, second[0], "Failed", exit_code=42)
        failed = await eventually(lambda: _condition(client, "policy", "Failed"))
        c = meta.get_condition(failed.status.conditions, "Failed")
        assert c.reason == "PodFailurePolicy"
        assert c.message == (f"Container app for pod default/{second[0].metadata.name} failed with exit code 42 "
                             f"matching FailJob rule at index 0")


async def test_job_active_deadline_deletes_pods_and_fails(client):
    async with running_manager(client, ["job"]):
        await client.create(job_object("slow", activeDeadlineSeconds=1))
        await eventually(lambda: _active(client, "slow", 1))
        failed = await eventually(lambda: _condition(client, "slow", "Failed"))
        c = meta.get_condition(failed.status.conditions, "Failed")
        assert c.reason == "DeadlineExceeded"
        await eventually(lambda: _active(client, "slow", 0))


async def test_indexed_job_gives_each_pod_its_index(client):
    async with running_manager(client, ["job"]):
        await client.create(job_object("idx", completions=3, parallelism=3, completionMode="Indexed"))
        pods = await eventually(lambda: _active(client, "idx", 3))
        indexes = sorted(p.metadata.annotations[jobs.COMPLETION_INDEX] for p in pods)
        assert indexes == ["0", "1", "2"]
        for pod in pods:
            index = pod.metadata.annotations[jobs.COMPLETION_INDEX]
            assert pod.metadata.name.startswith(f"idx-{index}-") and pod.spec.hostname == f"idx-{index}"
            env = {e.name: e.value_from.field_ref.field_path for e in pod.spec.containers[0].env}
            assert env["JOB_COMPLETION_INDEX"] == f"metadata.annotations['{jobs.COMPLETION_INDEX}']"
        by_index = {p.metadata.annotations[jobs.COMPLETION_INDEX]: p for p in pods}
        await _end(client, by_index["1"], "Succeeded")
        await _end(client, by_index["0"], "Failed", exit_code=1)

        async def replaced():
            active = await _active(client, "idx", 2)
            got = sorted(p.metadata.annotations[jobs.COMPLETION_INDEX] for p in active or [])
            return active if got == ["0", "2"] else None
        await eventually(replaced, timeout=30)

        async def recorded():  # the status is written after the replacement is made
            return (await client.get("Job", "idx")).status.completed_indexes == "1"
        await eventually(recorded)


async def test_suspended_job_makes_no_pods_until_resumed(client):
    async with running_manager(client, ["job"]):
        await client.create(job_object("later", suspend=True))
        suspended = await eventually(lambda: _condition(client, "later", "Suspended"))
        assert not suspended.status.start_time
        assert await _active(client, "later", 0) is not None
        await client.patch("Job", "later", {"spec": {"suspend": False}}, patch_type="merge")
        await eventually(lambda: _active(client, "later", 1))

        async def resumed():  # the status is written after the pods are made
            c = meta.get_condition((await client.get("Job", "later")).status.conditions, "Suspended")
            return c.status == "False" and c.reason == "JobResumed"
        await eventually(resumed)


async def test_deleting_a_job_releases_its_pods(client):
    async with running_manager(client, ["job", "garbagecollector"]):
        await client.create(job_object("gone"))
        await eventually(lambda: _active(client, "gone", 1))
        await client.delete("Job", "gone", propagation="Background")
        await eventually(lambda: _pods_gone(client, "gone"))


async def _pods_gone(client, name):
    return not await _pods(client, name)


async def test_ttl_after_finished_deletes_the_job(client):
    async with running_manager(client, ["job", "ttl-after-finished", "garbagecollector"]):
        await client.create(job_object("brief", ttlSecondsAfterFinished=0))
        pod = (await eventually(lambda: _active(client, "brief", 1)))[0]
        await _end(client, pod, "Succeeded")

        async def job_gone():
            try:
                await client.get("Job", "brief")
            except errors.NotFound:
                return True
            return False
        await eventually(job_gone)


def _index_of(pod) -> str:
    return pod.metadata.annotations[jobs.COMPLETION_INDEX]


async def _active_indexes(client, name, wanted: list[str]):
    pods = await active_pods(client, selector=f"{jobs.JOB_NAME_LABEL}={name}")
    return pods if sorted(_index_of(p) for p in pods) == wanted else None


async def test_backoff_limit_per_index_retries_then_fails_indexes(client):
    # the docs' job-backoff-limit-per-index-failindex.yaml: index 0 fails twice, index 1 hits FailIndex
    policy = {"rules": [{"action": "FailIndex", "onExitCodes": {"containerName": "app", "operator": "In",
                                                                 "values": [42]}}]}
    async with running_manager(client, ["job"], job_backoff_base=0.2):
        await client.create(job_object("per-index", completions=4, parallelism=2, completionMode="Indexed",
                                       backoffLimitPerIndex=1, podFailurePolicy=policy))
        first = {_index_of(p): p for p in await eventually(lambda: _active_indexes(client, "per-index", ["0", "1"]))}
        await _end(client, first["0"], "Failed", exit_code=1)
        await _end(client, first["1"], "Failed", exit_code=42)
        # index 0 gets one retry (its failure count on the new pod); index 1 is not retried
        retry = {_index_of(p): p for p in await eventually(lambda: _active_indexes(client, "per-index", ["0", "2"]))}
        assert retry["0"].metadata.annotations[jobs.INDEX_FAILURE_COUNT] == "1"
        await _end(client, retry["0"], "Failed", exit_code=1)
        await _end(client, retry["2"], "Succeeded")
        last = await eventually(lambda: _active_indexes(client, "per-index", ["3"]))
        await _end(client, last[0], "Succeeded")
        failed = await eventually(lambda: _condition(client, "per-index", "Failed"))
        c = meta.get_condition(failed.status.conditions, "Failed")
        assert (c.reason, c.message) == ("FailedIndexes", "Job has failed indexes")
        assert (failed.status.failed_indexes, failed.status.completed_indexes) == ("0,1", "2,3")


async def test_success_policy_completes_the_job_and_removes_lingering_pods(client):
    policy = {"rules": [{"succeededIndexes": "0,2-3", "succeededCount": 1}]}
    async with running_manager(client, ["job"]):
        await client.create(job_object("lucky", completions=4, parallelism=4, completionMode="Indexed",
                                       successPolicy=policy))
        pods = {_index_of(p): p for p in await eventually(lambda: _active_indexes(client, "lucky",
                                                                                   ["0", "1", "2", "3"]))}
        await _end(client, pods["2"], "Succeeded")
        done = await eventually(lambda: _condition(client, "lucky", "Complete"))
        c = meta.get_condition(done.status.conditions, "Complete")
        assert (c.reason, c.message) == ("SuccessPolicy", "Matched rules at index 0")
        assert meta.get_condition(done.status.conditions, "SuccessCriteriaMet").reason == "SuccessPolicy"
        await eventually(lambda: _active(client, "lucky", 0))


async def test_an_evicted_pod_is_not_counted_when_the_policy_ignores_disruptions(client):
    # the docs' job-pod-failure-policy-example.yaml: Ignore on the DisruptionTarget an eviction adds
    policy = {"rules": [{"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]}]}
    async with running_manager(client, ["job"]):
        obj = job_object("drained", backoffLimit=0, podFailurePolicy=policy)
        obj.spec.template.spec.node_name = "n1"  # bound: its deletion waits for the (absent) agent
        await client.create(obj)
        pod = (await eventually(lambda: _active(client, "drained", 1)))[0]
        await client.evict(pod.metadata.name)
        evicted = await client.get("Pod", pod.metadata.name)
        c = meta.get_condition(evicted.status.conditions, "DisruptionTarget")
        assert (c.status, c.reason, c.message) == ("True", "EvictionByEvictionAPI", "Eviction API: evicting")
        # podReplacementPolicy Failed (the default with a policy): the replacement waits for the pod to be gone
        await eventually(lambda: _none_held(client, "drained"))
        await client.delete("Pod", pod.metadata.name, grace_period=0)  # the agent confirms
        replacement = await eventually(lambda: _active(client, "drained", 1))
        assert replacement[0].metadata.name != pod.metadata.name
        job = await client.get("Job", "drained")
        assert job.status.failed == 0 and meta.get_condition(job.status.conditions, "FailureTarget") is None
