"""A streaming call's handler finishes without touching gRPC's call object: when the caller goes away, gRPC
may free the call before the handler's generator is finalized, and asking a freed call anything (its peer,
for the audit line) crashed the API server with a segmentation fault."""
from __future__ import annotations

import asyncio
import gc
from types import SimpleNamespace

from controlplane.apiserver.service import ApiService, _api_call
from proto import api_pb2


class FreeableContext:
    """Stands in for gRPC's servicer context: records every question asked after the call was freed."""

    def __init__(self):
        self.freed = False
        self.asked_after_free: list[str] = []

    def peer(self) -> str:
        if self.freed:
            self.asked_after_free.append("peer")
        return "ipv4:127.0.0.1:40000"


class Service:
    audited_peer = ApiService.audited_peer

    def __init__(self):
        self.audited: list[str] = []
        self.security = SimpleNamespace(audit=object())  # an audit log is configured

    def authenticate(self, context):
        return None

    def audit(self, code, started_wall, rpc, request, peer):
        self.audited.append(peer)

    @_api_call
    async def Watch(self, request, context):
        while True:
            yield api_pb2.WatchEvent(type="BOOKMARK")
            await asyncio.sleep(3600)


async def test_a_stream_dropped_by_grpc_is_audited_with_the_address_read_when_the_call_began():
    service, context = Service(), FreeableContext()
    stream = service.Watch(api_pb2.WatchRequest(kind="Pod"), context)
    await stream.__anext__()  # under way, suspended inside the handler
    context.freed = True  # the caller went away and gRPC freed the call ...
    del stream  # ... and dropped the generator without closing it: the event loop finalizes it
    gc.collect()
    for _ in range(10):
        await asyncio.sleep(0)  # the loop's finalizer runs the handler's `finally`
        if service.audited:
            break
    assert service.audited == ["127.0.0.1"]
    assert context.asked_after_free == []
