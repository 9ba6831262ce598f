"""`get -w`: list, then stream every change, surviving API server restarts.

A dropped watch resumes from the last resourceVersion seen, with backoff and a fresh connection;
a version that is too old (Expired) means list again.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from google.protobuf.message import Message

from api import errors, retry
from api.client import Client
from api.kinds import Kind

Emit = Callable[[str, Message], None]
_RETRYABLE = (errors.Unavailable, errors.Timeout, errors.Internal)


@dataclass(frozen=True)
class Query:
    kind: Kind
    namespace: str = ""
    label_selector: str = ""
    field_selector: str = ""


async def follow(connect: Callable[[], Client], query: Query, on_list: Callable[[list[Message]], None],
                 on_event: Emit, backoff: retry.Backoff | None = None) -> None:
    """Call on_list with the current objects, then on_event(type, obj) per change; runs until cancelled."""
    backoff = backoff or retry.Backoff(base=0.2, cap=5.0)
    client = connect()
    try:
        listed = await _list(client, query)  # a server that is down now is the user's error to see
        on_list(listed.items)
        version = listed.resource_version
        while True:
            try:
                async for event in client.watch(query.kind, query.namespace, query.label_selector,
                                                query.field_selector, resource_version=version):
                    backoff.reset()
                    if event.type == "BOOKMARK":
                        version = event.resource_version or version
                        continue
                    version = event.object.metadata.resource_version or version
                    on_event(event.type, event.object)
            except errors.Expired:
                listed = await _relist(client, query, backoff)
                version = listed.resource_version
                for obj in listed.items:
                    on_event("ADDED", obj)
                continue
            except _RETRYABLE:
                pass
            # the stream ended or broke: reconnect on a fresh channel, which does not inherit
            # gRPC's growing reconnect backoff from the old one
            await backoff.wait()
            await client.close()
            client = connect()
    finally:
        await client.close()


async def _list(client: Client, query: Query):
    return await client.list(query.kind, query.namespace, query.label_selector, query.field_selector)


async def _relist(client: Client, query: Query, backoff: retry.Backoff):
    while True:
        try:
            return await _list(client, query)
        except _RETRYABLE:
            await backoff.wait()
