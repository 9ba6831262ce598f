"""The binder's pure decisions: a volume's phase from its claim, reclaim by policy, the local-path volume,
and the node agent's reading of a bound claim and clean-up guard."""
from __future__ import annotations

import pytest

from api import storage
from controlplane.controllers.volume import plan
from nodeagent import claims, localpath
from nodeagent.containers import mounts
from nodeagent.volumes import VolumeError
from tests.fixtures.objects import pod
from tests.fixtures.storage import claim, storage_class, volume


def _claimed(pv, pvc):
    pv.spec.claim_ref.name, pv.spec.claim_ref.namespace = pvc.metadata.name, pvc.metadata.namespace
    pv.spec.claim_ref.uid = pvc.metadata.uid
    return pv


def _pvc(name="data"):
    pvc = claim(name, storageClassName="")
    pvc.metadata.uid = "uid-1"
    return pvc


def test_volume_phase_follows_its_claim():
    pvc = _pvc()
    assert plan.volume_verdict(volume("free"), None).phase == storage.AVAILABLE
    binding = _claimed(volume("v"), pvc)
    assert plan.volume_verdict(binding, pvc).phase == storage.AVAILABLE  # the claim's side is still to come
    pvc.spec.volume_name = "v"
    assert plan.volume_verdict(binding, pvc).phase == storage.BOUND


@pytest.mark.parametrize("policy, provisioned, phase, reclaim", [
    ("Retain", False, storage.RELEASED, "Retain"),
    ("Delete", True, storage.RELEASED, "Delete"),
    ("Delete", False, storage.FAILED, "Delete"),  # nothing can delete a hand-made hostPath volume
])
def test_a_volume_whose_claim_is_gone_is_reclaimed_by_its_policy(policy, provisioned, phase, reclaim):
    pv = _claimed(volume("v", persistentVolumeReclaimPolicy=policy), _pvc())
    if provisioned:
        pv.metadata.annotations[storage.PROVISIONED_BY] = storage.LOCAL_PATH_PROVISIONER
    verdict = plan.volume_verdict(pv, None)
    assert (verdict.phase, verdict.reclaim) == (phase, reclaim)
    if phase == storage.FAILED:
        assert verdict.message == ('error getting deleter volume plugin for volume "v": '
                                   'no deletable volume plugin matched')


def test_the_local_path_volume_is_pre_bound_pinned_to_the_node_and_named_after_the_claim():
    sc = storage_class("standard", provisioner=storage.LOCAL_PATH_PROVISIONER, reclaimPolicy="Delete")
    pvc = _pvc()
    pv = plan.provisioned_volume(pvc, sc, "node-2")
    assert pv.metadata.name == "pvc-uid-1"
    assert pv.spec.host_path.path == "/var/lib/skiff/local-path/pvc-uid-1_default_data"
    assert pv.spec.host_path.type == "DirectoryOrCreate"
    assert storage.is_bound_to(pv, pvc) and storage.fits_node(pv, {"kubernetes.io/hostname": "node-2"}, "node-2")
    assert not storage.fits_node(pv, {"kubernetes.io/hostname": "node-1"}, "node-1")
    assert list(pv.metadata.finalizers) == [storage.LOCAL_PATH_CLEANUP]
    assert dict(pv.spec.capacity) == {"storage": "1Gi"} and pv.spec.storage_class_name == "standard"


def test_the_agent_mounts_a_bound_claim_at_its_volume_directory_read_only_when_asked(tmp_path):
    pv = volume("v", path=str(tmp_path / "data"))
    p = pod("p", volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data", "readOnly": True}}],
            containers=[{"name": "app", "image": "busybox", "volumeMounts": [{"name": "data", "mountPath": "/d"}]}])
    found = claims.claim_dir(p.spec.volumes[0], _pvc(), pv)
    assert found == claims.ClaimDir(str(tmp_path / "data"), True, True)
    mount_list, dirs = mounts(p, p.spec.containers[0], str(tmp_path), {"data": found})
    assert [(m.source, m.target, m.read_only) for m in mount_list] == [(str(tmp_path / "data"), "/d", True)]
    assert [d.path for d in dirs] == [str(tmp_path / "data")]


def test_the_agent_refuses_a_volume_without_a_node_directory():
    pv = volume("v")
    pv.spec.ClearField("host_path")
    p = pod("p", volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}])
    with pytest.raises(VolumeError, match="has no hostPath or local source"):
        claims.claim_dir(p.spec.volumes[0], _pvc(), pv)


def test_local_path_clean_up_removes_only_a_directory_the_provisioner_named(tmp_path):
    sc = storage_class("standard", provisioner=storage.LOCAL_PATH_PROVISIONER)
    sc.parameters["path"] = str(tmp_path)
    pv = plan.provisioned_volume(_pvc(), sc, "node-2")
    pv.metadata.deletion_timestamp = "2026-01-01T00:00:00Z"
    assert localpath.ours_to_clean(pv, "node-2", {"kubernetes.io/hostname": "node-2"})
    assert not localpath.ours_to_clean(pv, "node-1", {"kubernetes.io/hostname": "node-1"})
    directory = localpath.directory_of(pv)
    assert directory == f"{tmp_path}/pvc-uid-1_default_data"
    (tmp_path / "pvc-uid-1_default_data").mkdir()
    (tmp_path / "pvc-uid-1_default_data" / "f").write_text("x")
    (tmp_path / "keep").mkdir()
    (tmp_path / "pvc-uid-1_default_data" / "escape").symlink_to(tmp_path / "keep")
    localpath.remove_directory(directory)
    assert not (tmp_path / "pvc-uid-1_default_data").exists() and (tmp_path / "keep").exists()
    pv.spec.host_path.path = "/etc"
    assert localpath.directory_of(pv) == ""


def test_a_claim_is_in_use_while_a_pod_of_its_namespace_mounting_it_has_not_ended():
    from controlplane.controllers.volume.protection import claim_in_use
    pvc = _pvc()
    mounting = pod("m", volumes=[{"name": "d", "persistentVolumeClaim": {"claimName": "data"}}])
    elsewhere = pod("e", namespace="other", volumes=[{"name": "d", "persistentVolumeClaim": {"claimName": "data"}}])
    assert claim_in_use(pvc, [mounting]) and not claim_in_use(pvc, [elsewhere, pod("plain")])
    mounting.status.phase = "Succeeded"
    assert not claim_in_use(pvc, [mounting])
