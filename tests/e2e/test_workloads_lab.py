"""Jobs, DaemonSets and ReplicationControllers on the 3-host lab with real containers: a Job runs busybox to
completion and its logs read through `skiff logs job/NAME`; a DaemonSet puts one pod on each host; the docs'
ReplicationController runs 3 pods; a pod writes to its generic ephemeral volume, whose claim goes with it.

Needs root, dockerd, and the agent, scheduler and controller manager; traffic stays inside lab namespaces.
"""
from __future__ import annotations

import os

import pytest

from api import manifest, meta
from deploy.lab import cluster
from tests.fixtures.lab import LAB_MARKS, running_lab, skiff_in_lab
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
        row = skiff_in_lab(home, "get", "job", "count", "--no-headers").stdout.split()
        assert row[:3] == ["count", "Complete", "2/2"]
        logs = skiff_in_lab(home, "logs", "job/count")
        assert logs.returncode == 0, logs.stderr
        assert logs.stdout.strip() == "counted to 3"
        await client.delete("Job", "count", propagation="Foreground")


# the docs' application/job/indexed-job.yaml and job-sidecar.yaml, on the lab's busybox
INDEXED = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "indexed", "namespace": "default"},
           "spec": {"completions": 3, "parallelism": 3, "completionMode": "Indexed",
                    "template": {"spec": {
                        "restartPolicy": "Never", "terminationGracePeriodSeconds": 1,
                        "initContainers": [{"name": "input", "image": "busybox:latest",
                                            "command": ["sh", "-c", "set -- foo bar baz; shift $JOB_COMPLETION_INDEX; "
                                                                    "echo $1 > /input/data.txt"],
                                            "volumeMounts": [{"mountPath": "/input", "name": "input"}]}],
                        "containers": [{"name": "worker", "image": "busybox:latest",
                                        "command": ["rev", "/input/data.txt"],
                                        "volumeMounts": [{"mountPath": "/input", "name": "input"}]}],
                        "volumes": [{"name": "input", "emptyDir": {}}]}}}}
SIDECAR = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "myjob", "namespace": "default"},
           "spec": {"template": {"spec": {
               "restartPolicy": "Never", "terminationGracePeriodSeconds": 1,
               "containers": [{"name": "myjob", "image": "busybox:latest",
                               "command": ["sh", "-c", 'echo "logging" > /opt/logs.txt'],
                               "volumeMounts": [{"name": "data", "mountPath": "/opt"}]}],
               "initContainers": [{"name": "logshipper", "image": "busybox:latest", "restartPolicy": "Always",
                                   "command": ["sh", "-c", "tail -F /opt/logs.txt"],
                                   "volumeMounts": [{"name": "data", "mountPath": "/opt"}]}],
               "volumes": [{"name": "data", "emptyDir": {}}]}}}}


async def _complete(client, name: str, timeout: float = 120):
    async def done():
        job = await client.get("Job", name)
        c = meta.get_condition(job.status.conditions, "Complete")
        return job if c is not None and c.status == "True" else None
    return await eventually(done, timeout=timeout, interval=0.5, what=f"the Job {name} Complete")


async def test_indexed_job_pods_read_their_completion_index(three_hosts, home):
    async with cluster.admin_client(os.path.join(home, ".skiff", "config"), timeout=30) as client:
        await client.create(manifest.from_dict(INDEXED)[0])
        job = await _complete(client, "indexed")
        assert job.status.completed_indexes == "0-2"
        pods = (await client.list("Pod", "default", label_selector="batch.kubernetes.io/job-name=indexed")).items
        words = {}
        for pod in pods:
            logs = skiff_in_lab(home, "logs", pod.metadata.name, "-c", "worker")
            words[pod.metadata.annotations["batch.kubernetes.io/job-completion-index"]] = logs.stdout.strip()
        assert words == {"0": "oof", "1": "rab", "2": "zab"}
        await client.delete("Job", "indexed", propagation="Foreground")


async def test_a_job_with_a_sidecar_completes_when_its_main_container_ends(three_hosts, home):
    async with cluster.admin_client(os.path.join(home, ".skiff", "config"), timeout=30) as client:
        await client.create(manifest.from_dict(SIDECAR)[0])
        job = await _complete(client, "myjob")
        assert (job.status.succeeded, job.status.failed) == (1, 0)
        await client.delete("Job", "myjob", propagation="Foreground")


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
        status = skiff_in_lab(home, "rollout", "status", "ds/node-agent", "--timeout=60s")
        assert status.returncode == 0, status.stderr
        assert status.stdout.strip().splitlines()[-1] == 'daemon set "node-agent" successfully rolled out'
        row = skiff_in_lab(home, "get", "ds", "node-agent", "--no-headers").stdout.split()
        assert row[:6] == ["node-agent", "3", "3", "3", "3", "3"]
        await client.delete("DaemonSet", "node-agent", propagation="Foreground")


# the docs' controllers/replication.yaml (nginx served by the lab's busybox httpd)
REPLICATION = {"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "nginx"},
               "spec": {"replicas": 3, "selector": {"app": "nginx"},
                        "template": {"metadata": {"name": "nginx", "labels": {"app": "nginx"}},
                                     "spec": {"terminationGracePeriodSeconds": 1,
                                              "containers": [{"name": "nginx", "image": "busybox:latest",
                                                              "command": ["httpd", "-f", "-p", "80"],
                                                              "ports": [{"containerPort": 80}]}]}}}}
# the docs' generic ephemeral volume (concepts/storage/ephemeral-volumes), of the lab's default class
MY_APP = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "my-app"},
          "spec": {"terminationGracePeriodSeconds": 1,
                   "containers": [{"name": "my-frontend", "image": "busybox:latest",
                                   "volumeMounts": [{"mountPath": "/scratch", "name": "scratch-volume"}],
                                   "command": ["sh", "-c", "echo written > /scratch/out && sleep 1000000"]}],
                   "volumes": [{"name": "scratch-volume", "ephemeral": {"volumeClaimTemplate": {
                       "metadata": {"labels": {"type": "my-frontend-volume"}},
                       "spec": {"accessModes": ["ReadWriteOnce"],
                                "resources": {"requests": {"storage": "1Gi"}}}}}}]}}


async def test_a_replication_controller_runs_its_pods_and_an_ephemeral_volume_is_written(three_hosts, home):
    async with cluster.admin_client(os.path.join(home, ".skiff", "config"), timeout=30) as client:
        for data in (REPLICATION, MY_APP):
            obj, _ = manifest.from_dict(data)
            await client.create(obj)

        async def three_running():
            pods = (await client.list("Pod", "default", label_selector="app=nginx")).items
            return sum(p.status.phase == "Running" and not p.metadata.deletion_timestamp for p in pods) == 3
        try:
            await eventually(three_running, timeout=120, interval=0.5, what="3 running nginx pods")

            async def written():
                done = skiff_in_lab(home, "exec", "my-app", "--", "cat", "/scratch/out")
                return done if done.returncode == 0 and done.stdout.strip() == "written" else None
            await eventually(written, timeout=120, interval=1, what="my-app wrote to its ephemeral volume")
        except AssertionError as e:  # say what the pods and claims were doing
            raise AssertionError(f"{e}\n{skiff_in_lab(home, 'get', 'pods,pvc', '-o', 'wide').stdout}\n"
                                 f"{skiff_in_lab(home, 'describe', 'pod', 'my-app').stdout}") from None
        row = skiff_in_lab(home, "get", "rc", "nginx", "--no-headers").stdout.split()
        assert row[:4] == ["nginx", "3", "3", "3"]
        pvc = await client.get("PersistentVolumeClaim", "my-app-scratch-volume")
        assert meta.controller_of(pvc).name == "my-app"

        await client.delete("Pod", "my-app")
        await client.delete("ReplicationController", "nginx", propagation="Foreground")

        async def claim_gone():
            return not (await client.list("PersistentVolumeClaim", "default")).items
        await eventually(claim_gone, timeout=60, interval=0.5, what="the ephemeral claim collected with its pod")
