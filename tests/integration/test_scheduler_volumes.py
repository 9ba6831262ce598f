"""Pods with PersistentVolumeClaims through the real scheduler and binder: an unbound immediate claim keeps a
pod Pending with Kubernetes' message; a WaitForFirstConsumer claim of the default class `standard` gets a
node-local volume on the node the pod is scheduled to; a bound volume's node affinity places the pod."""
from __future__ import annotations

import pytest

from api import storage
from tests.fixtures.api_calls import recorded_event
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.objects import node, pod
from tests.fixtures.storage import claim, volume
from tests.fixtures.wait import eventually

pytestmark = pytest.mark.integration

HOST = "kubernetes.io/hostname"


def _with_claim(name, claim_name):
    return pod(name, volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": claim_name}}])


async def _node_of(client, name):
    return (await client.get("Pod", name)).spec.node_name or None


async def test_unbound_immediate_claim_keeps_the_pod_pending_until_it_binds(client, scheduler):
    await client.create(node("n1", labels={HOST: "n1"}))
    await client.create(claim("data", storageClassName=""))
    await client.create(_with_claim("web", "data"))
    await recorded_event(client, "FailedScheduling", "web", "pod has unbound immediate PersistentVolumeClaims")
    async with running_manager(client, ["persistentvolume-binder"]):
        await client.create(volume("pv", "1Gi"))
        assert await eventually(lambda: _node_of(client, "web")) == "n1"


async def test_default_class_provisions_a_volume_on_the_node_the_pod_is_scheduled_to(client, scheduler):
    for name in ("n1", "n2"):
        await client.create(node(name, labels={HOST: name}))
    created = await client.create(claim("data"))
    assert created.spec.storage_class_name == storage.DEFAULT_CLASS_NAME
    async with running_manager(client, ["persistentvolume-binder"]):
        await recorded_event(client, "WaitForFirstConsumer", "data")
        await client.create(_with_claim("web", "data"))
        chosen = await eventually(lambda: _node_of(client, "web"))
        bound = await client.get("PersistentVolumeClaim", "data")
        assert bound.status.phase == storage.BOUND  # the pod is bound only once its claim is
        assert bound.metadata.annotations[storage.SELECTED_NODE] == chosen
        pv = await client.get("PersistentVolume", bound.spec.volume_name, "")
        assert pv.metadata.name == f"pvc-{created.metadata.uid}"
        assert storage.fits_node(pv, {HOST: chosen}, chosen)
        assert pv.spec.persistent_volume_reclaim_policy == "Delete"
        # a second pod of the claim goes where the volume is
        await client.create(_with_claim("again", "data"))
        assert await eventually(lambda: _node_of(client, "again")) == chosen
        # the claim deleted: the volume is released and deleted, held by its node's clean-up finalizer
        await client.delete("Pod", "web", grace_period=0)
        await client.delete("Pod", "again", grace_period=0)
        await client.delete("PersistentVolumeClaim", "data")

        async def marked():
            got = await client.get("PersistentVolume", pv.metadata.name, "")
            return got if got.metadata.deletion_timestamp else None
        held = await eventually(marked)
        assert list(held.metadata.finalizers) == [storage.LOCAL_PATH_CLEANUP]
