"""The grpc probe: one call of grpc.health.v1.Health/Check from the node, success when the answer is
SERVING (as the kubelet). A minimal HTTP/2 client (cleartext, prior knowledge) on asyncio streams: it
sends the one request and reads frames until the answer; header blocks are never decoded."""
from __future__ import annotations

import asyncio
import struct

from nodeagent.probes.dialer import Dialer, dial_error
from nodeagent.probes.http_probe import host_port
from nodeagent.probes.results import Outcome, Result

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY = 0x0, 0x1, 0x3, 0x4, 0x6, 0x7
END_STREAM, ACK, END_HEADERS, PADDED = 0x1, 0x1, 0x4, 0x8
STREAM = 1
METHOD = "/grpc.health.v1.Health/Check"
STATUSES = {0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"}


def frame(kind: int, flags: int, stream: int, payload: bytes = b"") -> bytes:
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def _literal(name: str, value: str) -> bytes:
    """HPACK "literal header field without indexing, new name", no Huffman: always valid, no table kept."""
    n, v = name.encode(), value.encode()
    return b"\x00" + bytes([len(n)]) + n + bytes([len(v)]) + v


def request(host: str, port: int, service: str) -> bytes:
    headers = b"".join(_literal(k, v) for k, v in (
        (":method", "POST"), (":scheme", "http"), (":path", METHOD), (":authority", host_port(host, port)),
        ("content-type", "application/grpc"), ("te", "trailers"), ("user-agent", "skiff-probe/0.1")))
    message = b"\x0a" + bytes([len(service.encode())]) + service.encode() if service else b""
    body = b"\x00" + struct.pack(">I", len(message)) + message
    return (PREFACE + frame(SETTINGS, 0, 0) + frame(HEADERS, END_HEADERS, STREAM, headers) +
            frame(DATA, END_STREAM, STREAM, body))


def health_status(message: bytes) -> int:
    """HealthCheckResponse.status (field 1, a varint) from its protobuf bytes; 0 (UNKNOWN) when absent."""
    i = 0
    while i < len(message):
        key = message[i]
        i += 1
        value = shift = 0
        while i < len(message):
            byte = message[i]
            i += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        if key == 0x08:
            return value
    return 0


async def _answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> int | None:
    """The status in the response's DATA, or None if the stream ended without one (an RPC error)."""
    data = b""
    while True:
        head = await reader.readexactly(9)
        length = int.from_bytes(head[:3], "big")
        kind, flags, stream = head[3], head[4], int.from_bytes(head[5:9], "big") & 0x7FFFFFFF
        payload = await reader.readexactly(length)
        if kind == SETTINGS and not flags & ACK:
            writer.write(frame(SETTINGS, ACK, 0))
        elif kind == PING and not flags & ACK:
            writer.write(frame(PING, ACK, 0, payload))
        elif kind == GOAWAY or (kind == RST_STREAM and stream == STREAM):
            return None
        elif kind == DATA and stream == STREAM:
            if flags & PADDED:
                payload = payload[1:len(payload) - payload[0]]
            data += payload
            if len(data) >= 5 and len(data) >= 5 + int.from_bytes(data[1:5], "big"):
                return health_status(data[5:5 + int.from_bytes(data[1:5], "big")])
        if stream == STREAM and flags & END_STREAM and kind in (DATA, HEADERS):
            return None


async def probe(dialer: Dialer, host: str, port: int, service: str, timeout_s: float) -> Outcome:
    address = host_port(host, port)
    writer = None
    try:
        async with asyncio.timeout(timeout_s):
            try:
                reader, writer = await dialer.open(host, port)
            except OSError as e:
                return Outcome(Result.FAILURE, f'timeout: failed to connect service "{address}" within '
                                               f'{timeout_s:g}s: {dial_error(e)}')
            writer.write(request(host, port, service))
            await writer.drain()
            status = await _answer(reader, writer)
    except TimeoutError:
        return Outcome(Result.FAILURE, f"timeout: health rpc did not complete within {timeout_s:g}s")
    except (OSError, asyncio.IncompleteReadError) as e:
        return Outcome(Result.FAILURE, f"error: health rpc probe failed: {e or type(e).__name__}")
    finally:
        if writer is not None:
            writer.close()
    if status is None:
        return Outcome(Result.FAILURE, "error: health rpc probe failed: the server answered with an error "
                                       "(does it implement grpc.health.v1.Health?)")
    if status != 1:
        return Outcome(Result.FAILURE, f'service unhealthy (responded with "{STATUSES.get(status, status)}")')
    return Outcome(Result.SUCCESS, "")
