"""A webhook pod reached through its node's agent (the port-forward stream the API server already has), for
API servers that cannot route to pod or service addresses, as Kubernetes' egress selector (konnectivity) does."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from api import errors
from proto import api_pb2


@asynccontextmanager
async def through_agent(proxy, namespace: str, pod: str, port: int) -> AsyncIterator[int]:
    """A port on 127.0.0.1 whose connections are relayed to the pod's `port` (`proxy`: the AgentProxy)."""
    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def requests():
            yield api_pb2.PortForwardRequest(namespace=namespace, name=pod, port=port)
            while data := await reader.read(64 * 1024):
                yield api_pb2.PortForwardRequest(data=data)
            yield api_pb2.PortForwardRequest(close=True)
        try:
            async for response in proxy.port_forward(requests()):
                if response.data:
                    writer.write(response.data)
                    await writer.drain()
        except (errors.ApiError, ConnectionError, OSError):
            pass  # the webhook client sees the connection end and reports the call as failed
        finally:
            writer.close()

    server = await asyncio.start_server(relay, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()
