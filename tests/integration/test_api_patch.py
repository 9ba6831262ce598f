"""The Patch verb through the real API server and etcd: strategic merge, JSON merge and JSON patch on
every kind, resourceVersion preconditions, the status subresource, field validation and dry runs."""
from __future__ import annotations

import asyncio

import pytest

from api import errors
from tests.fixtures.objects import deployment, pod


async def test_strategic_merge_adds_a_container_and_keeps_the_others(client):
    await client.create(pod("web"))
    patched = await client.patch("Pod", "web", {"metadata": {"labels": {"tier": "front"}}})
    assert patched.metadata.labels["tier"] == "front"
    deploy = await client.create(deployment("web", 2))
    patched = await client.patch("Deployment", "web", {"spec": {"template": {"spec": {"containers": [
        {"name": "sidecar", "image": "busybox:1.36"}]}}}})
    assert [c.name for c in patched.spec.template.spec.containers] == ["app", "sidecar"]
    assert patched.metadata.generation == deploy.metadata.generation + 1
    assert patched.spec.replicas == 2


async def test_merge_patch_replaces_lists_and_json_patch_edits_by_path(client):
    await client.create(deployment("web", 2))
    merged = await client.patch("deploy", "web", {"spec": {"template": {"spec": {"containers": [
        {"name": "other", "image": "busybox:1.37"}]}}}}, patch_type="merge")
    assert [c.name for c in merged.spec.template.spec.containers] == ["other"]
    edited = await client.patch("deploy", "web", [{"op": "replace", "path": "/spec/replicas", "value": 5}],
                                patch_type="json")
    assert edited.spec.replicas == 5
    with pytest.raises(errors.Invalid, match="patch: Invalid value"):
        await client.patch("deploy", "web", [{"op": "test", "path": "/spec/replicas", "value": 1}],
                           patch_type="json")


async def test_a_stale_resource_version_in_the_patch_conflicts(client):
    created = await client.create(pod("web"))
    await client.patch("Pod", "web", {"metadata": {"labels": {"a": "1"}}})
    with pytest.raises(errors.Conflict, match="the object has been modified"):
        await client.patch("Pod", "web", {"metadata": {"resourceVersion": created.metadata.resource_version,
                                                       "labels": {"a": "2"}}})
    assert (await client.get("Pod", "web")).metadata.labels["a"] == "1"


async def test_status_is_patched_only_through_the_status_subresource(client):
    await client.create(pod("web"))
    ignored = await client.patch("Pod", "web", {"status": {"phase": "Running"}})
    assert ignored.status.phase == "Pending"  # the main resource keeps the stored status
    running = await client.patch("Pod", "web", {"status": {"phase": "Running", "conditions": [
        {"type": "Ready", "status": "True"}]}}, subresource="status")
    assert running.status.phase == "Running"
    kept = await client.patch("Pod", "web", {"metadata": {"labels": {"x": "y"}}, "status": {"phase": "Failed"}},
                              subresource="status")
    assert kept.status.phase == "Failed" and "x" not in kept.metadata.labels  # status only


async def test_unknown_fields_in_a_patch_are_refused_under_strict_and_warned_under_warn(client):
    await client.create(pod("web"))
    bad = {"spec": {"containers": [{"name": "app", "imagee": "x"}]}}
    with pytest.raises(errors.BadRequest, match=r'strict decoding error: unknown field "spec.containers\[0\].imagee"'):
        await client.patch("Pod", "web", bad)
    warnings: list[str] = []
    client.on_warning = warnings.append
    await client.patch("Pod", "web", bad, field_validation="Warn", dry_run=True)
    assert warnings == ['unknown field "spec.containers[0].imagee"']


async def test_a_dry_run_patch_answers_the_result_and_writes_nothing(client):
    created = await client.create(pod("web"))
    answered = await client.patch("Pod", "web", {"metadata": {"labels": {"a": "1"}}}, dry_run=True)
    assert answered.metadata.labels["a"] == "1"
    assert await client.get("Pod", "web") == created


async def test_concurrent_patches_each_land_on_the_latest_version(client):
    await client.create(pod("web"))
    await asyncio.gather(*(client.patch("Pod", "web", {"metadata": {"labels": {f"k{i}": "v"}}})
                           for i in range(10)))
    assert len((await client.get("Pod", "web")).metadata.labels) == 10


async def test_patching_what_does_not_exist_is_not_found(client):
    with pytest.raises(errors.NotFound, match='pods "ghost" not found'):
        await client.patch("Pod", "ghost", {"metadata": {"labels": {"a": "1"}}})
