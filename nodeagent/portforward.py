"""Port-forward on the agent: one TCP connection to a pod's port per gRPC stream, bytes both ways.

Like the kubelet, the agent dials localhost:PORT inside the pod's network namespace (so a server bound
to 127.0.0.1 is reachable too); without a sandbox process to enter it dials the pod IP from the host.
"""
from __future__ import annotations

import asyncio
import logging
import socket

from api.tasks import cancel_and_wait
from nodeagent.network import netns
from proto import api_pb2

log = logging.getLogger(__name__)
CHUNK = 64 * 1024


async def dial(pod_netns: str | None, pod_ip: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A connection to the port: inside `pod_netns` at 127.0.0.1, else at the pod IP; OSError if refused."""
    if pod_netns is None:
        if not pod_ip:
            raise OSError("the pod has no IP yet")
        return await asyncio.open_connection(pod_ip, port)
    with netns.entered(pod_netns):  # a socket keeps the namespace it was made in
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    except BaseException:
        sock.close()
        raise
    return await asyncio.open_connection(sock=sock)


def target_text(pod_netns: str | None, pod_ip: str, port: int) -> str:
    return f"127.0.0.1:{port} (in the pod's network namespace)" if pod_netns else f"{pod_ip}:{port}"


async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, requests):
    """Responses carrying what the port sends, while the client's bytes go to the port."""
    async def upstream():
        try:
            async for request in requests:
                if request.data:
                    writer.write(request.data)
                    await writer.drain()
                if request.close:
                    break
            if writer.can_write_eof():
                writer.write_eof()
        except (OSError, asyncio.IncompleteReadError) as e:
            log.debug("port-forward upstream ended: %s", e)

    feeder = asyncio.create_task(upstream())
    try:
        yield api_pb2.PortForwardResponse(connected=True)
        while data := await reader.read(CHUNK):
            yield api_pb2.PortForwardResponse(data=data)
    finally:
        await cancel_and_wait(feeder)
        writer.close()
