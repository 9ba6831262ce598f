"""CRUD through the real API server and etcd: create, get, list, update, delete and their errors."""
from __future__ import annotations

import asyncio

import pytest

from api import errors, kinds, retry
from proto import types_pb2
from tests.fixtures.objects import from_yaml, pod


async def test_create_get_update_delete_round_trip(client):
    created = await client.create(pod("web", labels={"app": "web"}))
    assert created.metadata.uid and created.metadata.creation_timestamp
    assert created.metadata.resource_version.isdigit()
    assert created.status.phase == "Pending"
    assert created.spec.restart_policy == "Always"  # defaulted by the server

    got = await client.get("Pod", "web")
    assert got == created

    got.metadata.labels["tier"] = "front"
    updated = await client.update(got)
    assert int(updated.metadata.resource_version) > int(created.metadata.resource_version)
    assert (await client.get("pods", "web")).metadata.labels["tier"] == "front"

    _, deleted = await client.delete("po", "web")
    assert deleted  # never scheduled: no grace period to wait for
    with pytest.raises(errors.NotFound):
        await client.get("Pod", "web")


async def test_create_of_existing_name_is_already_exists(client):
    await client.create(pod("twin"))
    with pytest.raises(errors.AlreadyExists, match='pods "twin" already exists'):
        await client.create(pod("twin"))


async def test_get_of_missing_object_is_not_found(client):
    with pytest.raises(errors.NotFound, match='pods "ghost" not found'):
        await client.get("Pod", "ghost")
    with pytest.raises(LookupError):  # the typed errors also inherit the standard ones
        await client.get("Node", "ghost")


async def test_create_in_missing_namespace_is_not_found(client):
    with pytest.raises(errors.NotFound, match='namespaces "nowhere" not found'):
        await client.create(pod("p", namespace="nowhere"))


async def test_update_with_stale_version_conflicts(client):
    first = await client.create(pod("p"))
    fresh = await client.get("Pod", "p")
    fresh.metadata.labels["a"] = "1"
    await client.update(fresh)
    first.metadata.labels["b"] = "2"
    with pytest.raises(errors.Conflict):
        await client.update(first)
    assert "b" not in (await client.get("Pod", "p")).metadata.labels


async def test_concurrent_updaters_lose_no_update(client):
    await client.create(pod("counter"))
    workers, increments = 8, 10

    async def increment():
        async def attempt():
            current = await client.get("Pod", "counter")
            value = int(current.metadata.annotations.get("count", "0"))
            current.metadata.annotations["count"] = str(value + 1)
            await client.update(current)
        for _ in range(increments):
            await retry.on_conflict(attempt, attempts=100)

    await asyncio.gather(*(increment() for _ in range(workers)))
    final = await client.get("Pod", "counter")
    assert final.metadata.annotations["count"] == str(workers * increments)


async def test_invalid_object_reports_every_field_and_writes_nothing(client):
    bad = from_yaml("""
apiVersion: v1
kind: Pod
metadata: {name: Bad_Name, labels: {"bad key!": x}}
spec:
  containers:
  - {name: app}
  - {name: app, image: busybox, ports: [{containerPort: 70000}]}
""")
    with pytest.raises(errors.Invalid) as caught:
        await client.create(bad)
    paths = " ".join(caught.value.causes)
    for path in ("metadata.name", "metadata.labels", "spec.containers[0].image",
                 "spec.containers[1].name", "spec.containers[1].ports[0].containerPort"):
        assert path in paths, path
    assert (await client.list("Pod")).items == []


async def test_status_update_changes_only_status(client):
    created = await client.create(pod("s"))
    change = types_pb2.Pod()
    change.CopyFrom(created)
    change.status.phase = "Running"
    change.metadata.labels["ignored"] = "yes"
    updated = await client.update_status(change)
    assert updated.status.phase == "Running"
    assert "ignored" not in updated.metadata.labels
    # and a plain update cannot change status
    updated.status.phase = "Failed"
    again = await client.update(updated)
    assert again.status.phase == "Running"


async def test_spec_change_bumps_generation(client):
    rs = from_yaml("""
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: rs}
spec:
  replicas: 2
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: x}}
    spec: {containers: [{name: c, image: busybox}]}
""")
    created = await client.create(rs)
    assert created.metadata.generation == 1
    created.metadata.labels["only"] = "metadata"
    same_gen = await client.update(created)
    assert same_gen.metadata.generation == 1
    same_gen.spec.replicas = 5
    assert (await client.update(same_gen)).metadata.generation == 2


async def test_cluster_scoped_kinds_ignore_namespace(client):
    node = kinds.BY_NAME["Node"].new(metadata=types_pb2.ObjectMeta(name="n1", namespace="whatever"))
    created = await client.create(node)
    assert created.metadata.namespace == ""
    assert (await client.get("Node", "n1", namespace="other")).metadata.name == "n1"


async def test_system_namespaces_exist(client):
    names = {ns.metadata.name for ns in (await client.list("Namespace")).items}
    assert {"default", "kube-system", "kube-node-lease"} <= names


@pytest.mark.parametrize("name", ["default", "kube-system", "kube-public"])
async def test_system_namespaces_may_not_be_deleted_even_in_a_dry_run(client, name):
    for dry_run in (True, False):
        with pytest.raises(errors.Forbidden) as refused:
            await client.delete("Namespace", name, dry_run=dry_run)
        assert str(refused.value) == f'namespaces "{name}" is forbidden: this namespace may not be deleted'
    assert not (await client.get("Namespace", name)).metadata.deletion_timestamp


async def test_generate_name_gives_a_unique_name(client):
    p = pod("")
    p.metadata.generate_name = "web-"
    a = await client.create(p)
    b = await client.create(p)
    assert a.metadata.name.startswith("web-") and b.metadata.name.startswith("web-")
    assert a.metadata.name != b.metadata.name


async def test_oversize_request_is_refused_clearly(client):
    big = pod("big")
    big.metadata.annotations["blob"] = "x" * (4 * 1024 * 1024)  # past the 3 MiB request limit
    with pytest.raises(errors.TooLarge, match="too large"):
        await client.create(big)
    with pytest.raises(errors.NotFound):
        await client.get("Pod", "big")


async def test_version_answers(client):
    info = await client.version()
    assert info.version.startswith("v")


async def test_concurrent_creates_of_one_name_succeed_exactly_once(client):
    results = await asyncio.gather(*(client.create(pod("same")) for _ in range(10)),
                                   *(client.create(pod(f"other-{i}")) for i in range(10)),
                                   return_exceptions=True)
    same = results[:10]
    assert sum(not isinstance(r, Exception) for r in same) == 1
    assert all(isinstance(r, errors.AlreadyExists) for r in same if isinstance(r, Exception))
    assert all(not isinstance(r, Exception) for r in results[10:])
    assert len((await client.list("Pod")).items) == 11


async def test_get_at_resource_version_0_answers_from_the_cache_and_a_missing_object_is_not_found(client):
    created = await client.create(pod("cached"))
    got = await client.get("Pod", "cached", resource_version="0")
    assert got.metadata.uid == created.metadata.uid  # the cache has it, or etcd answered for it
    got.metadata.labels["tier"] = "front"  # a caller's copy, not the cache's object
    await client.update(got)
    assert (await client.get("Pod", "cached")).metadata.labels["tier"] == "front"
    with pytest.raises(errors.NotFound):
        await client.get("Pod", "never-made", resource_version="0")
