"""Docker-links-style environment variables for the Services a pod can see (enableServiceLinks), as the
kubelet makes them: {SVC}_SERVICE_HOST, {SVC}_SERVICE_PORT, {SVC}_PORT_{port}_{PROTO}_ADDR, ... Pure."""
from __future__ import annotations

from collections.abc import Iterable

from proto import types_pb2

MASTER_NAMESPACE = "default"  # its "kubernetes" Service is shown to every pod, links or not


def _prefix(name: str) -> str:
    return name.upper().replace("-", "_")


def one_service(svc: types_pb2.Service) -> dict[str, str]:
    """The kubelet's envvars.FromServices for one Service with a cluster IP."""
    prefix, host = _prefix(svc.metadata.name), svc.spec.cluster_ip
    env: dict[str, str] = {f"{prefix}_SERVICE_HOST": host}
    ports = list(svc.spec.ports)
    if not ports:
        return env
    env[f"{prefix}_SERVICE_PORT"] = str(ports[0].port)
    for p in ports:
        if p.name:
            env[f"{prefix}_SERVICE_PORT_{_prefix(p.name)}"] = str(p.port)
    first = ports[0]
    env[f"{prefix}_PORT"] = f"{(first.protocol or 'TCP').lower()}://{host}:{first.port}"
    for p in ports:
        protocol = p.protocol or "TCP"
        base = f"{prefix}_PORT_{p.port}_{protocol.upper()}"
        env[base] = f"{protocol.lower()}://{host}:{p.port}"
        env[f"{base}_PROTO"] = protocol.lower()
        env[f"{base}_PORT"] = str(p.port)
        env[f"{base}_ADDR"] = host
    return env


def service_env(pod: types_pb2.Pod, services: Iterable[types_pb2.Service]) -> dict[str, str]:
    """The variables for `pod`: its namespace's Services (unless enableServiceLinks is false) and the
    default namespace's `kubernetes` Service; headless and IP-less Services give none."""
    links = not pod.spec.HasField("enable_service_links") or pod.spec.enable_service_links
    env: dict[str, str] = {}
    chosen: dict[str, types_pb2.Service] = {}
    for svc in services:
        ip = svc.spec.cluster_ip
        if not ip or ip == "None":
            continue
        ns, name = svc.metadata.namespace, svc.metadata.name
        if ns == MASTER_NAMESPACE and name == "kubernetes":
            chosen.setdefault(name, svc)
        elif links and ns == pod.metadata.namespace:
            chosen[name] = svc  # the pod's own namespace wins over the master Service of the same name
    for name in sorted(chosen):
        env.update(one_service(chosen[name]))
    return env
