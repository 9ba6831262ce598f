"""Claims with a dataSource against a real API server: skiff's local-path provisioner clones a bound claim (the
node that holds the source copies its directory, and only then is the clone bound), and a VolumeSnapshot source
leaves the claim Pending with the provisioner's reason, as in a Kubernetes cluster without the snapshot CRDs."""
from __future__ import annotations

import contextlib

import pytest

from api import storage
from nodeagent.localpath import LocalPathCleaner
from tests.fixtures.api_calls import recorded_event
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.pki import test_pki
from tests.fixtures.storage import claim, storage_class
from tests.fixtures.wait import eventually

pytestmark = pytest.mark.integration

NODE = "n1"


@contextlib.asynccontextmanager
async def node_half(client):
    """The local-path provisioner's node half, as node n1's agent runs it, with n1's own credentials."""
    async with test_pki().node_client(client.servers, NODE) as node_client:
        cleaner = LocalPathCleaner(node_client, NODE, lambda: {"kubernetes.io/hostname": NODE})
        cleaner.start()
        try:
            yield
        finally:
            await cleaner.stop()


async def _bound(client, name):
    pvc = await client.get("PersistentVolumeClaim", name)
    return pvc if pvc.status.phase == storage.BOUND else None


async def test_a_clone_holds_the_source_claims_files(client, tmp_path):
    await client.create(storage_class("local", storage.LOCAL_PATH_PROVISIONER, parameters={"path": str(tmp_path)}))
    source = claim("data", "1Gi", storageClassName="local")
    source.metadata.annotations[storage.SELECTED_NODE] = NODE  # as the scheduler names the first pod's node
    async with running_manager(client, ["persistentvolume-binder"]), node_half(client):
        await client.create(source)
        bound = await eventually(lambda: _bound(client, "data"), what="the source claim bound")
        pv = await client.get("PersistentVolume", bound.spec.volume_name, "")
        source_dir = tmp_path / pv.spec.host_path.path.rsplit("/", 1)[1]
        (source_dir / "html").mkdir(parents=True)  # what a pod wrote into it
        (source_dir / "html" / "index.html").write_text("hello from the source\n")

        await client.create(claim("copy", "2Gi", storageClassName="local",
                                  dataSource={"kind": "PersistentVolumeClaim", "name": "data"}))
        clone = await eventually(lambda: _bound(client, "copy"), what="the clone bound once copied")
    assert clone.spec.data_source_ref.kind == "PersistentVolumeClaim"  # filled from dataSource, as Kubernetes
    clone_pv = await client.get("PersistentVolume", clone.spec.volume_name, "")
    assert clone_pv.metadata.annotations[storage.CLONED] == "yes"
    assert clone_pv.spec.node_affinity == pv.spec.node_affinity  # made on the source's node
    clone_dir = tmp_path / clone_pv.spec.host_path.path.rsplit("/", 1)[1]
    assert (clone_dir / "html" / "index.html").read_text() == "hello from the source\n"


async def test_a_clone_smaller_than_its_source_and_a_snapshot_source_stay_pending_with_the_reason(client, tmp_path):
    await client.create(storage_class("local", storage.LOCAL_PATH_PROVISIONER, parameters={"path": str(tmp_path)}))
    source = claim("data", "2Gi", storageClassName="local")
    source.metadata.annotations[storage.SELECTED_NODE] = NODE
    async with running_manager(client, ["persistentvolume-binder"]):
        await client.create(source)
        await eventually(lambda: _bound(client, "data"), what="the source claim bound")
        await client.create(claim("small", "1Gi", storageClassName="local",
                                  dataSource={"kind": "PersistentVolumeClaim", "name": "data"}))
        await recorded_event(client, "ProvisioningFailed", "small", "new PVC request must be greater than or equal "
                                                                     "in size to the specified PVC data source")
        # the docs' application/restore-pvc.yaml, in the local class
        await client.create(claim("restored-pvc", "5Gi", storageClassName="local", dataSource={
            "name": "example-snapshot", "kind": "VolumeSnapshot", "apiGroup": "snapshot.storage.k8s.io"}))
        await recorded_event(client, "ProvisioningFailed", "restored-pvc",
                             "error getting handle for DataSource Type VolumeSnapshot by Name example-snapshot")
    for name in ("small", "restored-pvc"):
        assert (await client.get("PersistentVolumeClaim", name)).status.phase == storage.PENDING


async def test_kubectl_applies_the_docs_restore_pvc_and_reads_back_both_fields(kubectl, tmp_path):
    # kubernetes/website examples: application/restore-pvc.yaml
    restore = """apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: restored-pvc
spec:
  dataSource:
    name: example-snapshot
    kind: VolumeSnapshot
    apiGroup: snapshot.storage.k8s.io
  accessModes:
    - ReadWriteOnce
  resources:
    requests:
      storage: 5Gi
"""
    path = tmp_path / "restore-pvc.yaml"
    path.write_text(restore)
    applied = await kubectl("apply", "-f", str(path))
    assert (applied.code, applied.out.strip()) == (0, "persistentvolumeclaim/restored-pvc created"), applied.err
    ref = await kubectl("get", "pvc", "restored-pvc", "-o", "jsonpath={.spec.dataSourceRef.kind}/"
                                                           "{.spec.dataSourceRef.name}")
    assert ref.out == "VolumeSnapshot/example-snapshot"
    again = await kubectl("apply", "-f", str(path))
    assert (again.code, again.out.strip()) == (0, "persistentvolumeclaim/restored-pvc unchanged"), again.err
    bad = await kubectl("apply", "-f", "-", stdin=restore.replace("restored-pvc", "bad").replace(
        "    apiGroup: snapshot.storage.k8s.io\n", ""))
    assert bad.code == 1 and ("spec.dataSource: Invalid value: \"VolumeSnapshot\": must be 'PersistentVolumeClaim' "
                              "when referencing the default apiGroup") in bad.err, bad.err
