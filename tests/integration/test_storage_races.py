"""Optimistic concurrency at the storage layer, on a real etcd: of two writers making the same change from
the same version, the second loses the race, even though it would write the very same bytes."""
from __future__ import annotations

import asyncio

import pytest

from api import errors
from controlplane.apiserver.storage import Storage
from tests.fixtures.pki import test_pki


@pytest.fixture
async def storage(etcd_server):
    store = Storage([etcd_server.endpoint], tls=test_pki().etcd_tls())
    await store.start()
    try:
        yield store
    finally:
        await store.close()


async def test_a_second_identical_update_from_the_same_version_is_a_conflict(storage):
    created = await storage.create(b"/registry/pods/default/counter", b"count=0")
    await storage.update(b"/registry/pods/default/counter", b"count=1", created)
    with pytest.raises(errors.Conflict):
        await storage.update(b"/registry/pods/default/counter", b"count=1", created)


async def test_identical_updates_racing_in_one_batch_let_exactly_one_through(storage):
    created = await storage.create(b"/registry/pods/default/racer", b"count=0")
    results = await asyncio.gather(*(storage.update(b"/registry/pods/default/racer", b"count=1", created)
                                     for _ in range(8)), return_exceptions=True)
    assert sum(isinstance(r, int) for r in results) == 1, results
    assert all(isinstance(r, errors.Conflict) for r in results if not isinstance(r, int)), results


async def test_a_watch_gets_previous_values_only_when_it_asks(storage):
    key = b"/registry/pods/default/watched"
    first = await storage.create(key, b"v1")

    async def events(prev_kv: bool):
        seen = []
        async for item in storage.watch(key, first + 1, prev_kv=prev_kv):
            if hasattr(item, "kv"):
                seen.append(item)
                if len(seen) == 2:
                    return seen
    second = await storage.update(key, b"v2", first)
    await storage.delete(key, second)
    plain, with_prev = await asyncio.wait_for(asyncio.gather(events(False), events(True)), 10)
    assert [(e.type, e.kv.value, e.prev) for e in plain] == [("PUT", b"v2", None), ("DELETE", b"", None)]
    assert [(e.type, e.prev.value) for e in with_prev] == [("PUT", b"v1"), ("DELETE", b"v2")]
