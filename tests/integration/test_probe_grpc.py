"""The grpc probe against a real gRPC server (grpcio) on loopback: SERVING, NOT_SERVING, no health
service, nothing listening."""
from __future__ import annotations

import grpc
import pytest

from nodeagent.probes import grpc_probe
from nodeagent.probes.dialer import Dialer
from nodeagent.probes.results import Result
from tests.fixtures.etcd import free_port


@pytest.fixture
async def health_server():
    statuses: dict[str, int] = {"": 1, "db": 2}
    asked: list[bytes] = []

    def check(request: bytes, context) -> bytes:
        asked.append(request)
        service = request[2:].decode() if request else ""
        if service not in statuses:
            context.abort(grpc.StatusCode.NOT_FOUND, "unknown service")
        return b"\x08" + bytes([statuses[service]])
    handler = grpc.method_handlers_generic_handler("grpc.health.v1.Health", {
        "Check": grpc.unary_unary_rpc_method_handler(check)})
    server = grpc.aio.server()
    server.add_generic_rpc_handlers((handler,))
    port = free_port()
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    try:
        yield port, asked
    finally:
        await server.stop(0)


async def test_serving_service_succeeds_and_the_service_name_is_sent(health_server):
    port, asked = health_server
    outcome = await grpc_probe.probe(Dialer(), "127.0.0.1", port, "", 2)
    assert outcome.result is Result.SUCCESS
    assert (await grpc_probe.probe(Dialer(), "127.0.0.1", port, "db", 2)).output == \
        'service unhealthy (responded with "NOT_SERVING")'
    assert asked == [b"", b"\x0a\x02db"]


async def test_an_rpc_error_and_a_closed_port_fail_with_a_reason(health_server):
    port, _ = health_server
    unknown = await grpc_probe.probe(Dialer(), "127.0.0.1", port, "nope", 2)
    assert unknown.result is Result.FAILURE and "health rpc probe failed" in unknown.output
    closed = await grpc_probe.probe(Dialer(), "127.0.0.1", free_port(), "", 2)
    assert closed.result is Result.FAILURE
    assert closed.output.startswith('timeout: failed to connect service "127.0.0.1:')
