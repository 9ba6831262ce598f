"""Faults: an etcd restart and an API server restart lose no data and no event, and everything heals."""
from __future__ import annotations

import asyncio
import socket

import pytest

from api import errors
from api.informer import Informer
from tests.fixtures.apiserver import admin_client, start_apiserver
from tests.fixtures.objects import pod
from tests.fixtures.wait import eventually

DEADLINE = 20.0


async def test_etcd_restart_fails_requests_as_unavailable_then_recovers(etcd_server, client):
    await client.create(pod("before"))
    start = (await client.list("Pod")).resource_version
    stream = client.watch("Pod", resource_version=start)
    seen: list[str] = []

    async def watch():
        async for event in stream:
            if event.type == "ADDED":
                seen.append(event.object.metadata.name)

    watcher = asyncio.create_task(watch())
    try:
        etcd_server.stop()
        with pytest.raises(errors.Unavailable):
            await client.create(pod("during"))
        etcd_server.start()

        async def created_after():
            try:
                await client.create(pod("after"))
                return True
            except errors.Unavailable:
                return False
        await eventually(created_after)
        for i in range(3):
            await client.create(pod(f"more-{i}"))
        await eventually(lambda: len(seen) == 4)
        assert seen == ["after", "more-0", "more-1", "more-2"]
        names = sorted(p.metadata.name for p in (await client.list("Pod")).items)
        assert names == ["after", "before", "more-0", "more-1", "more-2"]
    finally:
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
        await stream.aclose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_informer_follows_an_api_server_restart(etcd_server):
    address = f"127.0.0.1:{_free_port()}"
    server = await start_apiserver([etcd_server.endpoint], address)
    client = admin_client(address)
    informer = Informer(client, "Pod")
    events: list[tuple[str, str]] = []
    informer.add_handlers(on_add=lambda o: events.append(("add", o.metadata.name)),
                          on_delete=lambda o: events.append(("delete", o.metadata.name)))
    try:
        await client.create(pod("keep"))
        await client.create(pod("drop"))
        informer.start()
        await informer.wait_synced(DEADLINE)
        await eventually(lambda: {k for k in informer.keys()} == {"default/keep", "default/drop"})

        await server.stop(grace=0)
        # while the API server is away, the world changes underneath it
        other = await start_apiserver([etcd_server.endpoint], "127.0.0.1:0")
        async with admin_client(other.address) as c:
            await c.delete("Pod", "drop")
            await c.create(pod("new"))
        await other.stop(grace=0)

        server = await start_apiserver([etcd_server.endpoint], address)
        await eventually(lambda: set(informer.keys()) == {"default/keep", "default/new"})
        assert ("delete", "drop") in events and ("add", "new") in events, events
        await client.create(pod("live"))
        await eventually(lambda: informer.get("default/live") is not None)
    finally:
        await informer.stop()
        await client.close()
        await server.stop(grace=0)


async def test_a_dead_etcd_endpoint_fails_over_to_the_next(etcd_server):
    dead = f"127.0.0.1:{_free_port()}"  # nothing listens here
    server = await start_apiserver([dead, etcd_server.endpoint], "127.0.0.1:0")
    try:
        async with admin_client(server.address) as client:
            async def created():
                try:
                    await client.create(pod("via-second-endpoint"))
                    return True
                except errors.Unavailable:
                    return False
            await eventually(created)
            assert server.registry.storage.endpoint == etcd_server.endpoint
    finally:
        await server.stop(grace=0)
