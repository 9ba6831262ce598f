"""A minimal HTTP server and sequential load generator for data-path benchmarks, run inside network
namespaces: one keep-alive connection, or a new connection per request; latencies in seconds."""
from __future__ import annotations

import asyncio
import socket
import time

from tests.perf.harness import percentile

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
CLOSING = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"
REQUEST = b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n"


COUNT_PATH = b"GET /connections "  # answered with how many connections the server has accepted


async def serve(port: int, address: str = "0.0.0.0") -> None:
    accepted = 0

    async def handle(reader, writer):
        nonlocal accepted
        accepted += 1
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                if head.startswith(COUNT_PATH):
                    body = str(accepted).encode()
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
                    break  # then closed: the asker reads until the end
                if b"\r\nconnection: close" in head.lower():
                    # The client asked for a new connection per request (wrk -H 'Connection: close'):
                    # say so in the answer and close, as an HTTP/1.1 server must (RFC 9112, 9.6).
                    writer.write(CLOSING)
                    break
                writer.write(RESPONSE)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
    server = await asyncio.start_server(handle, address, port, backlog=1024)
    async with server:
        await server.serve_forever()


def exchange(sock: socket.socket) -> None:
    sock.sendall(REQUEST)
    got = b""
    while not got.endswith(b"hello"):
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("server closed the connection")
        got += chunk


def exchange_load(ip: str, port: int, mode: str, seconds: float) -> dict:
    """Sequential requests for `seconds`: on one kept-alive connection, or a new connection each."""
    latencies = []
    end = time.perf_counter() + seconds
    sock = socket.create_connection((ip, port), timeout=5) if mode == "keepalive" else None
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        if mode == "keepalive":
            try:
                exchange(sock)
            except ConnectionError:
                # A server may end a kept-alive connection (nginx after keepalive_requests): a client
                # opens a new one and carries on, and that request counts with its reconnect.
                sock.close()
                sock = socket.create_connection((ip, port), timeout=5)
                exchange(sock)
        else:
            with socket.create_connection((ip, port), timeout=5) as s:
                exchange(s)
        latencies.append(time.perf_counter() - t0)
    if sock is not None:
        sock.close()
    return {"requests": len(latencies), "seconds": seconds, "latencies": latencies}


def summary(runs: list[dict]) -> dict:
    latencies = [x for r in runs for x in r["latencies"]]
    seconds = sum(r["seconds"] for r in runs)
    return {"rps": round(len(latencies) / seconds, 1), "p50_ms": round(percentile(latencies, 50) * 1000, 3),
            "p99_ms": round(percentile(latencies, 99) * 1000, 3)}
