"""A watch without resourceVersion delivers the whole current state, then changes, whatever the count
(more than the 10,000 events a watcher may have queued)."""
from __future__ import annotations

import asyncio

from api.client import Client
from controlplane.apiserver import watchcache
from tests.fixtures.objects import pod

COUNT = watchcache.WATCHER_QUEUE + 500


async def _create_many(client: Client, count: int, prefix: str) -> None:
    pending = iter(range(count))

    async def worker():
        for i in pending:
            await client.create(pod(f"{prefix}-{i}"))
    await asyncio.gather(*(worker() for _ in range(64)))


async def test_watch_from_now_delivers_more_than_the_queue_then_changes(client):
    await _create_many(client, COUNT, "p")
    seen: set[str] = set()
    stream = client.watch("Pod", bookmarks=False)
    try:
        async with asyncio.timeout(120):
            async for event in stream:
                assert event.type == "ADDED"
                seen.add(event.object.metadata.name)
                if len(seen) == COUNT:
                    break
            await client.create(pod("after"))
            async for event in stream:
                assert (event.type, event.object.metadata.name) == ("ADDED", "after")
                break
    finally:
        await stream.aclose()
    assert seen == {f"p-{i}" for i in range(COUNT)}
