"""The PersistentVolume binder against a real API server and etcd: a claim binds to the smallest volume
that satisfies it, both sides say so, a deleted claim releases its volume, and bad claims are refused."""
from __future__ import annotations

import pytest

from api import errors, storage
from tests.fixtures.api_calls import recorded_event
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.storage import claim, storage_class, volume
from tests.fixtures.wait import eventually

pytestmark = pytest.mark.integration


async def _phase(client, kind, name, phase, namespace="default"):
    obj = await client.get(kind, name, "" if kind == "PersistentVolume" else namespace)
    return obj if obj.status.phase == phase else None


async def test_claim_binds_to_the_smallest_volume_that_fits_and_both_sides_say_so(client):
    async with running_manager(client, ["persistentvolume-binder"]):
        for name, size in (("big", "20Gi"), ("small", "5Gi"), ("tiny", "1Gi")):
            await client.create(volume(name, size, storageClassName="manual"))
        await eventually(lambda: _phase(client, "PersistentVolume", "tiny", storage.AVAILABLE))
        created = await client.create(claim("data", "3Gi", storageClassName="manual"))
        bound = await eventually(lambda: _phase(client, "PersistentVolumeClaim", "data", storage.BOUND))
        assert bound.spec.volume_name == "small"
        assert dict(bound.status.capacity) == {"storage": "5Gi"}
        assert list(bound.status.access_modes) == ["ReadWriteOnce"]
        assert bound.metadata.annotations[storage.BIND_COMPLETED] == "yes"
        pv = await eventually(lambda: _phase(client, "PersistentVolume", "small", storage.BOUND))
        ref = pv.spec.claim_ref
        assert (ref.kind, ref.namespace, ref.name, ref.uid) == ("PersistentVolumeClaim", "default", "data",
                                                                created.metadata.uid)
        for other in ("big", "tiny"):
            assert (await client.get("PersistentVolume", other, "")).status.phase == storage.AVAILABLE


async def test_claim_binds_only_to_a_volume_of_its_class_modes_and_selector(client):
    async with running_manager(client, ["persistentvolume-binder"]):
        await client.create(volume("fast", "10Gi", labels={"tier": "fast"}, storageClassName="manual"))
        await client.create(volume("rwx", "10Gi", modes=("ReadWriteMany", "ReadWriteOnce"), storageClassName="manual"))
        await client.create(volume("other-class", "10Gi", storageClassName="gold"))
        await client.create(claim("picky", "1Gi", storageClassName="manual",
                                  selector={"matchLabels": {"tier": "fast"}}))
        await client.create(claim("shared", "1Gi", modes=("ReadWriteMany",), storageClassName="manual"))
        await client.create(claim("nomatch", "1Gi", storageClassName="manual",
                                  selector={"matchLabels": {"tier": "none"}}))
        picky = await eventually(lambda: _phase(client, "PersistentVolumeClaim", "picky", storage.BOUND))
        shared = await eventually(lambda: _phase(client, "PersistentVolumeClaim", "shared", storage.BOUND))
        assert (picky.spec.volume_name, shared.spec.volume_name) == ("fast", "rwx")
        await recorded_event(client, "ProvisioningFailed", "nomatch", 'storageclass.storage.k8s.io "manual" not found')
        assert (await client.get("PersistentVolumeClaim", "nomatch")).status.phase == storage.PENDING


async def test_claim_without_class_gets_the_default_class_and_an_empty_class_stays_classless(client):
    await client.create(storage_class("gold", default=True))
    defaulted = await client.create(claim("plain"))
    assert defaulted.spec.storage_class_name == "gold"
    classless = await client.create(claim("none", storageClassName=""))
    assert classless.spec.HasField("storage_class_name") and classless.spec.storage_class_name == ""
    async with running_manager(client, ["persistentvolume-binder"]):
        await recorded_event(client, "FailedBinding", "none",
                             "no persistent volumes available for this claim and no storage class is set")
        await client.create(volume("classless", "1Gi"))
        bound = await eventually(lambda: _phase(client, "PersistentVolumeClaim", "none", storage.BOUND))
        assert bound.spec.volume_name == "classless"


async def test_claim_naming_a_volume_binds_to_it_and_deleting_the_claim_releases_or_fails_the_volume(client):
    async with running_manager(client, ["persistentvolume-binder"]):
        await client.create(volume("kept", "1Gi"))
        await client.create(volume("dropped", "1Gi", persistentVolumeReclaimPolicy="Delete"))
        await client.create(claim("a", storageClassName="", volumeName="kept"))
        await client.create(claim("b", storageClassName="", volumeName="dropped"))
        await eventually(lambda: _phase(client, "PersistentVolume", "kept", storage.BOUND))
        await eventually(lambda: _phase(client, "PersistentVolume", "dropped", storage.BOUND))
        await client.delete("PersistentVolumeClaim", "a")
        await client.delete("PersistentVolumeClaim", "b")
        released = await eventually(lambda: _phase(client, "PersistentVolume", "kept", storage.RELEASED))
        assert released.spec.claim_ref.name == "a"  # Retain: kept for an administrator to look at
        failed = await eventually(lambda: _phase(client, "PersistentVolume", "dropped", storage.FAILED))
        assert "no deletable volume plugin matched" in failed.status.message


@pytest.mark.parametrize("spec, message", [
    ({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "-1Gi"}}},
     'spec.resources.requests[storage]: Invalid value: "-1Gi": must be greater than or equal to 0'),
    ({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {}}}, "spec.resources[storage]: Required value"),
    ({"accessModes": ["ReadWriteSometimes"], "resources": {"requests": {"storage": "1Gi"}}},
     'spec.accessModes: Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", '
     '"ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"'),
    ({"resources": {"requests": {"storage": "1Gi"}}},
     "spec.accessModes: Required value: at least 1 access mode is required"),
    ({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
      "selector": {"matchExpressions": [{"key": "tier", "operator": "Near"}]}},
     'spec.selector.matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator'),
])
async def test_invalid_claims_are_refused_with_field_paths_and_nothing_stored(client, spec, message):
    from api import manifest
    obj, _ = manifest.from_dict({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                                 "metadata": {"name": "bad", "namespace": "default"}, "spec": spec})
    with pytest.raises(errors.Invalid) as refused:
        await client.create(obj)
    assert message in str(refused.value)
    assert not (await client.list("PersistentVolumeClaim", "default")).items


async def test_a_bound_claim_grows_only_when_its_class_allows_expansion(client):
    await client.create(storage_class("fixed"))
    async with running_manager(client, ["persistentvolume-binder"]):
        await client.create(volume("v", "10Gi", storageClassName="fixed"))
        await client.create(claim("data", "1Gi", storageClassName="fixed"))
        bound = await eventually(lambda: _phase(client, "PersistentVolumeClaim", "data", storage.BOUND))
    bound.spec.resources.requests["storage"] = "2Gi"
    with pytest.raises(errors.Forbidden) as refused:
        await client.update(bound)
    assert "only dynamically provisioned pvc can be resized" in str(refused.value)
    assert (await client.get("PersistentVolumeClaim", "data")).spec.resources.requests["storage"] == "1Gi"


async def _gone(client, kind, name, namespace="default"):
    try:
        await client.get(kind, name, namespace)
    except errors.NotFound:
        return True
    return False


async def test_a_claim_in_use_and_a_bound_volume_outlive_their_deletion_until_nothing_uses_them(client):
    from tests.fixtures.objects import pod
    async with running_manager(client, ["persistentvolume-binder", "pvc-protection", "pv-protection"]):
        await client.create(volume("v", "1Gi"))
        await client.create(claim("data", storageClassName=""))
        await eventually(lambda: _phase(client, "PersistentVolumeClaim", "data", storage.BOUND))
        user = await client.create(pod("user", volumes=[{"name": "d", "persistentVolumeClaim": {"claimName": "data"}}]))

        async def protected(kind, name, finalizer, namespace="default"):
            obj = await client.get(kind, name, namespace)
            return obj if finalizer in obj.metadata.finalizers else None
        await eventually(lambda: protected("PersistentVolumeClaim", "data", storage.PVC_PROTECTION))
        await eventually(lambda: protected("PersistentVolume", "v", storage.PV_PROTECTION, ""))
        await client.delete("PersistentVolume", "v", "")
        await client.delete("PersistentVolumeClaim", "data")
        held = await client.get("PersistentVolumeClaim", "data")
        assert held.metadata.deletion_timestamp  # Terminating while the pod mounts it
        assert (await client.get("PersistentVolume", "v", "")).status.phase == storage.BOUND
        user.status.phase = "Succeeded"
        await client.update_status(user)
        await eventually(lambda: _gone(client, "PersistentVolumeClaim", "data"))
        await eventually(lambda: _gone(client, "PersistentVolume", "v", ""))
