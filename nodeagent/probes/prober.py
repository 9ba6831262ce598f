"""Running one probe of a container: pick the handler (exec, httpGet, tcpSocket, grpc), resolve its port and host
from the container and the pod, and return the Outcome. No state: the workers keep that.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

from api import manifest
from nodeagent.probes import exec_probe, grpc_probe, http_probe, tcp_probe
from nodeagent.probes.dialer import Dialer
from nodeagent.probes.results import Outcome, Result
from nodeagent.runtime.base import Runtime
from proto import types_pb2


class PortError(ValueError):
    """A probe names a port the container does not declare."""


def resolve_port(port: types_pb2.IntOrString, container: types_pb2.Container) -> int:
    """A port number, or a port name looked up in the container's ports (as the kubelet's findPortByName)."""
    value = manifest.int_or_string_value(port)
    if isinstance(value, str):
        for p in container.ports:
            if p.name == value:
                return p.container_port
        if value.isdigit():
            return int(value)
        raise PortError(f"couldn't find port: {value} in container {container.name}")
    if value is None or not 0 < value < 65536:
        raise PortError(f"invalid port number: {value}")
    return value


@dataclass
class Prober:
    """What every probe of a node shares: the runtime (exec), the dialer (HTTP, TCP), the exec bound."""

    runtime: Runtime
    dialer: Dialer
    exec_limit: asyncio.Semaphore

    async def run(self, probe: types_pb2.Probe, container: types_pb2.Container, container_id: str,
                  pod_ip: str) -> Outcome:
        timeout = float(probe.timeout_seconds or 1)
        try:
            if probe.HasField("exec"):
                return await exec_probe.probe(self.runtime, self.exec_limit, container_id,
                                              list(probe.exec.command), timeout)
            if not (probe.HasField("http_get") or probe.HasField("tcp_socket") or probe.HasField("grpc")):
                return Outcome(Result.UNKNOWN, "the probe has no handler (exec, httpGet, tcpSocket or grpc)")
            host = (probe.http_get.host if probe.HasField("http_get") else
                    probe.tcp_socket.host if probe.HasField("tcp_socket") else "") or pod_ip
            if not host:
                return Outcome(Result.UNKNOWN, "the pod has no IP address yet")
            if not self.dialer.sends_to(host):
                # The fake containers of a simulated network serve perfectly: nothing is sent, all is well.
                return Outcome(Result.SUCCESS, f"not sent to {host}: the pod network is simulated")
            if probe.HasField("http_get"):
                action = probe.http_get
                return await http_probe.probe(self.dialer, action.scheme or "HTTP", host,
                                              resolve_port(action.port, container), action.path or "/",
                                              [(h.name, h.value) for h in action.http_headers], timeout)
            if probe.HasField("grpc"):
                service = probe.grpc.service if probe.grpc.HasField("service") else ""
                return await grpc_probe.probe(self.dialer, host, probe.grpc.port, service, timeout)
            return await tcp_probe.probe(self.dialer, host, resolve_port(probe.tcp_socket.port, container), timeout)
        except PortError as e:
            return Outcome(Result.UNKNOWN, str(e))
