"""A claim's dataSource and dataSourceRef: Kubernetes' defaulting between them and its validation, the local-path
provisioner's cloning decisions (CSI's rules), and the node's guard on what it copies and may mark."""
from __future__ import annotations

from api import storage
from controlplane.apiserver.auth.admission import node_volume_change
from controlplane.apiserver.auth.user import UserInfo
from controlplane.apiserver.validation.storage import validate_claim
from controlplane.controllers.volume import plan
from nodeagent.localpath import clone_source_of, ours_to_clone
from tests.fixtures.storage import claim, storage_class

PVC_SOURCE = {"kind": "PersistentVolumeClaim", "name": "data"}
SNAPSHOT = {"name": "example-snapshot", "kind": "VolumeSnapshot", "apiGroup": "snapshot.storage.k8s.io"}
LOCAL = storage_class("local", storage.LOCAL_PATH_PROVISIONER, parameters={"path": "/var/lib/lp"})


def test_each_of_data_source_and_data_source_ref_is_filled_from_the_other():
    a = claim("a", dataSource=SNAPSHOT)
    storage.normalize_data_sources(a.spec)
    assert (a.spec.data_source_ref.api_group, a.spec.data_source_ref.kind, a.spec.data_source_ref.name) == \
        ("snapshot.storage.k8s.io", "VolumeSnapshot", "example-snapshot")
    b = claim("b", dataSourceRef=PVC_SOURCE)
    storage.normalize_data_sources(b.spec)
    assert (b.spec.data_source.kind, b.spec.data_source.name, b.spec.data_source.HasField("api_group")) == \
        ("PersistentVolumeClaim", "data", False)
    assert validate_claim(a) == validate_claim(b) == []


def test_a_core_group_source_must_be_a_claim_and_the_two_fields_must_agree():
    assert validate_claim(claim("a", dataSource={"kind": "Pod", "name": "x"})) == [
        "spec.dataSource: Invalid value: \"Pod\": must be 'PersistentVolumeClaim' when referencing the default "
        "apiGroup"]
    assert validate_claim(claim("b", dataSource={"kind": "PersistentVolumeClaim"})) == [
        "spec.dataSource.name: Required value"]
    mismatch = claim("c", dataSource=PVC_SOURCE, dataSourceRef={**PVC_SOURCE, "name": "other"})
    assert validate_claim(mismatch) == ['spec: Invalid value: "spec.dataSource": must match dataSourceRef']


def _bound_source(size="1Gi", class_name="local"):
    src = claim("data", size, storageClassName=class_name)
    src.metadata.uid = "u1"
    src.spec.volume_name = "pvc-u1"
    src.status.phase = storage.BOUND
    return src, plan.provisioned_volume(src, LOCAL, "n1")


def _plan(new, src, pv):
    return plan.clone_plan(new, LOCAL, {f"default/{src.metadata.name}": src}.get, {pv.metadata.name: pv}.get)


def test_a_clone_is_made_on_the_source_volumes_node_from_its_directory():
    src, pv = _bound_source()
    decided = _plan(claim("copy", "2Gi", storageClassName="local", dataSource=PVC_SOURCE), src, pv)
    assert (decided.node, decided.source_directory, decided.reason) == \
        ("n1", "/var/lib/lp/pvc-u1_default_data", "")


def test_cloning_follows_csi_rules_bound_same_class_not_smaller():
    src, pv = _bound_source("2Gi")
    smaller = _plan(claim("copy", "1Gi", storageClassName="local", dataSource=PVC_SOURCE), src, pv)
    assert smaller.reason == "ProvisioningFailed" and "requested 1073741824 but source is 2147483648" in smaller.message
    src.status.phase = storage.PENDING
    assert _plan(claim("copy", "2Gi", storageClassName="local", dataSource=PVC_SOURCE), src, pv).message.endswith(
        "the PVC data not bound")
    missing = plan.clone_plan(claim("copy", storageClassName="local", dataSource=PVC_SOURCE), LOCAL,
                              lambda key: None, lambda name: None)
    assert 'persistentvolumeclaims "data" not found' in missing.message


def test_a_snapshot_source_fails_as_without_the_snapshot_crds():
    decided = plan.clone_plan(claim("restored-pvc", storageClassName="local", dataSource=SNAPSHOT), LOCAL,
                              lambda key: None, lambda name: None)
    assert decided.message == (
        'failed to provision volume with StorageClass "local": error getting handle for DataSource Type '
        "VolumeSnapshot by Name example-snapshot: error getting snapshot example-snapshot from api server: the "
        "server could not find the requested resource (get volumesnapshots.snapshot.storage.k8s.io "
        "example-snapshot)")


def _clone_volume(source_dir="/var/lib/lp/pvc-u1_default_data"):
    new = claim("copy", "2Gi", storageClassName="local", dataSource=PVC_SOURCE)
    new.metadata.uid = "u2"
    return plan.cloned_volume(new, LOCAL, plan.ClonePlan(node="n1", source_directory=source_dir))


def test_the_node_copies_only_another_volume_of_the_same_provisioner_directory():
    pv = _clone_volume()
    labels = {"kubernetes.io/hostname": "n1"}
    assert ours_to_clone(pv, "n1", labels) and not ours_to_clone(pv, "n2", {"kubernetes.io/hostname": "n2"})
    assert clone_source_of(pv) == "/var/lib/lp/pvc-u1_default_data"
    for planted in ("/etc", "/var/lib/lp/../../etc/pvc-x", "/var/lib/other/pvc-u1_default_data"):
        assert clone_source_of(_clone_volume(planted)) == ""


def test_a_node_may_mark_only_its_own_clone_as_copied():
    pv = _clone_volume()
    marked = type(pv)()
    marked.CopyFrom(pv)
    marked.metadata.annotations[storage.CLONED] = "yes"
    n1, n2 = UserInfo("system:node:n1", ("system:nodes",)), UserInfo("system:node:n2", ("system:nodes",))
    assert node_volume_change(n1, marked, pv) is None
    assert node_volume_change(n2, marked, pv) is not None
    marked.spec.host_path.path = "/etc"
    assert node_volume_change(n1, marked, pv) is not None
