"""Watch through the API server's watch cache: events, resume, bookmarks, too-old, fan-out."""
from __future__ import annotations

import asyncio

import pytest

from api import errors
from tests.fixtures.objects import pod

DEADLINE = 10.0


async def collect(stream, count: int, types=("ADDED", "MODIFIED", "DELETED")):
    """The next `count` events of the given types from a watch stream, within the deadline."""
    events = []

    async def take():
        async for event in stream:
            if event.type in types:
                events.append(event)
                if len(events) == count:
                    return
    await asyncio.wait_for(take(), DEADLINE)
    return events


async def test_watch_sends_added_modified_deleted(client):
    start = (await client.list("Pod")).resource_version
    stream = client.watch("Pod", resource_version=start)
    created = await client.create(pod("w", labels={"v": "1"}))
    created.metadata.labels["v"] = "2"
    await client.update(created)
    await client.delete("Pod", "w")
    events = await collect(stream, 3)
    await stream.aclose()
    assert [e.type for e in events] == ["ADDED", "MODIFIED", "DELETED"]
    assert events[1].object.metadata.labels["v"] == "2"
    versions = [int(e.resource_version) for e in events]
    assert versions == sorted(versions)


async def test_a_burst_of_changes_reaches_a_watcher_whole_and_in_order(client):
    # Events waiting for a watcher travel several to a message: none may be lost, repeated or reordered.
    start = (await client.list("Pod")).resource_version
    stream = client.watch("Pod", resource_version=start)
    await asyncio.gather(*(client.create(pod(f"burst-{i}")) for i in range(300)))
    events = await collect(stream, 300)
    await stream.aclose()
    assert sorted(e.object.metadata.name for e in events) == sorted(f"burst-{i}" for i in range(300))
    versions = [int(e.resource_version) for e in events]
    assert versions == sorted(versions)  # (writes committed together share a revision)


async def test_watch_without_version_lists_current_objects_first(client):
    await client.create(pod("old"))
    stream = client.watch("Pod")
    first = await collect(stream, 1)
    await stream.aclose()
    assert first[0].type == "ADDED" and first[0].object.metadata.name == "old"


async def test_watch_resumes_from_a_version_without_losing_events(client):
    start = (await client.list("Pod")).resource_version
    stream = client.watch("Pod", resource_version=start)
    await client.create(pod("one"))
    [added] = await collect(stream, 1)
    await stream.aclose()
    # changes while nobody watches
    await client.create(pod("two"))
    await client.delete("Pod", "one")
    stream = client.watch("Pod", resource_version=added.resource_version)
    events = await collect(stream, 2)
    await stream.aclose()
    assert [(e.type, e.object.metadata.name) for e in events] == [("ADDED", "two"), ("DELETED", "one")]


async def test_filtered_watch_sees_objects_leave_its_selection(client):
    start = (await client.list("Pod")).resource_version
    stream = client.watch("Pod", label_selector="app=web", resource_version=start)
    created = await client.create(pod("p", labels={"app": "web"}))
    created.metadata.labels["app"] = "db"
    await client.update(created)
    events = await collect(stream, 2)
    await stream.aclose()
    assert [e.type for e in events] == ["ADDED", "DELETED"]


async def test_bookmarks_arrive_periodically(client):
    start = (await client.list("Pod")).resource_version
    stream = client.watch("Pod", resource_version=start, bookmarks=True)
    [bookmark] = await collect(stream, 1, types=("BOOKMARK",))
    await stream.aclose()
    assert int(bookmark.resource_version) >= int(start)


async def test_watch_from_a_compacted_version_is_too_old(etcd_server, apiserver_running, client):
    first = await client.create(pod("a"))
    for i in range(5):
        await client.create(pod(f"b{i}"))
    revision = int((await client.list("Pod")).resource_version)
    await apiserver_running.registry.storage.compact(revision)
    # a fresh API server's cache starts after the compaction: the old version is gone
    from tests.fixtures.apiserver import admin_client, start_apiserver
    fresh = await start_apiserver([etcd_server.endpoint])
    try:
        async with admin_client(fresh.address) as other:
            with pytest.raises(errors.Expired, match="too old"):
                await collect(other.watch("Pod", resource_version=first.metadata.resource_version), 1)
            page = await other.list_page("Pod", limit=2)
            await other.create(pod("later"))
            newest = int((await other.list("Pod")).resource_version)
            await fresh.registry.storage.compact(newest)
            with pytest.raises(errors.Expired, match="continue token is too old"):
                await other.list_page("Pod", limit=2, continue_token=page.continue_token)
    finally:
        await fresh.stop(grace=0)


def _etcd_watchers(etcd_server) -> float:
    for line in etcd_server.metrics().splitlines():
        if line.startswith("etcd_debugging_mvcc_watcher_total "):
            return float(line.split()[1])
    raise AssertionError("etcd did not report its watcher count")


async def test_many_watchers_share_one_etcd_watch_per_kind(etcd_server, client):
    before = _etcd_watchers(etcd_server)
    start = (await client.list("Pod")).resource_version
    streams = [client.watch("Pod", resource_version=start) for _ in range(200)]
    created = await client.create(pod("fanout"))
    results = await asyncio.gather(*(collect(s, 1) for s in streams))
    for s in streams:
        await s.aclose()
    assert all(r[0].object.metadata.uid == created.metadata.uid for r in results)
    assert _etcd_watchers(etcd_server) == before


async def test_one_client_opening_thousands_of_watches_at_once_gets_every_one(client):
    # Above gRPC's default pending-call limits (1,000 soft, 3,000 hard), which cancelled most of them.
    count, opened = 4000, 0

    async def one():
        nonlocal opened
        async for _ in client.watch("Node", resource_version="1"):  # the first event is a bookmark
            opened += 1
            return
    watches = asyncio.gather(*(one() for _ in range(count)))
    try:
        await asyncio.wait_for(asyncio.shield(watches), 120)
    finally:
        watches.cancel()
        await asyncio.gather(watches, return_exceptions=True)
    assert opened == count
