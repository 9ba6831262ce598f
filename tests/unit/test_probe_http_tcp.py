"""HTTP and TCP probes against real servers on 127.0.0.1: codes, headers, timeouts, refusals, HTTPS."""
from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import ssl
import subprocess

import pytest

from nodeagent.probes import http_probe, tcp_probe
from nodeagent.probes.dialer import Dialer
from nodeagent.probes.results import Result

HOST = "127.0.0.1"


@contextlib.asynccontextmanager
async def http_server(ssl_context=None, hang: bool = False):
    """Answers GET /code/<n> with status n; records each request's head in `requests`."""
    requests: list[str] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode()
            requests.append(head)
            if hang:
                await asyncio.sleep(30)
            path = head.split(" ", 2)[1]
            code = int(path.rsplit("/", 1)[1]) if path.startswith("/code/") else 200
            writer.write(f"HTTP/1.1 {code} Whatever\r\nContent-Length: 2\r\n\r\nok".encode())
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, HOST, 0, ssl=ssl_context)
    try:
        yield server.sockets[0].getsockname()[1], requests
    finally:
        server.close()
        await server.wait_closed()


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


async def get(port: int, path: str = "/", headers=(), timeout: float = 2.0, scheme: str = "HTTP"):
    return await http_probe.probe(Dialer(), scheme, HOST, port, path, list(headers), timeout)


@pytest.mark.parametrize("code,result", [(200, Result.SUCCESS), (302, Result.SUCCESS), (399, Result.SUCCESS),
                                         (404, Result.FAILURE), (500, Result.FAILURE)])
async def test_http_status_200_to_399_is_success(code, result):
    async with http_server() as (port, _):
        outcome = await get(port, f"/code/{code}")
    assert outcome.result is result


async def test_http_failure_names_the_status_code():
    async with http_server() as (port, _):
        outcome = await get(port, "/code/404")
    assert outcome.output == "HTTP probe failed with statuscode: 404"


async def test_http_probe_sends_path_default_headers_and_its_own():
    async with http_server() as (port, requests):
        await get(port, "/healthz?full=1", headers=[("X-Probe", "yes"), ("Host", "example.test")])
    head = requests[0]
    assert head.startswith("GET /healthz?full=1 HTTP/1.1\r\n")
    assert "X-Probe: yes" in head and "Host: example.test" in head
    assert f"Host: {HOST}" not in head  # the probe's Host replaces the default
    assert "User-Agent: skiff-probe/" in head and "Connection: close" in head


async def test_http_probe_that_gets_no_answer_in_time_fails():
    async with http_server(hang=True) as (port, _):
        outcome = await get(port, timeout=0.2)
    assert outcome.result is Result.FAILURE
    assert "Client.Timeout exceeded" in outcome.output


async def test_http_probe_to_a_closed_port_fails_with_connection_refused():
    port = free_port()
    outcome = await get(port)
    assert outcome.result is Result.FAILURE
    assert outcome.output == f'Get "http://{HOST}:{port}/": dial tcp {HOST}:{port}: connect: connection refused'


async def test_http_probe_to_a_server_that_closes_at_once_fails():
    async def close(reader, writer):
        writer.close()
    server = await asyncio.start_server(close, HOST, 0)
    try:
        outcome = await get(server.sockets[0].getsockname()[1])
    finally:
        server.close()
        await server.wait_closed()
    assert outcome.result is Result.FAILURE


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl to make a certificate")
async def test_https_probe_skips_certificate_verification(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    await asyncio.to_thread(subprocess.run, [
        "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=nobody",
        "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    async with http_server(context) as (port, requests):
        outcome = await get(port, "/code/204", scheme="HTTPS")
    assert outcome.result is Result.SUCCESS and requests


async def test_tcp_probe_succeeds_on_a_listening_port():
    async with http_server() as (port, _):
        outcome = await tcp_probe.probe(Dialer(), HOST, port, 1.0)
    assert outcome.result is Result.SUCCESS


async def test_tcp_probe_fails_on_a_closed_port():
    port = free_port()
    outcome = await tcp_probe.probe(Dialer(), HOST, port, 1.0)
    assert (outcome.result, outcome.output) == (Result.FAILURE,
                                                f"dial tcp {HOST}:{port}: connect: connection refused")


def test_ipv6_hosts_are_bracketed_in_urls():
    assert http_probe.url("HTTP", "fd00::1", 80, "ready") == "http://[fd00::1]:80/ready"
