"""Every registered kind goes through create, get, list, watch, update, patch and delete with the API's generic
rules: registering a kind (proto/api.proto and resources/<kind>.py, with its `sample`) tests it here."""
from __future__ import annotations

import asyncio

import pytest

from api import errors, kinds, manifest
from controlplane.apiserver import resources

EVENT_DEADLINE_S = 10.0


def sample(kind: kinds.Kind):
    body = {"apiVersion": kind.api_version, "kind": kind.name, **resources.for_kind(kind).sample}
    obj, warnings = manifest.from_dict(body, f"{kind.name} sample")
    assert not warnings, f"the {kind.name} sample has unknown fields: {warnings}"
    return obj


async def next_change(stream):
    """The next event that is not a BOOKMARK, within a deadline."""
    while True:
        event = await asyncio.wait_for(anext(stream), EVENT_DEADLINE_S)
        if event.type != "BOOKMARK":
            return event


@pytest.mark.parametrize("kind", kinds.KINDS, ids=lambda k: k.name)
async def test_every_kind_is_created_read_listed_watched_updated_patched_and_deleted(client, kind):
    created = await client.create(sample(kind))
    name = created.metadata.name
    namespace = "default" if kind.namespaced else ""
    assert created.kind == kind.name and created.api_version == kind.api_version
    assert created.metadata.uid and created.metadata.resource_version.isdigit()
    assert created.metadata.namespace == namespace

    assert await client.get(kind, name, namespace or "default") == created
    listed = await client.list(kind, namespace, field_selector=f"metadata.name={name}")
    assert [o.metadata.uid for o in listed.items] == [created.metadata.uid]

    stream = client.watch(kind, namespace, field_selector=f"metadata.name={name}",
                          resource_version=created.metadata.resource_version)
    try:
        changed = await client.get(kind, name, namespace or "default")
        changed.metadata.labels["walked"] = "yes"
        updated = await client.update(changed)
        assert updated.metadata.labels["walked"] == "yes"
        assert int(updated.metadata.resource_version) > int(created.metadata.resource_version)
        event = await next_change(stream)
        assert (event.type, event.object.metadata.labels["walked"]) == ("MODIFIED", "yes")

        patched = await client.patch(kind, name, {"metadata": {"labels": {"patched": "yes"}}}, namespace or "default")
        # a kind may label its objects itself (a Job takes its template's labels): those stay as created
        assert patched.metadata.labels == {**created.metadata.labels, "walked": "yes", "patched": "yes"}
        event = await next_change(stream)
        assert (event.type, event.object.metadata.labels["patched"]) == ("MODIFIED", "yes")

        stale = changed  # still at the version before the update
        stale.metadata.labels["walked"] = "twice"
        with pytest.raises(errors.Conflict):
            await client.update(stale)

        gone, deleted = await client.delete(kind, name, namespace or "default")
        event = await next_change(stream)
        if deleted:  # removed at once
            assert event.type == "DELETED"
            with pytest.raises(errors.NotFound):
                await client.get(kind, name, namespace or "default")
        else:  # held by its kind's finalizers (a Namespace): marked for deletion
            assert event.type == "MODIFIED" and event.object.metadata.deletion_timestamp
            assert gone.metadata.deletion_timestamp
    finally:
        await stream.aclose()


def test_every_registered_kind_has_a_strategy_and_a_valid_sample():
    for kind in kinds.KINDS:
        obj = sample(kind)
        resources.default(obj)
        assert resources.validate(obj) == [], kind.name
