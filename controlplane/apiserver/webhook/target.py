"""Where a webhook is called: its URL, or for a Service reference one of its ready endpoints with the
certificate checked for `<name>.<namespace>.svc` (kube-apiserver's --enable-aggregator-routing)."""
from __future__ import annotations

import random
from dataclasses import dataclass
from urllib.parse import urlsplit

from controlplane.apiserver.webhook.review import CallError
from proto import types_pb2


@dataclass(frozen=True)
class Target:
    url: str  # with Kubernetes' `?timeout=<n>s`
    server_name: str  # the name the serving certificate must carry
    pod: tuple[str, str] | None = None  # (namespace, name) of the endpoint's pod, when it names one
    port: int = 0  # the endpoint's port

    def via(self, local_port: int) -> Target:
        """The same call through a local relay to the endpoint (tunnel.py)."""
        rest = self.url.split("://", 1)[1].partition("/")[2]
        return Target(f"https://127.0.0.1:{local_port}/{rest}", self.server_name)


def of_url(url: str, timeout_seconds: int) -> Target:
    return Target(f"{url}?timeout={timeout_seconds}s", urlsplit(url).hostname or "")


def of_service(ref: types_pb2.ServiceReference, service: types_pb2.Service | None,
               endpoints: types_pb2.Endpoints | None, timeout_seconds: int,
               choose=random.choice) -> Target:
    """A ready endpoint of the service port `ref.port` (the API server may not reach cluster IPs)."""
    what = f'service "{ref.name}"'
    if service is None:
        raise CallError(f'{what} not found')
    ports = [p for p in service.spec.ports if p.port == ref.port]
    if not ports:
        raise CallError(f"no service port {ref.port} found for {what}")
    name = ports[0].name
    candidates = [(a, p.port) for s in (endpoints.subsets if endpoints else ()) for p in s.ports
                  if p.name == name for a in s.addresses]
    if not candidates:
        raise CallError(f"no endpoints available for {what}")
    address, port = choose(candidates)
    host = f"[{address.ip}]" if ":" in address.ip else address.ip
    path = ref.path if ref.HasField("path") else ""
    ref_pod = address.target_ref
    pod = (ref_pod.namespace or ref.namespace, ref_pod.name) if ref_pod.kind == "Pod" and ref_pod.name else None
    return Target(f"https://{host}:{port}{path}?timeout={timeout_seconds}s", f"{ref.name}.{ref.namespace}.svc",
                  pod, port)
