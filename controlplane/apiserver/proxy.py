"""Logs, exec and port-forward of a pod, proxied to the agent of the pod's node (its InternalIP and the port the Node
publishes in status.daemonEndpoints.kubeletEndpoint), so the CLI needs to reach only the API server.

Over TLS both ways: the API server shows its kubelet-client certificate, and the agent must show a
serving certificate of the cluster CA naming that very node, so a forged address reaches nobody else.
"""
from __future__ import annotations

import asyncio

import grpc

from api import errors, kinds
from api.tasks import cancel_and_wait
from api.credentials import Credentials
from proto import agent_pb2_grpc, api_pb2


def agent_address(node) -> str:
    """host:port of a Node's agent, or "" when the Node does not publish one."""
    ip = next((a.address for a in node.status.addresses if a.type == "InternalIP" and a.address), "")
    port = node.status.daemon_endpoints.kubelet_endpoint.port
    return f"{ip}:{port}" if ip and port else ""


class AgentProxy:
    def __init__(self, registry, credentials: Credentials | None):
        self.registry = registry
        self.credentials = credentials
        self._channels: dict[tuple[str, str], grpc.aio.Channel] = {}

    async def _agent(self, namespace: str, name: str) -> tuple[agent_pb2_grpc.AgentStub, str]:
        pod = await self.registry.get(kinds.BY_NAME["Pod"], namespace or "default", name)
        node_name = pod.spec.node_name
        if not node_name:
            raise errors.PreconditionFailed(f'pod "{name}" is not scheduled to a node yet')
        try:
            node = await self.registry.get(kinds.BY_NAME["Node"], "", node_name)
        except errors.NotFound:
            raise errors.Unavailable(f'node "{node_name}" of pod "{name}" no longer exists') from None
        address = agent_address(node)
        if not address:
            raise errors.Unavailable(f'node "{node_name}" publishes no agent address (InternalIP and '
                                     f'daemonEndpoints.kubeletEndpoint.Port)')
        if self.credentials is None:
            raise errors.Unavailable("the API server has no client certificate for agents "
                                     "(--kubelet-client-certificate)")
        channel = self._channels.get((address, node_name))
        if channel is None:
            # The agent's certificate must name the node (its DNS SAN), whatever address it listens on.
            channel = self._channels[(address, node_name)] = grpc.aio.secure_channel(
                address, self.credentials.channel_credentials(),
                options=[("grpc.ssl_target_name_override", node_name)])
        return agent_pb2_grpc.AgentStub(channel), f'the agent of node "{node_name}" at {address}'

    async def logs(self, request: api_pb2.LogsRequest):
        stub, where = await self._agent(request.namespace, request.name)
        async for chunk in _relay(stub.Logs(request), where):
            yield chunk

    async def exec(self, requests, method: str = "Exec"):
        first = await anext(aiter(requests), None)
        if first is None:
            raise errors.Invalid(f"{method.lower()} needs a first message naming the pod",
                                 ["name: required"])
        stub, where = await self._agent(first.namespace, first.name)
        async for response in _bridge(getattr(stub, method)(), first, requests, where):
            yield response

    def attach(self, requests):
        """Attach: an exec's streams, to the container's main process."""
        return self.exec(requests, "Attach")

    async def port_forward(self, requests):
        first = await anext(aiter(requests), None)
        if first is None:
            raise errors.Invalid("port-forward needs a first message naming the pod and port", ["port: required"])
        stub, where = await self._agent(first.namespace, first.name)
        async for response in _bridge(stub.PortForward(), first, requests, where):
            yield response

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close()
        self._channels.clear()


async def _relay(call, where: str):
    """The agent's responses, with its failures turned into the API's typed errors."""
    try:
        async for item in call:
            yield item
    except grpc.aio.AioRpcError as e:
        raise _agent_error(e, where) from None
    finally:
        call.cancel()


async def _bridge(call, first, requests, where: str):
    """Both directions of a bidirectional stream to the agent: the caller's messages (`first`, then the rest
    of `requests`) written by a task this relay owns, and the agent's answers yielded back. The task is
    cancelled and awaited however the stream ends (handing gRPC an iterator instead leaves it a task of its
    own, which it drops unfinished when the call ends)."""
    async def pump():
        try:
            await call.write(first)
            async for request in requests:
                await call.write(request)
            await call.done_writing()
        except (grpc.aio.AioRpcError, asyncio.InvalidStateError):
            pass  # the agent's side ended first: what it said arrives through the relay

    pumping = asyncio.create_task(pump(), name="agent-stream-pump")
    try:
        async for response in _relay(call, where):
            yield response
    finally:
        await cancel_and_wait(pumping)


def _agent_error(e: grpc.aio.AioRpcError, where: str) -> errors.ApiError:
    error = errors.from_rpc_error(e)
    if isinstance(error, errors.Unavailable):
        return errors.Unavailable(f"cannot reach {where}: {error.message}")
    return error
