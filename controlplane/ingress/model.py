"""From Ingresses, Services, Endpoints and Secrets to what the proxy should do: virtual servers by host,
locations by path, upstreams of ready pod addresses, certificates, and the Ingresses left out and why.

Pure functions over a snapshot, so every routing rule of Kubernetes' Ingress is tested without a proxy.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from proto import types_pb2

DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"
LEGACY_CLASS_ANNOTATION = "kubernetes.io/ingress.class"
CATCH_ALL = "_"  # the server for rules without a host, as nginx spells "any other name"
TLS_SECRET_TYPE = "kubernetes.io/tls"


@dataclass(frozen=True)
class Upstream:
    """The ready addresses behind one port of one Service: what a location proxies to."""

    name: str  # "default-web-80": safe as an nginx identifier
    addresses: tuple[str, ...]  # "10.244.1.5:8080", sorted


@dataclass(frozen=True)
class Location:
    path: str  # normalized: "/" or without a trailing slash for Prefix
    path_type: str  # Exact, Prefix, ImplementationSpecific
    upstream: str  # an Upstream's name, or "" when the Service has no ready endpoint (503)
    ingress: str  # "namespace/name" that asked for it


@dataclass
class Server:
    host: str  # exact, "*.example.com", or CATCH_ALL
    locations: list[Location] = field(default_factory=list)
    certificate: str = ""  # a Certificate's name when the host is served over TLS

    def has(self, path: str, path_type: str) -> bool:
        return any(loc.path == path and loc.path_type == path_type for loc in self.locations)


@dataclass(frozen=True)
class Certificate:
    name: str  # "default-web-tls"
    cert_pem: bytes
    key_pem: bytes


@dataclass
class Plan:
    servers: dict[str, Server] = field(default_factory=dict)
    upstreams: dict[str, Upstream] = field(default_factory=dict)
    certificates: dict[str, Certificate] = field(default_factory=dict)
    served: list[str] = field(default_factory=list)  # Ingress keys the plan serves
    refused: dict[str, str] = field(default_factory=dict)  # Ingress key → why it was left out


@dataclass(frozen=True)
class Snapshot:
    ingresses: Iterable[types_pb2.Ingress]
    classes: Iterable[types_pb2.IngressClass]
    services: Mapping[str, types_pb2.Service]  # "namespace/name" →
    endpoints: Mapping[str, types_pb2.Endpoints]
    secrets: Mapping[str, types_pb2.Secret]


class IngressError(ValueError):
    """Why one Ingress cannot be served; it is left out and the others are served."""


def key(obj) -> str:
    return f"{obj.metadata.namespace}/{obj.metadata.name}"


# ---------------------------------------------------------------- which Ingresses are ours

def our_classes(classes: Iterable[types_pb2.IngressClass], controller: str) -> tuple[set[str], bool]:
    """The names of the classes served by `controller`, and whether one of them is the cluster's default."""
    names, default = set(), False
    for cls in classes:
        if cls.spec.controller == controller:
            names.add(cls.metadata.name)
            default = default or cls.metadata.annotations.get(DEFAULT_CLASS_ANNOTATION) == "true"
    return names, default


def is_ours(ing: types_pb2.Ingress, class_names: set[str], default: bool) -> bool:
    """As Kubernetes: ingressClassName, else the legacy annotation, else the default class."""
    if ing.spec.HasField("ingress_class_name"):
        return ing.spec.ingress_class_name in class_names
    legacy = ing.metadata.annotations.get(LEGACY_CLASS_ANNOTATION)
    if legacy is not None:
        return legacy in class_names
    return default


# ---------------------------------------------------------------- the plan

def plan(snapshot: Snapshot, controller: str) -> Plan:
    """Every Ingress of our classes, oldest first (the oldest wins a host and path both ask for)."""
    class_names, default = our_classes(snapshot.classes, controller)
    ours = [ing for ing in snapshot.ingresses if is_ours(ing, class_names, default)]
    ours.sort(key=lambda ing: (ing.metadata.creation_timestamp, key(ing)))
    result = Plan()
    for ing in ours:
        try:
            servers, upstreams, certificates = _routes_of(ing, snapshot)
        except IngressError as e:
            result.refused[key(ing)] = str(e)
            continue
        _merge(result, servers)
        result.upstreams.update(upstreams)
        result.certificates.update(certificates)
        result.served.append(key(ing))
    return result


def _merge(result: Plan, servers: list[Server]) -> None:
    for server in servers:
        into = result.servers.setdefault(server.host, Server(server.host))
        into.certificate = into.certificate or server.certificate
        for loc in server.locations:
            if not into.has(loc.path, loc.path_type):
                into.locations.append(loc)


def _routes_of(ing: types_pb2.Ingress, snapshot: Snapshot) -> tuple[list[Server], dict, dict]:
    namespace = ing.metadata.namespace
    upstreams: dict[str, Upstream] = {}
    certificates = _certificates(ing, snapshot.secrets)
    tls_hosts = {host: cert for tls in ing.spec.tls for host in tls.hosts
                 for cert in [f"{namespace}-{tls.secret_name}"] if tls.secret_name}
    servers: dict[str, Server] = {}

    def server(host: str) -> Server:
        if host not in servers:
            servers[host] = Server(host, certificate=tls_hosts.get(host, ""))
        return servers[host]

    for rule in ing.spec.rules:
        host = rule.host or CATCH_ALL
        for http in rule.http.paths:
            upstream = _upstream(namespace, http.backend, snapshot, upstreams)
            path = normalize_path(http.path or "/", http.path_type)
            if not server(host).has(path, http.path_type):
                server(host).locations.append(Location(path, http.path_type, upstream, key(ing)))
    if ing.spec.HasField("default_backend"):
        upstream = _upstream(namespace, ing.spec.default_backend, snapshot, upstreams)
        catch_all = server(CATCH_ALL)
        if not catch_all.has("/", "Prefix"):
            catch_all.locations.append(Location("/", "Prefix", upstream, key(ing)))
    return list(servers.values()), upstreams, certificates


def normalize_path(path: str, path_type: str) -> str:
    """Kubernetes' Prefix matching ignores a trailing slash: `/foo/` and `/foo` are one prefix."""
    if path_type == "Prefix" and path != "/":
        return path.rstrip("/") or "/"
    return path


def _upstream(namespace: str, backend: types_pb2.IngressBackend, snapshot: Snapshot,
              upstreams: dict[str, Upstream]) -> str:
    if backend.HasField("resource"):
        raise IngressError(f"resource backends ({backend.resource.kind}) are not supported by this controller")
    wanted = backend.service
    service = snapshot.services.get(f"{namespace}/{wanted.name}")
    if service is None:
        return ""  # as ingress-nginx: 503 until the Service exists
    port = service_port(service, wanted.port)
    endpoints = snapshot.endpoints.get(f"{namespace}/{wanted.name}")
    addresses = tuple(sorted(ready_addresses(endpoints, port) if endpoints else ()))
    if not addresses:
        return ""
    name = f"{namespace}-{wanted.name}-{port.port}"
    upstreams[name] = Upstream(name, addresses)
    return name


def service_port(service: types_pb2.Service, wanted: types_pb2.ServiceBackendPort) -> types_pb2.ServicePort:
    for port in service.spec.ports:
        if (wanted.name and port.name == wanted.name) or (wanted.number and port.port == wanted.number):
            return port
    asked = wanted.name or wanted.number
    raise IngressError(f'service "{service.metadata.name}" does not have port {asked}')


def ready_addresses(endpoints: types_pb2.Endpoints, port: types_pb2.ServicePort) -> list[str]:
    """Pod IP:port pairs of the Endpoints subsets that carry the Service port (matched by its name)."""
    found = []
    for subset in endpoints.subsets:
        for ep_port in subset.ports:
            if ep_port.name == port.name and (ep_port.protocol or "TCP") == (port.protocol or "TCP"):
                found += [f"{address.ip}:{ep_port.port}" for address in subset.addresses]
    return found


def _certificates(ing: types_pb2.Ingress, secrets: Mapping[str, types_pb2.Secret]) -> dict[str, Certificate]:
    namespace, found = ing.metadata.namespace, {}
    for tls in ing.spec.tls:
        if not tls.secret_name:
            continue
        secret = secrets.get(f"{namespace}/{tls.secret_name}")
        if secret is None:
            raise IngressError(f'TLS secret "{namespace}/{tls.secret_name}" not found')
        if secret.type != TLS_SECRET_TYPE:
            raise IngressError(f'TLS secret "{namespace}/{tls.secret_name}" is of type "{secret.type}", '
                               f'not "{TLS_SECRET_TYPE}"')
        cert, private_key = secret.data.get("tls.crt", b""), secret.data.get("tls.key", b"")
        if b"BEGIN CERTIFICATE" not in cert or b"PRIVATE KEY" not in private_key:
            raise IngressError(f'TLS secret "{namespace}/{tls.secret_name}" does not hold a PEM certificate '
                               f"and key in tls.crt and tls.key")
        name = f"{namespace}-{tls.secret_name}"
        found[name] = Certificate(name, cert, private_key)
    return found

