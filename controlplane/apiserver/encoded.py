"""Replies the API server already holds encoded: a handler may return bytes, which gRPC then sends as
they are instead of serializing a message (the metrics API keeps each sample in its wire form).
"""
from __future__ import annotations

import grpc


def _passing_bytes(serialize):
    def reply_bytes(reply) -> bytes:
        return reply if isinstance(reply, bytes) else serialize(reply)
    return reply_bytes


def _accepting(handler: grpc.RpcMethodHandler | None) -> grpc.RpcMethodHandler | None:
    if handler is None or handler.response_serializer is None:
        return handler
    return handler._replace(response_serializer=_passing_bytes(handler.response_serializer))


class _Generic(grpc.GenericRpcHandler):
    def __init__(self, inner: grpc.GenericRpcHandler):
        self.inner = inner

    def service(self, handler_call_details):
        return _accepting(self.inner.service(handler_call_details))


class AcceptingEncoded:
    """The server as a generated add_*Servicer_to_server sees it: each handler added through it may
    return bytes already encoded as its reply message."""

    def __init__(self, server: grpc.aio.Server):
        self.server = server

    def add_registered_method_handlers(self, service: str, handlers: dict[str, grpc.RpcMethodHandler]) -> None:
        self.server.add_registered_method_handlers(service, {m: _accepting(h) for m, h in handlers.items()})

    def add_generic_rpc_handlers(self, handlers) -> None:
        self.server.add_generic_rpc_handlers(tuple(_Generic(h) for h in handlers))
