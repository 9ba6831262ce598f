"""Stock kubectl (v1.32) and skiff with PersistentVolumes, claims and StorageClasses over the REST API: the
docs' examples applied and bound, kubectl's columns, and refusals naming the field."""
from __future__ import annotations

import pytest

from tests.fixtures.cli_runner import write
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.storage import PV_CLAIM, PV_POD, PV_VOLUME
from tests.fixtures.wait import eventually

pytestmark = pytest.mark.integration


async def _row(kubectl, *what):
    done = await kubectl("get", *what, "--no-headers")
    return done.out.split() if done.code == 0 else None


async def test_apply_the_docs_volume_and_claim_and_get_them_bound(kubectl, client, tmp_path):
    async with running_manager(client, ["persistentvolume-binder"]):
        for name, text, created in (("pv.yaml", PV_VOLUME, "persistentvolume/task-pv-volume created"),
                                    ("pvc.yaml", PV_CLAIM, "persistentvolumeclaim/task-pv-claim created"),
                                    ("pod.yaml", PV_POD, "pod/task-pv-pod created")):
            applied = await kubectl("apply", "-f", write(tmp_path, name, text))
            assert (applied.code, applied.out.strip()) == (0, created), applied.err
        row = await eventually(lambda: _bound_claim(kubectl))
        assert row == ["task-pv-claim", "Bound", "task-pv-volume", "10Gi", "RWO", "manual", "<unset>"]
        pv = await _row(kubectl, "pv", "task-pv-volume")
        assert pv[:7] == ["task-pv-volume", "10Gi", "RWO", "Retain", "Bound", "default/task-pv-claim", "manual"]
        headers = (await kubectl("get", "pv,pvc,sc")).out
        assert ("NAME" in headers and "CLAIM" in headers and "VOLUMEBINDINGMODE" in headers
                and "standard (default)" in headers), headers
        sc = await _row(kubectl, "sc", "standard")
        assert sc[:5] == ["standard", "(default)", "skiff.io/local-path", "Delete", "WaitForFirstConsumer"]
        described = await kubectl("describe", "pvc", "task-pv-claim")
        assert described.code == 0, described.err
        assert "task-pv-pod" in described.out and "Bound" in described.out, described.out  # Used By, Status
        wide = (await kubectl("get", "pvc", "task-pv-claim", "-o", "wide")).out.splitlines()
        assert wide[0].split()[-1] == "VOLUMEMODE" and wide[1].split()[-1] == "Filesystem", wide
        again = await kubectl("apply", "-f", write(tmp_path, "pvc.yaml", PV_CLAIM))
        assert (again.code, again.out.strip()) == (0, "persistentvolumeclaim/task-pv-claim unchanged"), again.err


async def _bound_claim(kubectl):
    row = await _row(kubectl, "pvc", "task-pv-claim")
    return row[:-1] if row and row[1] == "Bound" else None


async def test_invalid_claims_and_volumes_are_refused_with_field_paths_and_nothing_stored(kubectl, client, tmp_path):
    bad = PV_CLAIM.replace("storage: 3Gi", "storage: -3Gi").replace("- ReadWriteOnce", "- ReadWriteSometimes")
    done = await kubectl("apply", "-f", write(tmp_path, "bad.yaml", bad))
    assert done.code != 0
    assert 'PersistentVolumeClaim "task-pv-claim" is invalid' in done.err
    assert 'spec.resources.requests[storage]: Invalid value: "-3Gi": must be greater than or equal to 0' in done.err
    assert 'spec.accessModes: Unsupported value: "ReadWriteSometimes"' in done.err
    unknown = PV_VOLUME.replace("  hostPath:", "  nfs:\n    server: x\n    path: /\n  hostPath:")
    done = await kubectl("apply", "-f", write(tmp_path, "nfs.yaml", unknown))
    assert done.code != 0 and "nfs" in done.err, done.err
    assert not (await client.list("PersistentVolumeClaim", "default")).items
    assert not (await client.list("PersistentVolume")).items


async def test_skiff_gets_and_describes_storage(skiff, client, tmp_path):
    assert (await skiff("apply", "-f", write(tmp_path, "pv.yaml", PV_VOLUME))).code == 0
    assert (await skiff("apply", "-f", write(tmp_path, "pvc.yaml", PV_CLAIM))).code == 0
    got = await skiff("get", "pv")
    assert got.out.splitlines()[0].split() == ["NAME", "CAPACITY", "ACCESS", "MODES", "RECLAIM", "POLICY", "STATUS",
                                               "CLAIM", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "REASON", "AGE"]
    claims = await skiff("get", "pvc")
    assert claims.out.splitlines()[1].split()[:2] == ["task-pv-claim", "Pending"]
    classes = await skiff("get", "sc")
    assert classes.out.splitlines()[1].split()[:2] == ["standard", "(default)"]
    described = await skiff("describe", "pvc", "task-pv-claim")
    assert described.code == 0, described.err
    assert {"StorageClass: manual", "Status: Pending", "Used By: <none>"} <= _fields(described.out), described.out
    volume = (await skiff("describe", "pv", "task-pv-volume")).out
    assert {"Reclaim Policy: Retain", "Capacity: 10Gi", "Path: /mnt/data"} <= _fields(volume), volume
    sc = (await skiff("describe", "sc", "standard")).out
    assert {"IsDefaultClass: Yes", "VolumeBindingMode: WaitForFirstConsumer"} <= _fields(sc), sc


def _fields(text: str) -> set[str]:
    """describe's `Label:   value` lines with the padding squeezed."""
    return {" ".join(line.split()) for line in text.splitlines()}
