"""Persistent volumes on the lab with real containers: a file a pod writes into the docs' claim is there for
the pod made after it, both for a hostPath PersistentVolume bound statically and for a claim of the default
class `standard` provisioned on the pod's node, whose directory goes when the claim is deleted.

Needs root, dockerd, and the agent, scheduler and controller manager; traffic stays inside lab namespaces.
"""
from __future__ import annotations

import os
import shutil
import tempfile

import pytest

from api import manifest, storage
from deploy.lab import cluster
from tests.fixtures.lab import LAB_MARKS, running_lab, skiff_in_lab
from tests.fixtures.objects import from_yaml
from tests.fixtures.storage import PV_CLAIM, PV_VOLUME, claim
from tests.fixtures.wait import eventually

pytestmark = LAB_MARKS


@pytest.fixture(scope="module")
def two_hosts(home):
    with running_lab(home, "--nodes", "2", "--ready-timeout", "90") as up:
        yield up


def _pod(name: str, claim_name: str, command: str):
    obj, _ = manifest.from_dict({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"},
        "spec": {"restartPolicy": "Never", "terminationGracePeriodSeconds": 1,
                 "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": claim_name}}],
                 "containers": [{"name": "app", "image": "busybox:latest", "command": ["sh", "-c", command],
                                 "volumeMounts": [{"name": "data", "mountPath": "/data"}]}]}})
    return obj


async def _run_to_end(client, home, name, claim_name, command) -> tuple[str, str]:
    """Run a pod to completion on the claim; its node and its log."""
    await client.create(_pod(name, claim_name, command))

    async def ended():
        pod = await client.get("Pod", name)
        return pod if pod.status.phase in ("Succeeded", "Failed") else None
    try:
        pod = await eventually(ended, timeout=120, interval=0.5, what=f"pod {name} ended")
    except AssertionError:
        described = skiff_in_lab(home, "describe", "pod", name).stdout + skiff_in_lab(home, "describe", "pvc").stdout
        raise AssertionError(f"pod {name} did not end:\n{described}") from None
    assert pod.status.phase == "Succeeded", pod.status
    logs = skiff_in_lab(home, "logs", name)
    assert logs.returncode == 0, logs.stderr
    await client.delete("Pod", name, grace_period=0)
    await eventually(lambda: _gone(client, "Pod", name), timeout=60, interval=0.5, what=f"pod {name} gone")
    return pod.spec.node_name, logs.stdout.strip()


async def _gone(client, kind, name, namespace="default"):
    try:
        await client.get(kind, name, namespace)
    except Exception:  # noqa: BLE001 - NotFound is what we wait for
        return True
    return False


async def test_a_file_written_into_the_docs_claim_outlives_the_pod(two_hosts, home):
    directory = tempfile.mkdtemp(prefix="skiff-pv-")
    try:
        async with cluster.admin_client(os.path.join(home, ".skiff", "config"), timeout=30) as client:
            pv = from_yaml(PV_VOLUME)
            pv.spec.host_path.path = directory  # the docs' /mnt/data, somewhere this test cleans up
            await client.create(pv)
            await client.create(from_yaml(PV_CLAIM))
            await _run_to_end(client, home, "writer", "task-pv-claim", "echo kept > /data/hello.txt")
            _, read = await _run_to_end(client, home, "reader", "task-pv-claim", "cat /data/hello.txt")
            assert read == "kept"
            await client.delete("PersistentVolumeClaim", "task-pv-claim")
            released = await eventually(lambda: _phase(client, "task-pv-volume", storage.RELEASED), timeout=60,
                                        interval=0.5, what="the volume Released")
            assert released.spec.persistent_volume_reclaim_policy == "Retain"
            assert os.path.exists(os.path.join(directory, "hello.txt"))  # Retain keeps the data
            await client.delete("PersistentVolume", "task-pv-volume", "")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


async def _phase(client, name, phase):
    pv = await client.get("PersistentVolume", name, "")
    return pv if pv.status.phase == phase else None


async def test_the_default_class_provisions_on_the_pod_node_and_removes_the_directory_with_the_claim(
        two_hosts, home):
    async with cluster.admin_client(os.path.join(home, ".skiff", "config"), timeout=30) as client:
        await client.create(claim("local", "1Gi"))
        node, _ = await _run_to_end(client, home, "writer", "local", "echo local > /data/f")
        again, read = await _run_to_end(client, home, "reader", "local", "cat /data/f")
        assert (again, read) == (node, "local")  # the volume is pinned to the node that has the data
        bound = await client.get("PersistentVolumeClaim", "local")
        pv = await client.get("PersistentVolume", bound.spec.volume_name, "")
        directory = pv.spec.host_path.path
        assert os.path.isdir(directory)
        await client.delete("PersistentVolumeClaim", "local")
        await eventually(lambda: _gone(client, "PersistentVolume", pv.metadata.name, ""), timeout=60, interval=0.5,
                         what="the provisioned volume deleted")
        assert not os.path.exists(directory)


async def test_a_clone_of_a_claim_holds_what_a_pod_wrote_into_the_source(two_hosts, home):
    async with cluster.admin_client(os.path.join(home, ".skiff", "config"), timeout=30) as client:
        await client.create(claim("origin", "1Gi"))
        node, _ = await _run_to_end(client, home, "origin-writer", "origin", "echo cloned > /data/f")
        await client.create(claim("copy", "1Gi", dataSource={"kind": "PersistentVolumeClaim", "name": "origin"}))
        again, read = await _run_to_end(client, home, "copy-reader", "copy", "cat /data/f")
        assert (again, read) == (node, "cloned")  # made, and read, on the source's node
        for name in ("copy", "origin"):
            pv_name = (await client.get("PersistentVolumeClaim", name)).spec.volume_name
            await client.delete("PersistentVolumeClaim", name)
            await eventually(lambda: _gone(client, "PersistentVolume", pv_name, ""), timeout=60, interval=0.5,
                             what=f"the volume of {name} deleted")
