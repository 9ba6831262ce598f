"""List filtering in the server (label and field selectors) and pagination."""
from __future__ import annotations

import asyncio

import pytest

from api import errors, kinds
from proto import types_pb2
from tests.fixtures.objects import pod


async def test_label_selectors_filter_in_the_server(client):
    await client.create(pod("a", labels={"app": "web", "tier": "front"}))
    await client.create(pod("b", labels={"app": "web", "tier": "back"}))
    await client.create(pod("c", labels={"app": "db"}))

    async def names(selector):
        return sorted(p.metadata.name for p in (await client.list("Pod", label_selector=selector)).items)

    assert await names("app=web") == ["a", "b"]
    assert await names("app==web,tier!=back") == ["a"]
    assert await names("tier in (front, back)") == ["a", "b"]
    assert await names("app notin (web)") == ["c"]
    assert await names("tier") == ["a", "b"]
    assert await names("!tier") == ["c"]


async def test_field_selectors_filter_in_the_server(client):
    await client.create(pod("on-n1", node="n1"))
    await client.create(pod("on-n2", node="n2"))
    await client.create(pod("pending"))
    on_n1 = await client.list("Pod", field_selector="spec.nodeName=n1")
    assert [p.metadata.name for p in on_n1.items] == ["on-n1"]
    unbound = await client.list("Pod", field_selector="spec.nodeName=")
    assert [p.metadata.name for p in unbound.items] == ["pending"]
    by_name = await client.list("Pod", field_selector="metadata.name!=pending,status.phase=Pending")
    assert sorted(p.metadata.name for p in by_name.items) == ["on-n1", "on-n2"]


async def test_bad_selectors_are_invalid(client):
    with pytest.raises(errors.Invalid, match="label selector"):
        await client.list("Pod", label_selector="app in web")
    with pytest.raises(errors.Invalid, match="spec.foo"):
        await client.list("Pod", field_selector="spec.foo=bar")


async def test_list_is_limited_to_a_namespace(client):
    await client.create(kinds.BY_NAME["Namespace"].new(metadata=types_pb2.ObjectMeta(name="other")))
    await client.create(pod("here"))
    await client.create(pod("there", namespace="other"))
    assert [p.metadata.name for p in (await client.list("Pod", namespace="other")).items] == ["there"]
    assert len((await client.list("Pod")).items) == 2


async def test_pagination_over_5000_objects(client):
    lease = kinds.BY_NAME["Lease"]
    semaphore = asyncio.Semaphore(64)

    async def make(i):
        async with semaphore:
            await client.create(lease.new(metadata=types_pb2.ObjectMeta(name=f"lease-{i:05d}")))

    await asyncio.gather(*(make(i) for i in range(5000)))
    seen, token, pages = [], "", 0
    first_version = None
    while True:
        page = await client.list_page("Lease", limit=700, continue_token=token)
        first_version = first_version or page.resource_version
        assert page.resource_version == first_version  # every page is read at one revision
        assert len(page.items) <= 700
        seen += [o.metadata.name for o in page.items]
        pages += 1
        token = page.continue_token
        if not token:
            break
    assert pages == 8
    assert seen == sorted(seen) and len(set(seen)) == 5000


async def test_no_page_exceeds_the_message_size(client):
    lease = kinds.BY_NAME["Lease"]
    blob = "x" * 200_000  # annotations may hold 256 KiB at most
    for i in range(40):  # 8 MB in all, twice gRPC's default 4 MiB message
        await client.create(lease.new(metadata=types_pb2.ObjectMeta(name=f"big-{i:02d}",
                                                                    annotations={"blob": blob})))
    token, sizes, names = "", [], []
    while True:
        page = await client.list_page("Lease", continue_token=token)  # no limit asked
        sizes.append(sum(o.ByteSize() for o in page.items))
        names += [o.metadata.name for o in page.items]
        token = page.continue_token
        if not token:
            break
    assert len(sizes) > 1  # the server cut pages by size
    assert max(sizes) < 4 * 1024 * 1024
    assert len(names) == len(set(names)) == 40
    assert len((await client.list("Lease")).items) == 40  # the client follows continue tokens itself
