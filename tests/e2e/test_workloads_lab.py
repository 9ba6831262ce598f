"""Jobs and DaemonSets on the 3-host lab with real containers: a Job runs busybox to completion and its
logs read through `skiff logs job/NAME`; a DaemonSet puts one pod on each host.

Needs root, dockerd, and the agent, scheduler and controller manager; traffic stays inside lab namespaces.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from api import manifest, meta
from deploy.lab import cluster
from tests.fixtures.lab import LAB_MARKS, running_lab
from tests.fixtures.wait import eventually

pytestmark = LAB_MARKS

JOB = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "count", "namespace": "default"},
       "spec": {"completions": 2, "parallelism": 2, "backoffLimit": 2,
                "template": {"spec": {"restartPolicy": "Never", "terminationGracePeriodSeconds": 1,
                                      "containers": [{"name": "count", "image": "busybox:latest",
                                                      "command": ["sh", "-c", "echo counted to 3"]}]}}}}


@pytest.fixture(scope="module")
def three_hosts(home):
    with running_lab(home, "--nodes", "3", "--ready-timeout", "90") as up:
        yield up


def _skiff(home: str, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([os.path.join(os.path.dirname(sys.executable), "skiff"), *argv],
                          capture_output=True, text=True, timeout=60, env=dict(os.environ, HOME=home))


async def test_a_job_runs_busybox_to_completion_and_its_logs_read(three_hosts, home):
    async with cluster.admin_client(os.path.join(home, ".skiff", "config"), timeout=30) as client:
        obj, _ = manifest.from_dict(JOB)
        await client.create(obj)

        async def complete():
            job = await client.get("Job", "count")
            c = meta.get_condition(job.status.conditions, "Complete")
            return job if c is not None and c.status == "True" else None
        job = await eventually(complete, timeout=120, interval=0.5, what="the Job Complete")
        assert (job.status.succeeded, job.status.failed, job.status.active) == (2, 0, 0)
        row = _skiff(home, "get", "job", "count", "--no-headers").stdout.split()
        assert row[:3] == ["count", "Complete", "2/2"]
        logs = _skiff(home, "logs", "job/count")
        assert logs.returncode == 0, logs.stderr
        assert logs.stdout.strip() == "counted to 3"
        await client.delete("Job", "count", propagation="Foreground")


DAEMON_SET = {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "node-agent", "namespace": "default"},
              "spec": {"selector": {"matchLabels": {"app": "node-agent"}},
                       "template": {"metadata": {"labels": {"app": "node-agent"}},
                                    "spec": {"terminationGracePeriodSeconds": 1,
                                             "containers": [{"name": "agent", "image": "busybox:latest",
                                                             "command": ["sleep", "2147483647"]}]}}}}


async def test_a_daemonset_runs_one_pod_on_each_host(three_hosts, home):
    async with cluster.admin_client(os.path.join(home, ".skiff", "config"), timeout=30) as client:
        obj, _ = manifest.from_dict(DAEMON_SET)
        await client.create(obj)

        async def one_per_host():
            pods = (await client.list("Pod", "default", label_selector="app=node-agent")).items
            running = sorted(p.spec.node_name for p in pods
                             if p.status.phase == "Running" and not p.metadata.deletion_timestamp)
            return running == ["skiff-host-1", "skiff-host-2", "skiff-host-3"]
        await eventually(one_per_host, timeout=120, interval=0.5, what="a running daemon pod on each host")
        status = _skiff(home, "rollout", "status", "ds/node-agent", "--timeout=60s")
        assert status.returncode == 0, status.stderr
        assert status.stdout.strip().splitlines()[-1] == 'daemon set "node-agent" successfully rolled out'
        row = _skiff(home, "get", "ds", "node-agent", "--no-headers").stdout.split()
        assert row[:6] == ["node-agent", "3", "3", "3", "3", "3"]
        await client.delete("DaemonSet", "node-agent", propagation="Foreground")
