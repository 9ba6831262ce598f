"""A gRPC handler added through AcceptingEncoded may reply with bytes already encoded; messages still work."""
from __future__ import annotations

import grpc

from controlplane.apiserver.encoded import AcceptingEncoded
from proto import api_pb2


class Recorder:
    def __init__(self):
        self.registered, self.generic = {}, []

    def add_registered_method_handlers(self, service, handlers):
        self.registered.update(handlers)

    def add_generic_rpc_handlers(self, handlers):
        self.generic.extend(handlers)


def handler():
    return grpc.unary_unary_rpc_method_handler(
        lambda request, context: None, request_deserializer=api_pb2.MetricsRequest.FromString,
        response_serializer=api_pb2.PodMetricsList.SerializeToString)


def test_a_bytes_reply_is_sent_as_it_is_and_a_message_reply_is_serialized():
    server = Recorder()
    AcceptingEncoded(server).add_registered_method_handlers("skiff.v1.Api", {"ListPodMetrics": handler()})
    serialize = server.registered["ListPodMetrics"].response_serializer
    reply = api_pb2.PodMetricsList(items=[api_pb2.PodMetrics(timestamp="2026-01-01T00:00:00Z")])
    assert serialize(reply) == reply.SerializeToString()
    assert serialize(b"already encoded") == b"already encoded"


def test_generic_handlers_accept_bytes_too():
    server = Recorder()
    AcceptingEncoded(server).add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler("skiff.v1.Api", {"ListPodMetrics": handler()}),))

    class Details:
        method = "/skiff.v1.Api/ListPodMetrics"
        invocation_metadata = ()
    assert server.generic[0].service(Details()).response_serializer(b"x") == b"x"
    Details.method = "/skiff.v1.Api/Other"
    assert server.generic[0].service(Details()) is None
