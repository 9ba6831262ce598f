"""Stock kubectl (v1.32) with Jobs over skiff's REST API: apply of the docs' manifest, `create job`
(sent as Kubernetes protobuf), the printed columns, `wait --for=condition=complete`, and refusals."""
from __future__ import annotations

import pytest

from api import jobs
from tests.fixtures.cli_runner import write
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.wait import eventually

pytestmark = pytest.mark.integration

# kubernetes/website content/en/examples/controllers/job.yaml
PI_JOB = """apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  template:
    spec:
      containers:
      - name: pi
        image: perl:5.34.0
        command: ["perl",  "-Mbignum=bpi", "-wle", "print bpi(2000)"]
      restartPolicy: Never
  backoffLimit: 4
"""


async def _succeed_pods(client, name):
    pods = (await client.list("Pod", "default", label_selector=f"{jobs.JOB_NAME_LABEL}={name}")).items
    for pod in pods:
        if pod.status.phase not in ("Succeeded", "Failed"):
            pod.status.phase = "Succeeded"
            await client.update_status(pod)
    return bool(pods)


async def test_apply_get_and_wait_for_a_job_to_complete(kubectl, client, tmp_path):
    path = write(tmp_path, "job.yaml", PI_JOB)
    async with running_manager(client, ["job"]):
        applied = await kubectl("apply", "-f", path)
        assert applied.code == 0, applied.err
        assert applied.out.strip() == "job.batch/pi created"
        again = await kubectl("apply", "-f", path)
        assert (again.code, again.out.strip()) == (0, "job.batch/pi unchanged"), again.err
        listed = await kubectl("get", "jobs")
        assert listed.out.splitlines()[0].split() == ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"]
        await eventually(lambda: _succeed_pods(client, "pi"))
        waited = await kubectl("wait", "--for=condition=complete", "job/pi", "--timeout=30s")
        assert waited.code == 0, waited.err
        assert waited.out.strip() == "job.batch/pi condition met"
        row = (await kubectl("get", "job", "pi", "--no-headers")).out.split()
        assert row[:3] == ["pi", "Complete", "1/1"]


async def test_create_job_sends_protobuf_and_the_job_runs_its_command(kubectl, client):
    created = await kubectl("create", "job", "hello", "--image=busybox:latest", "--", "echo", "hi")
    assert created.code == 0, created.err
    job = await client.get("Job", "hello")
    container = job.spec.template.spec.containers[0]
    assert (container.image, list(container.command)) == ("busybox:latest", ["echo", "hi"])
    assert job.spec.template.spec.restart_policy in ("Never", "OnFailure")
    assert job.spec.selector.match_labels[jobs.CONTROLLER_UID_LABEL] == job.metadata.uid


async def test_invalid_jobs_are_refused_with_field_paths_and_nothing_stored(kubectl, client, tmp_path):
    bad = PI_JOB.replace("restartPolicy: Never", "restartPolicy: Always").replace("backoffLimit: 4",
                                                                                   "completions: -1")
    done = await kubectl("apply", "-f", write(tmp_path, "bad.yaml", bad))
    assert done.code != 0
    assert 'The Job "pi" is invalid' in done.err
    assert "spec.completions: Invalid value: -1: must be greater than or equal to 0" in done.err
    assert ('spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"'
            in done.err), done.err
    mismatched = PI_JOB.replace("spec:\n  template:", "spec:\n  manualSelector: true\n  selector:\n"
                                "    matchLabels: {app: other}\n  template:\n    metadata:\n      labels: {app: pi}")
    done = await kubectl("apply", "-f", write(tmp_path, "mismatch.yaml", mismatched))
    assert done.code != 0
    assert "spec.template.metadata.labels: Invalid value" in done.err
    assert "`selector` does not match template `labels`" in done.err
    assert not (await client.list("Job", "default")).items


async def test_skiff_get_and_describe_a_job(skiff, client, tmp_path):
    path = write(tmp_path, "job.yaml", PI_JOB)
    assert (await skiff("apply", "-f", path)).code == 0
    again = await skiff("apply", "-f", path)  # the server's selector and labels survive a re-apply
    assert (again.code, again.out.strip()) == (0, "job.batch/pi unchanged"), again.err
    got = await skiff("get", "jobs")
    assert got.out.splitlines()[0].split() == ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"]
    assert got.out.splitlines()[1].split()[:3] == ["pi", "Running", "0/1"]
    described = (await skiff("describe", "job", "pi")).out
    for line in ("Parallelism:", "Completions:", "Completion Mode:", "Backoff Limit:", "Pods Statuses:",
                 "Pod Template:"):
        assert line in described, described


async def test_skiff_create_job_builds_what_kubectl_create_job_builds(skiff, client):
    done = await skiff("create", "job", "hello", "--image=busybox:latest", "--", "echo", "hi")
    assert (done.code, done.out.strip()) == (0, "job.batch/hello created"), done.err
    job = await client.get("Job", "hello")
    c = job.spec.template.spec.containers[0]
    assert (c.name, c.image, list(c.command), job.spec.template.spec.restart_policy) == (
        "hello", "busybox:latest", ["echo", "hi"], "Never")
