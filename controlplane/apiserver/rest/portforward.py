"""`kubectl port-forward` over SPDY tunnelled in a WebSocket: every local connection opens a data stream
and an error stream (headers `streamtype`, `port`, `requestid`); each pair becomes one port-forward
stream to the pod's agent through the AgentProxy, bytes relayed both ways.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web

from api import errors
from api.tasks import cancel_and_wait
from controlplane.apiserver.rest import spdy
from proto import api_pb2

log = logging.getLogger(__name__)


@dataclass
class _Pair:
    """One forwarded connection: its data and error streams and the bytes waiting to go to the pod."""

    port: int
    data: int = 0
    error: int = 0
    upstream: asyncio.Queue = field(default_factory=asyncio.Queue)
    task: asyncio.Task | None = None


class _Session:
    def __init__(self, ws: web.WebSocketResponse, proxy, namespace: str, name: str):
        self.ws, self.proxy, self.namespace, self.name = ws, proxy, namespace, name
        self.headers_in, self.headers_out = spdy.HeaderReader(), spdy.HeaderWriter()
        self.outgoing: asyncio.Queue = asyncio.Queue()  # frames in the order their headers were compressed
        self.pairs: dict[str, _Pair] = {}
        self.by_stream: dict[int, _Pair] = {}

    def send(self, frame: bytes) -> None:
        self.outgoing.put_nowait(frame)

    async def write_loop(self) -> None:
        while (frame := await self.outgoing.get()) is not None:
            await self.ws.send_bytes(frame)

    def on_frame(self, frame: spdy.Frame) -> None:
        if not frame.control:
            pair = self.by_stream.get(frame.stream_id)
            if pair is not None and frame.stream_id == pair.data:
                if frame.payload:
                    pair.upstream.put_nowait(api_pb2.PortForwardRequest(data=frame.payload))
                if frame.flags & spdy.FLAG_FIN:
                    pair.upstream.put_nowait(api_pb2.PortForwardRequest(close=True))
            return
        if frame.kind == spdy.SYN_STREAM:
            self.on_new_stream(*spdy.syn_stream_headers(frame, self.headers_in))
        elif frame.kind == spdy.PING:
            self.send(spdy.control(spdy.PING, frame.payload))
        elif frame.kind == spdy.RST_STREAM:
            pair = self.by_stream.get(spdy.stream_of(frame))
            if pair is not None:
                pair.upstream.put_nowait(None)

    def on_new_stream(self, stream_id: int, headers: dict[str, str]) -> None:
        self.send(spdy.syn_reply(stream_id, self.headers_out))
        try:
            port = int(headers.get("port", ""))
        except ValueError:
            port = 0
        request_id = headers.get("requestid", str(stream_id))
        pair = self.pairs.setdefault(request_id, _Pair(port))
        self.by_stream[stream_id] = pair
        if headers.get("streamtype") == "error":
            pair.error = stream_id
        else:
            pair.data = stream_id
        if pair.data and pair.error and pair.task is None:
            pair.task = asyncio.create_task(self.forward(pair))

    async def forward(self, pair: _Pair) -> None:
        async def requests():
            yield api_pb2.PortForwardRequest(namespace=self.namespace, name=self.name, port=pair.port)
            while (item := await pair.upstream.get()) is not None:
                yield item
                if item.close:
                    return

        try:
            async for response in self.proxy.port_forward(requests()):
                if response.data:
                    self.send(spdy.data(pair.data, response.data))
            self.send(spdy.data(pair.data, b"", fin=True))
        except errors.ApiError as e:
            self.send(spdy.data(pair.error, e.message.encode(), fin=True))
            self.send(spdy.data(pair.data, b"", fin=True))
        except Exception as e:  # noqa: BLE001 - reported to kubectl on the error stream, never raised
            log.warning("port-forward to %s/%s:%s failed: %s", self.namespace, self.name, pair.port, e)
            self.send(spdy.data(pair.error, str(e).encode(), fin=True))
        finally:
            for stream_id in (pair.data, pair.error):
                self.by_stream.pop(stream_id, None)
            self.pairs = {k: v for k, v in self.pairs.items() if v is not pair}


async def serve_spdy(ws: web.WebSocketResponse, proxy, namespace: str, name: str) -> None:
    session = _Session(ws, proxy, namespace, name)
    writer = asyncio.create_task(session.write_loop())
    buffer = bytearray()
    try:
        async for msg in ws:
            if msg.type != WSMsgType.BINARY:
                continue
            buffer += msg.data
            for frame in spdy.read_frames(buffer):
                session.on_frame(frame)
    finally:
        for pair in session.pairs.values():
            pair.upstream.put_nowait(None)
            await cancel_and_wait(pair.task)
        session.outgoing.put_nowait(None)
        with contextlib.suppress(ConnectionResetError):
            await asyncio.wait_for(writer, 2)
        await cancel_and_wait(writer)
