"""Stock kubectl (v1.32) with CronJobs over skiff's REST API: apply of the docs' manifest, `create cronjob`
and `create job --from=cronjob/...` (sent as Kubernetes protobuf), columns, describe, and refusals."""
from __future__ import annotations

import pytest

from cli.generate import MANUAL_INSTANTIATE
from tests.fixtures.cli_runner import write

pytestmark = pytest.mark.integration

# kubernetes/website content/en/examples/application/job/cronjob.yaml
HELLO = """apiVersion: batch/v1
kind: CronJob
metadata:
  name: hello
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: hello
            image: busybox:1.28
            imagePullPolicy: IfNotPresent
            command:
            - /bin/sh
            - -c
            - date; echo Hello from the Kubernetes cluster
          restartPolicy: OnFailure
"""

COLUMNS = ["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST", "SCHEDULE", "AGE"]


async def test_apply_get_and_describe_the_docs_cronjob(kubectl, skiff, client, tmp_path):
    path = write(tmp_path, "cronjob.yaml", HELLO)
    applied = await kubectl("apply", "-f", path)
    assert (applied.code, applied.out.strip()) == (0, "cronjob.batch/hello created"), applied.err
    again = await kubectl("apply", "-f", path)
    assert (again.code, again.out.strip()) == (0, "cronjob.batch/hello unchanged"), again.err
    cj = await client.get("CronJob", "hello")
    s = cj.spec
    assert (s.concurrency_policy, s.suspend, s.successful_jobs_history_limit, s.failed_jobs_history_limit) == \
        ("Allow", False, 3, 1)
    listed = await kubectl("get", "cronjobs")
    assert listed.out.splitlines()[0].split() == COLUMNS
    assert listed.out.splitlines()[1].split()[:6] == ["hello", "*", "*", "*", "*", "*"]
    row = (await kubectl("get", "cj", "hello", "--no-headers")).out.split()
    assert row[6:10] == ["<none>", "False", "0", "<none>"], row
    ours = await skiff("get", "cronjob", "hello")
    assert ours.out.splitlines()[0].split() == COLUMNS
    described = (await skiff("describe", "cronjob", "hello")).out
    for line in ("Schedule:", "Concurrency Policy:", "Successful Job History Limit:", "Failed Job History Limit:",
                 "Starting Deadline Seconds:", "Pod Template:", "Last Schedule Time:", "Active Jobs:"):
        assert line in described, described


async def test_create_cronjob_and_a_job_from_it_over_protobuf(kubectl, client):
    created = await kubectl("create", "cronjob", "tick", "--image=busybox:latest", "--schedule=*/5 * * * *",
                            "--", "date")
    assert (created.code, created.out.strip()) == (0, "cronjob.batch/tick created"), created.err
    cj = await client.get("CronJob", "tick")
    container = cj.spec.job_template.spec.template.spec.containers[0]
    assert (cj.spec.schedule, container.image, list(container.command)) == ("*/5 * * * *", "busybox:latest", ["date"])
    assert cj.spec.job_template.spec.template.spec.restart_policy == "OnFailure"
    made = await kubectl("create", "job", "tick-now", "--from=cronjob/tick")
    assert (made.code, made.out.strip()) == (0, "job.batch/tick-now created"), made.err
    job = await client.get("Job", "tick-now")
    assert job.metadata.annotations[MANUAL_INSTANTIATE] == "manual"
    ref = job.metadata.owner_references[0]
    assert (ref.kind, ref.name, ref.uid, ref.controller) == ("CronJob", "tick", cj.metadata.uid, True)
    assert list(job.spec.template.spec.containers[0].command) == ["date"]


async def test_skiff_create_cronjob_and_job_from_it(skiff, client):
    created = await skiff("create", "cronjob", "nightly", "--image=busybox", "--schedule=@daily", "--", "true")
    assert (created.code, created.out.strip()) == (0, "cronjob.batch/nightly created"), created.err
    made = await skiff("create", "job", "nightly-now", "--from=cronjob/nightly")
    assert made.code == 0, made.err
    job = await client.get("Job", "nightly-now")
    assert job.metadata.owner_references[0].name == "nightly"
    neither = await skiff("create", "job", "x")
    assert neither.code != 0 and "either --image or --from must be specified" in neither.err


@pytest.mark.parametrize("change, message", [
    (('"* * * * *"', '"61 * * * *"'),
     'spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61'),
    (('"* * * * *"', '"* * *"'),
     'spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *]'),
    (('"* * * * *"', '"CRON_TZ=UTC * * * * *"'),
     'spec.schedule: Invalid value: "CRON_TZ=UTC * * * * *": cannot use TZ or CRON_TZ in schedule, '
     'use timeZone field instead'),
    (('  schedule: "* * * * *"', '  schedule: "* * * * *"\n  timeZone: Mars/Olympus'),
     'spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus'),
    (('  schedule: "* * * * *"', '  schedule: "* * * * *"\n  concurrencyPolicy: Sometimes'),
     'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"'),
    (("restartPolicy: OnFailure", "restartPolicy: Always"),
     'spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: '
     '"OnFailure", "Never"'),
])
async def test_invalid_cronjobs_are_refused_with_field_paths_and_nothing_stored(kubectl, client, tmp_path, change,
                                                                                message):
    done = await kubectl("apply", "-f", write(tmp_path, "bad.yaml", HELLO.replace(*change)))
    assert done.code != 0
    assert 'The CronJob "hello" is invalid' in done.err
    assert message in done.err, done.err
    assert not (await client.list("CronJob", "default")).items
