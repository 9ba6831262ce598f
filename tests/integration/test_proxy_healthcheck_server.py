"""The health-check server on loopback: a listener per port opened and closed as the checks change, each
answering the current count (no restart when only the count changes)."""
from __future__ import annotations

import asyncio
import json
import socket

import pytest

from nodeagent.proxy.healthcheck import HealthCheck, HealthCheckServer
from tests.fixtures.http import fetch


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _get(port: int, path: str = "/healthz") -> tuple[int, dict]:
    status, body = await asyncio.to_thread(fetch, "127.0.0.1", "node", path, port, None, 5.0)
    return status, json.loads(body)


async def test_listeners_follow_the_checks_and_answer_the_current_count():
    server = HealthCheckServer("127.0.0.1")
    port = _free_port()
    try:
        await server.update({port: HealthCheck("shop", "web", 0)}, proxy_healthy=True)
        status, body = await _get(port)
        assert status == 503 and body["localEndpoints"] == 0
        await server.update({port: HealthCheck("shop", "web", 1)}, proxy_healthy=True)
        status, body = await _get(port, "/any/path")
        assert status == 200 and body == {"service": {"namespace": "shop", "name": "web"}, "localEndpoints": 1,
                                          "serviceProxyHealthy": True}
        await server.update({}, proxy_healthy=True)
        with pytest.raises(ConnectionRefusedError):
            await _get(port)
    finally:
        await server.stop()


async def test_a_port_taken_by_another_program_is_skipped_and_tried_again():
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    server = HealthCheckServer("127.0.0.1")
    try:
        await server.update({port: HealthCheck("shop", "web", 1)}, proxy_healthy=True)
        assert port not in server.listening
        taken.close()
        await server.update({port: HealthCheck("shop", "web", 1)}, proxy_healthy=True)
        assert (await _get(port))[0] == 200
    finally:
        taken.close()
        await server.stop()
