"""REST watches: events as JSON lines from a resourceVersion, initial events ended by a bookmark
(`sendInitialEvents`), label selectors, and deletecollection seen as DELETED events."""
from __future__ import annotations

import asyncio
import json

import pytest

from tests.fixtures import objects

pytestmark = pytest.mark.integration

PODS = "/api/v1/namespaces/default/pods"


async def _events(response, n: int) -> list[dict]:
    return [json.loads(await asyncio.wait_for(response.content.readline(), 10)) for _ in range(n)]


async def test_watch_from_a_version_sends_later_changes_only(rest, client):
    before = await client.create(objects.pod("old", labels={"app": "web"}))
    async with rest.get(f"{PODS}?watch=1&resourceVersion={before.metadata.resource_version}"
                        f"&labelSelector=app%3Dweb") as r:
        await client.create(objects.pod("other", labels={"app": "db"}))
        new = await client.create(objects.pod("new", labels={"app": "web"}))
        (event,) = await _events(r, 1)
    assert event["type"] == "ADDED" and event["object"]["metadata"]["name"] == "new"
    assert event["object"]["metadata"]["resourceVersion"] == new.metadata.resource_version


async def test_send_initial_events_ends_with_a_bookmark(rest, client):
    for name in ("a", "b"):
        await client.create(objects.pod(name))
    query = "watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true"
    async with rest.get(f"{PODS}?{query}") as r:
        events = await _events(r, 3)
    assert [e["type"] for e in events] == ["ADDED", "ADDED", "BOOKMARK"]
    assert sorted(e["object"]["metadata"]["name"] for e in events[:2]) == ["a", "b"]
    assert events[2]["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}


async def test_delete_collection_removes_what_the_selector_picks(rest, client):
    for name, app in (("w1", "web"), ("w2", "web"), ("d1", "db")):
        await client.create(objects.pod(name, labels={"app": app}))
    async with rest.delete(f"{PODS}?labelSelector=app%3Dweb&gracePeriodSeconds=0") as r:
        assert r.status == 200
        body = await r.json()
    assert sorted(i["metadata"]["name"] for i in body["items"]) == ["w1", "w2"]
    left = await client.list("Pod", "default")
    assert [p.metadata.name for p in left.items] == ["d1"]


async def test_watch_timeout_seconds_ends_the_stream(rest):
    async with rest.get(f"{PODS}?watch=1&timeoutSeconds=1") as r:
        assert await asyncio.wait_for(r.read(), 10) == b""


async def test_watch_asking_for_bookmarks_ends_its_timeout_with_one_at_the_latest_version(rest, client):
    start = (await client.list("Pod")).resource_version
    async with rest.get(f"{PODS}?watch=1&resourceVersion={start}&allowWatchBookmarks=true&timeoutSeconds=2") as r:
        created = await client.create(objects.pod("seen"))
        lines = (await asyncio.wait_for(r.read(), 10)).splitlines()
    events = [json.loads(line) for line in lines]
    assert [e["object"]["metadata"]["name"] for e in events if e["type"] == "ADDED"] == ["seen"]
    assert events[-1]["type"] == "BOOKMARK"
    assert int(events[-1]["object"]["metadata"]["resourceVersion"]) >= int(created.metadata.resource_version)
