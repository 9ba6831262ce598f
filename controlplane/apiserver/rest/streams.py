"""The streaming subresources of pods over REST: `log` (chunked, `follow`), and `exec`, `attach` and
`portforward` over WebSocket with Kubernetes' channel protocol (`v5.channel.k8s.io`, `v4.channel.k8s.io`),
relayed to the pod's agent through the same AgentProxy as the gRPC API.
"""
from __future__ import annotations

import asyncio
import contextlib
import json

from aiohttp import WSMsgType, web

from api import errors, kinds
from api.tasks import cancel_and_wait
from controlplane.apiserver.rest import portforward
from controlplane.apiserver.rest.paths import Target
from controlplane.apiserver.rest.status import RestError, from_error
from proto import api_pb2

CHANNEL_PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
# kubectl 1.30+ port-forward: SPDY/3.1 frames tunnelled in WebSocket binary messages.
SPDY_TUNNEL = "SPDY/3.1+portforward.k8s.io"
STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255
# How long the first log chunk may take before the response starts anyway (a quiet `logs -f`).
FIRST_CHUNK_WAIT = 1.0


def _flag(query, name: str) -> bool:
    return query.get(name, "").lower() in ("1", "true")


async def serve(request: web.Request, handlers, target: Target) -> web.StreamResponse:
    sub = target.subresource
    if sub == "log":
        if request.method != "GET":
            raise RestError("MethodNotAllowed", f"{request.method} is not supported on pods/log")
        return await logs(request, handlers, target)
    await handlers.registry.get(kinds.BY_NAME["Pod"], target.namespace or "default", target.name)  # 404 first
    protocols = CHANNEL_PROTOCOLS + ((SPDY_TUNNEL,) if sub == "portforward" else ())
    ws = web.WebSocketResponse(protocols=protocols, max_msg_size=0)
    if not ws.can_prepare(request).ok:
        raise RestError("BadRequest", f"pods/{sub} needs a WebSocket upgrade with one of the subprotocols "
                                      f"{', '.join(protocols)}")
    if sub in ("exec", "attach"):
        return await exec_(request, handlers, target, ws)
    if ws.can_prepare(request).protocol == SPDY_TUNNEL:
        await ws.prepare(request)
        await portforward.serve_spdy(ws, handlers.proxy, target.namespace or "default", target.name)
        return ws
    return await port_forward(request, handlers, target, ws)


# ---------------------------------------------------------------- log

async def logs(request: web.Request, handlers, target: Target) -> web.StreamResponse:
    q = request.query
    try:
        tail = int(q.get("tailLines", "-1"))
    except ValueError:
        raise RestError("BadRequest", f'tailLines: invalid value "{q.get("tailLines")}"') from None
    chunks = handlers.proxy.logs(api_pb2.LogsRequest(
        namespace=target.namespace or "default", name=target.name, container=q.get("container", ""),
        follow=_flag(q, "follow"), tail_lines=tail, previous=_flag(q, "previous"),
        timestamps=_flag(q, "timestamps")))
    first = asyncio.ensure_future(anext(chunks, None))
    try:
        # Errors (no such container, the agent away) come with the first chunk: answer them as a Status.
        await asyncio.wait([first], timeout=FIRST_CHUNK_WAIT)
        if first.done():
            first.result()
    except BaseException:
        await cancel_and_wait(first)
        await chunks.aclose()
        raise
    response = web.StreamResponse(headers={"Content-Type": "text/plain", "Cache-Control": "no-cache"})
    await response.prepare(request)
    try:
        chunk = await first
        while chunk is not None:
            await response.write(chunk.data)
            chunk = await anext(chunks, None)
    except errors.ApiError as e:
        await response.write(f"\nerror: {e.message}\n".encode())
    except ConnectionResetError:
        pass
    finally:
        await chunks.aclose()
    return response


# ---------------------------------------------------------------- exec

def exit_status(code: int | None, error: Exception | None = None, command: list[str] = ()) -> dict:
    """What the error channel carries at the end: Success, or why not (kubectl takes its exit code from it)."""
    if error is not None:
        return {"metadata": {}, "status": "Failure", "message": str(getattr(error, "message", error)),
                "reason": getattr(error, "reason", "InternalError"), "code": from_error(error)[0]}
    if not code:
        return {"metadata": {}, "status": "Success"}
    return {"metadata": {}, "status": "Failure",
            "message": f"command terminated with non-zero exit code: error executing command {list(command)}, "
                       f"exit code {code}",
            "reason": "NonZeroExitCode", "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]}}


async def exec_(request: web.Request, handlers, target: Target, ws: web.WebSocketResponse) -> web.StreamResponse:
    """exec runs a command; attach joins the container's main process: the same streams either way."""
    q = request.query
    attach = target.subresource == "attach"
    command = q.getall("command", [])
    if not command and not attach:
        raise RestError("BadRequest", "you must specify at least 1 command")
    await ws.prepare(request)
    stdin: asyncio.Queue = asyncio.Queue()
    first = api_pb2.ExecRequest(namespace=target.namespace or "default", name=target.name,
                                container=q.get("container", ""), command=command, tty=_flag(q, "tty"),
                                stdin=_flag(q, "stdin"))

    async def requests():
        yield first
        while (item := await stdin.get()) is not None:
            yield item

    reader = asyncio.create_task(_read_client(ws, stdin))
    code, failure = None, None
    try:
        async for response in (handlers.proxy.attach if attach else handlers.proxy.exec)(requests()):
            if response.stdout:
                await ws.send_bytes(bytes([STDOUT]) + response.stdout)
            if response.stderr:
                await ws.send_bytes(bytes([STDERR]) + response.stderr)
            if response.exited:
                code = response.exit_code
    except errors.ApiError as e:
        failure = e
    except ConnectionResetError:
        return ws
    finally:
        await cancel_and_wait(reader)
    with contextlib.suppress(ConnectionResetError):
        await ws.send_bytes(bytes([ERROR]) + json.dumps(exit_status(code, failure, command)).encode())
        await ws.close()
    return ws


async def _read_client(ws: web.WebSocketResponse, stdin: asyncio.Queue) -> None:
    """Client frames: stdin data, a stdin close (v5's CLOSE frame), terminal resizes (not supported: dropped)."""
    async for msg in ws:
        if msg.type != WSMsgType.BINARY or not msg.data:
            continue
        channel, data = msg.data[0], msg.data[1:]
        if channel == STDIN and data:
            await stdin.put(api_pb2.ExecRequest(stdin_data=data))
        elif channel == CLOSE and data[:1] == bytes([STDIN]):
            await stdin.put(api_pb2.ExecRequest(stdin_close=True))
    await stdin.put(api_pb2.ExecRequest(stdin_close=True))
    await stdin.put(None)


# ---------------------------------------------------------------- portforward

async def port_forward(request: web.Request, handlers, target: Target,
                       ws: web.WebSocketResponse) -> web.StreamResponse:
    """One WebSocket, one connection to one port: data on channel 0, errors on channel 1; each channel's
    first frame names the port (two bytes, little-endian), as Kubernetes' websocket port-forward."""
    ports = [p for value in request.query.getall("ports", []) for p in value.split(",") if p]
    if len(ports) != 1 or not ports[0].isdigit() or not 0 < int(ports[0]) < 65536:
        raise RestError("BadRequest", "pods/portforward over WebSocket takes exactly one port from 1 to 65535 "
                                      "(?ports=8080)")
    port = int(ports[0])
    await ws.prepare(request)
    port_bytes = port.to_bytes(2, "little")
    await ws.send_bytes(bytes([0]) + port_bytes)
    await ws.send_bytes(bytes([1]) + port_bytes)
    upstream: asyncio.Queue = asyncio.Queue()

    async def requests():
        yield api_pb2.PortForwardRequest(namespace=target.namespace or "default", name=target.name, port=port)
        while (item := await upstream.get()) is not None:
            yield item

    async def read_client():
        async for msg in ws:
            if msg.type == WSMsgType.BINARY and msg.data[:1] == b"\x00" and len(msg.data) > 1:
                await upstream.put(api_pb2.PortForwardRequest(data=msg.data[1:]))
        await upstream.put(api_pb2.PortForwardRequest(close=True))
        await upstream.put(None)

    reader = asyncio.create_task(read_client())
    try:
        async for response in handlers.proxy.port_forward(requests()):
            if response.data:
                await ws.send_bytes(b"\x00" + response.data)
    except errors.ApiError as e:
        with contextlib.suppress(ConnectionResetError):
            await ws.send_bytes(b"\x01" + e.message.encode())
    except ConnectionResetError:
        pass
    finally:
        await cancel_and_wait(reader)
    with contextlib.suppress(ConnectionResetError):
        await ws.close()
    return ws
