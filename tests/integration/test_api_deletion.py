"""Deletion: graceful pods, finalizers, preconditions, and the binding and scale subresources."""
from __future__ import annotations

import pytest

from api import errors
from tests.fixtures.objects import from_yaml, pod


async def test_unscheduled_pod_is_deleted_at_once(client):
    await client.create(pod("p"))
    _, deleted = await client.delete("Pod", "p")
    assert deleted


async def test_scheduled_pod_waits_for_its_agent(client):
    await client.create(pod("p", node="n1", terminationGracePeriodSeconds=20))
    marked, deleted = await client.delete("Pod", "p")
    assert not deleted
    assert marked.metadata.deletion_timestamp
    assert marked.metadata.deletion_grace_period_seconds == 20
    still = await client.get("Pod", "p")
    assert still.metadata.deletion_timestamp
    # a shorter grace period may shorten it; then the agent confirms with grace 0
    shorter, _ = await client.delete("Pod", "p", grace_period=5)
    assert shorter.metadata.deletion_grace_period_seconds == 5
    _, deleted = await client.delete("Pod", "p", grace_period=0)
    assert deleted
    with pytest.raises(errors.NotFound):
        await client.get("Pod", "p")


async def test_finalizers_hold_an_object_until_removed(client):
    held = pod("held")
    held.metadata.finalizers.append("example.com/cleanup")
    await client.create(held)
    marked, deleted = await client.delete("Pod", "held")
    assert not deleted and marked.metadata.deletion_timestamp
    current = await client.get("Pod", "held")
    del current.metadata.finalizers[:]
    await client.update(current)
    with pytest.raises(errors.NotFound):
        await client.get("Pod", "held")


async def test_orphan_and_foreground_add_their_finalizers(client):
    for name, policy, finalizer in (("o", "Orphan", "orphan"), ("f", "Foreground", "foregroundDeletion")):
        await client.create(pod(name))
        marked, deleted = await client.delete("Pod", name, propagation=policy)
        assert not deleted
        assert list(marked.metadata.finalizers) == [finalizer]


async def test_delete_preconditions(client):
    created = await client.create(pod("p"))
    with pytest.raises(errors.Conflict, match="UID"):
        await client.delete("Pod", "p", precondition_uid="not-the-uid")
    with pytest.raises(errors.Conflict, match="ResourceVersion"):
        await client.delete("Pod", "p", precondition_resource_version="1")
    _, deleted = await client.delete("Pod", "p", precondition_uid=created.metadata.uid)
    assert deleted


async def test_owner_references_are_kept(client):
    owned = pod("child")
    ref = owned.metadata.owner_references.add()
    ref.api_version, ref.kind, ref.name, ref.uid, ref.controller = "apps/v1", "ReplicaSet", "rs", "u-1", True
    created = await client.create(owned)
    assert created.metadata.owner_references[0].uid == "u-1"


async def test_binding_assigns_a_pod_once(client):
    created = await client.create(pod("p"))
    bound = await client.bind("default", "p", "node-1", uid=created.metadata.uid,
                              annotations={"skiff.io/scores": "node-1=87"})
    assert bound.spec.node_name == "node-1"
    assert bound.metadata.annotations["skiff.io/scores"] == "node-1=87"
    assert any(c.type == "PodScheduled" and c.status == "True" for c in bound.status.conditions)
    with pytest.raises(errors.Conflict, match="already assigned"):
        await client.bind("default", "p", "node-2")
    assert (await client.get("Pod", "p")).spec.node_name == "node-1"


async def test_pod_spec_cannot_change_node_by_update(client):
    created = await client.create(pod("p", node="n1"))
    created.spec.node_name = "n2"
    with pytest.raises(errors.Invalid):
        await client.update(created)


async def test_scale_subresource(client):
    await client.create(from_yaml("""
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: busybox}]}
"""))
    scale = await client.get_scale("deploy", "web")
    assert scale.spec.replicas == 1 and scale.status.selector == "app=web"
    scaled = await client.scale("deploy", "web", 4)
    assert scaled.spec.replicas == 4
    assert (await client.get("Deployment", "web")).spec.replicas == 4
    with pytest.raises(errors.Invalid):
        await client.scale("deploy", "web", -1)
    with pytest.raises(errors.NotFound):
        await client.get_scale("Pod", "web")


async def test_concurrent_binds_of_one_pod_succeed_exactly_once(client):
    import asyncio
    await client.create(pod("contested"))
    results = await asyncio.gather(*(client.bind("default", "contested", f"node-{i}") for i in range(8)),
                                   return_exceptions=True)
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1
    assert all(isinstance(r, errors.Conflict) for r in results if isinstance(r, Exception))
    assert (await client.get("Pod", "contested")).spec.node_name == winners[0].spec.node_name
