"""The garbage collector and the namespace controller against a real API server and etcd:
background, foreground and orphan cascades, partial ownership, and namespace deletion."""
from __future__ import annotations

from api import errors, kinds
from controlplane.controllers.core import ownership
from proto import types_pb2
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.fake_agent import fake_agent
from tests.fixtures.objects import pod as pod_object
from tests.fixtures.objects import deployment, replica_set
from tests.fixtures.wait import eventually


async def _gone(client, kind, name, namespace="default"):
    try:
        await client.get(kind, name, namespace)
        return False
    except errors.NotFound:
        return True


async def _owner_with_pods(client, n=2, node=""):
    owner = await client.create(replica_set("web", 0))
    pods = []
    for i in range(n):
        p = pod_object(f"web-{i}", labels={"app": "web"}, node=node)
        p.metadata.owner_references.append(ownership.owner_reference(owner))
        pods.append(await client.create(p))
    return owner, pods


async def test_background_deletion_removes_dependents_of_a_deleted_owner(client):
    async with running_manager(client, ["garbagecollector"]):
        _, pods = await _owner_with_pods(client)
        await client.delete("ReplicaSet", "web")
        for p in pods:
            await eventually(lambda: _gone(client, "Pod", p.metadata.name))


async def test_deployment_deletion_cascades_through_replica_sets_to_pods(client):
    async with running_manager(client, ["replicaset", "deployment", "garbagecollector"]):
        await client.create(deployment("web", 3))
        await eventually(lambda: _count(client, "Pod", 3))
        await client.delete("Deployment", "web")
        await eventually(lambda: _count(client, "ReplicaSet", 0))
        await eventually(lambda: _count(client, "Pod", 0))


async def _count(client, kind, n):
    return len((await client.list(kind, "default")).items) == n


async def test_foreground_deletion_deletes_dependents_before_the_owner(client):
    await client.create(kinds.BY_NAME["Node"].new(metadata=types_pb2.ObjectMeta(name="n1")))
    async with running_manager(client, ["garbagecollector"]):
        _, pods = await _owner_with_pods(client, node="n1")
        await client.delete("ReplicaSet", "web", propagation="Foreground")

        async def dependents_terminating():
            items = (await client.list("Pod", "default")).items
            return len(items) == 2 and all(p.metadata.deletion_timestamp for p in items)
        await eventually(dependents_terminating)
        # the owner waits, held by its finalizer, while its pods are still terminating
        owner = await client.get("ReplicaSet", "web")
        assert owner.metadata.deletion_timestamp and "foregroundDeletion" in owner.metadata.finalizers
        async with fake_agent(client, ready=False):  # confirms the pods' shutdown
            await eventually(lambda: _gone(client, "ReplicaSet", "web"))
        assert await _count(client, "Pod", 0)


async def test_orphan_deletion_leaves_dependents_without_owner_references(client):
    async with running_manager(client, ["garbagecollector"]):
        _, pods = await _owner_with_pods(client)
        await client.delete("ReplicaSet", "web", propagation="Orphan")
        await eventually(lambda: _gone(client, "ReplicaSet", "web"))
        for p in pods:
            kept = await client.get("Pod", p.metadata.name)
            assert not kept.metadata.owner_references


async def test_dependent_with_a_remaining_owner_only_loses_the_dead_reference(client):
    async with running_manager(client, ["garbagecollector"]):
        first, [p] = await _owner_with_pods(client, n=1)
        second = await client.create(replica_set("other", 0))
        p = await client.get("Pod", p.metadata.name)
        ref = ownership.owner_reference(second)
        ref.controller = False
        p.metadata.owner_references.append(ref)
        await client.update(p)
        await client.delete("ReplicaSet", "web")

        async def one_ref_left():
            refs = (await client.get("Pod", "web-0")).metadata.owner_references
            return [r.uid for r in refs] == [second.metadata.uid]
        await eventually(one_ref_left)


async def test_namespace_deletion_empties_then_removes_the_namespace(client):
    await client.create(kinds.BY_NAME["Namespace"].new(metadata=types_pb2.ObjectMeta(name="team")))
    async with running_manager(client, ["replicaset", "garbagecollector", "namespace"]):
        await client.create(replica_set("web", 3, namespace="team"))
        await client.create(pod_object("loner", namespace="team"))
        await eventually(lambda: _team_pods(client, 4))
        await client.delete("Namespace", "team", "")
        await eventually(lambda: _gone(client, "Namespace", "team", ""))
    for kind in ("Pod", "ReplicaSet"):
        assert not (await client.list(kind, "team")).items


async def _team_pods(client, n):
    return len((await client.list("Pod", "team")).items) == n
