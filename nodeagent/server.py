"""The agent's own gRPC service (proto/agent.proto): logs, exec and port-forward of the pods on this node.

The API server proxies `skiff logs` and `skiff exec` here over mutual TLS; nobody else is answered.
"""
from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

import grpc

from api import grpchealth
from api.tasks import cancel_and_wait
from nodeagent import containers, portforward
from nodeagent.config import AgentConfig
from nodeagent.network import netns
from nodeagent.runtime import base
from nodeagent.runtime.base import ContainerInfo, Runtime
from proto import agent_pb2_grpc, api_pb2, types_pb2

log = logging.getLogger(__name__)


class PodLookup(Protocol):
    """All the server needs of the agent: the pods it runs, and their containers as the runtime has them."""

    def pod(self, namespace: str, name: str) -> types_pb2.Pod | None: ...

    async def containers(self, pod_uid: str) -> list[ContainerInfo]: ...


class TargetError(Exception):
    def __init__(self, code: grpc.StatusCode, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _caller(context) -> str:
    """The CN of the caller's verified client certificate ("" when there is none)."""
    names = (context.auth_context() or {}).get("x509_common_name") or []
    return names[0].decode(errors="replace") if names else ""


def _only_apiserver(method):
    """Answer only the API server's client certificate: other holders of cluster certs (nodes) get nothing."""
    async def guarded(self, request, context):
        allowed = self.cfg.tls.allowed_client
        if _caller(context) != allowed:
            await context.abort(grpc.StatusCode.PERMISSION_DENIED,
                                f"forbidden: only {allowed} may use this node's logs and exec")
        async for item in method(self, request, context):
            yield item
    guarded.__name__ = method.__name__
    return guarded


class AgentService(agent_pb2_grpc.AgentServicer):
    def __init__(self, cfg: AgentConfig, pods: PodLookup, runtime: Runtime):
        self.cfg = cfg
        self.pods = pods
        self.runtime = runtime

    async def _target(self, namespace: str, name: str, container: str, previous: bool = False):
        """(pod, container name, the runtime container) a request means, or TargetError."""
        node = self.cfg.node_name
        pod = self.pods.pod(namespace or "default", name)
        if pod is None:
            raise TargetError(grpc.StatusCode.NOT_FOUND, f'pod "{name}" in namespace "{namespace or "default"}" '
                                                         f'is not on node {node}')
        names = [c.name for c in (*pod.spec.containers, *pod.spec.init_containers, *pod.spec.ephemeral_containers)]
        container = container or pod.spec.containers[0].name
        if container not in names:
            raise TargetError(grpc.StatusCode.INVALID_ARGUMENT,
                              f'container "{container}" is not valid for pod "{name}"; choose one of: '
                              f'{", ".join(names)}')
        found = containers.instances(await self.pods.containers(pod.metadata.uid), container)
        if previous:
            if len(found) < 2:
                raise TargetError(grpc.StatusCode.NOT_FOUND,
                                  f'previous terminated container "{container}" in pod "{name}" not found')
            return pod, container, found[1]
        if not found:
            raise TargetError(grpc.StatusCode.FAILED_PRECONDITION,
                              f'container "{container}" in pod "{name}" is waiting to start')
        return pod, container, found[0]

    @_only_apiserver
    async def Logs(self, request: api_pb2.LogsRequest, context):
        try:
            _, _, info = await self._target(request.namespace, request.name, request.container, request.previous)
        except TargetError as e:
            await context.abort(e.code, e.message)
        tail = request.tail_lines if request.tail_lines >= 0 else -1
        try:
            since = logs_since(request, time.time())
        except ValueError as e:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(e))
        async for chunk in self.runtime.logs(info.id, follow=request.follow, tail=tail,
                                                   timestamps=request.timestamps, since=since):
            yield api_pb2.LogChunk(data=chunk)

    async def _running(self, first: api_pb2.ExecRequest, context):
        """The running container an exec or attach names, or the call aborted with the reason."""
        try:
            _, container, info = await self._target(first.namespace, first.name, first.container)
        except TargetError as e:
            await context.abort(e.code, e.message)
        if info.state != "running":
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION,
                                f'container "{container}" in pod "{first.name}" is not running ({info.state})')
        return info

    @_only_apiserver
    async def Exec(self, request_iterator, context):
        first = await anext(aiter(request_iterator), None)
        if first is None or not first.command:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "exec needs a command")
        info = await self._running(first, context)
        try:
            session = await self.runtime.exec_session(info.id, list(first.command), tty=first.tty,
                                                            stdin=first.stdin)
        except base.RuntimeError_ as e:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(e))
        async for response in _session_stream(session, first, request_iterator):
            yield response

    @_only_apiserver
    async def Attach(self, request_iterator, context):
        first = await anext(aiter(request_iterator), None)
        if first is None:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "attach needs a first message naming the pod")
        info = await self._running(first, context)
        try:
            session = await self.runtime.attach_session(info.id, tty=first.tty, stdin=first.stdin)
        except (base.RuntimeError_, NotImplementedError) as e:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(e))
        async for response in _session_stream(session, first, request_iterator):
            yield response

    @_only_apiserver
    async def PortForward(self, request_iterator, context):
        first = await anext(aiter(request_iterator), None)
        if first is None or not 0 < first.port < 65536:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "port-forward needs a port from 1 to 65535")
        namespace = first.namespace or "default"
        pod = self.pods.pod(namespace, first.name)
        if pod is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, f'pod "{first.name}" in namespace "{namespace}" '
                                                           f'is not on node {self.cfg.node_name}')
        sandboxes = containers.instances(await self.pods.containers(pod.metadata.uid), "POD")
        running = next((c for c in sandboxes if c.state == "running" and c.pid > 0), None)
        pod_netns = None if running is None or pod.spec.host_network else netns.pid_ns(running.pid)
        try:
            reader, writer = await portforward.dial(pod_netns, pod.status.pod_ip, first.port)
        except OSError as e:
            where = portforward.target_text(pod_netns, pod.status.pod_ip, first.port)
            reason = os.strerror(e.errno).lower() if e.errno else str(e)  # Go's words: "connection refused"
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION,
                                f"error forwarding port {first.port} to pod {first.name}: "
                                f"dial tcp {where}: connect: {reason}")
        async for response in portforward.relay(reader, writer, request_iterator):
            yield response


async def _session_stream(session, first: api_pb2.ExecRequest, request_iterator):
    """An exec's or attach's output as responses, stdin fed from the requests, then the exit code."""
    feeder = asyncio.create_task(_feed_stdin(session, first, request_iterator)) if first.stdin else None
    try:
        async for stream, data in session.output():
            yield api_pb2.ExecResponse(**{stream: data})
        yield api_pb2.ExecResponse(exited=True, exit_code=await session.exit_code())
    finally:
        await cancel_and_wait(feeder)
        await session.close()


def logs_since(request: api_pb2.LogsRequest, now: float) -> float:
    """The Unix time `--since`/`--since-time` ask lines to be newer than (0: every line)."""
    if request.since_seconds > 0:
        return now - request.since_seconds
    if request.since_time:
        try:
            return datetime.fromisoformat(request.since_time.replace("Z", "+00:00")).timestamp()
        except ValueError:
            raise ValueError(f'invalid sinceTime "{request.since_time}": expected RFC 3339, '
                             f'e.g. 2026-03-01T12:00:00Z') from None
    return 0


async def _feed_stdin(session, first: api_pb2.ExecRequest, request_iterator) -> None:
    """The client's stdin, from the request stream into the command, until the client closes it."""
    try:
        if first.stdin_data:
            await session.write(first.stdin_data)
        if not first.stdin_close:
            async for request in request_iterator:
                if request.stdin_data:
                    await session.write(request.stdin_data)
                if request.stdin_close:
                    break
        await session.close_stdin()
    except (OSError, base.RuntimeError_) as e:
        log.debug("exec stdin ended: %s", e)


class AgentServer:
    def __init__(self, cfg: AgentConfig, pods: PodLookup, runtime: Runtime, ready: Callable[[], bool]):
        self.cfg = cfg
        self.pods = pods
        self.runtime = runtime
        self.ready = ready  # the gRPC health service's answer
        self.server: grpc.aio.Server | None = None
        self.address = ""

    async def start(self) -> int:
        """Listen on the node IP (in the host's namespace); returns the port."""
        cfg = self.cfg
        if cfg.tls is None:
            raise OSError(f"skiff-agent: node {cfg.node_name}: no serving certificate for logs and exec "
                          f"(there is no plain listener)")
        credentials = grpc.ssl_server_credentials([(cfg.tls.key_pem, cfg.tls.cert_pem)],
                                                  root_certificates=cfg.tls.client_ca_pem,
                                                  require_client_auth=True)
        self.server = grpc.aio.server(options=[("grpc.so_reuseport", 0)])
        agent_pb2_grpc.add_AgentServicer_to_server(AgentService(cfg, self.pods, self.runtime), self.server)
        grpchealth.add_to_server(self.server, self.ready, ("skiff.v1.Agent",))
        listen = f"{cfg.node_ip}:{cfg.listen_port}"
        # The listening socket is made in the host's namespace (a lab or test host is a netns).
        with netns.entered(cfg.host_netns):
            port = self.server.add_secure_port(listen, credentials)
        if port == 0:
            raise OSError(f"skiff-agent: cannot listen for logs and exec on {listen}")
        await self.server.start()
        self.address = f"{cfg.node_ip}:{port}"
        log.info("node %s: serving logs and exec on %s", cfg.node_name, self.address)
        return port

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop(0.5)
            self.server = None
