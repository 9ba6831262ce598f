"""What the proxy programs, as plain data: each Service port with its ClusterIP, NodePort, affinity and
ready endpoints. A pure function of the Services and Endpoints in the cache (kube-proxy's ServicePortMap).
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from api import loadbalancer
from proto import types_pb2

PROTOCOLS = {"TCP": "tcp", "UDP": "udp"}  # nftables' names; SCTP is not proxied
NODE_PORT_TYPES = ("NodePort", "LoadBalancer")


@dataclass(frozen=True, order=True)
class Endpoint:
    ip: str
    port: int
    local: bool = False  # on this node (what externalTrafficPolicy: Local sends to)


@dataclass(frozen=True, order=True)
class ServicePort:
    namespace: str
    name: str
    port_name: str
    protocol: str  # "tcp" | "udp"
    cluster_ip: str
    port: int
    node_port: int = 0  # 0: none
    affinity_seconds: int = 0  # ClientIP affinity timeout; 0: no affinity
    endpoints: tuple[Endpoint, ...] = ()
    load_balancer_ips: tuple[str, ...] = ()  # status.loadBalancer.ingress[].ip of a LoadBalancer Service
    external_local: bool = False  # externalTrafficPolicy: Local (NodePort and LB traffic stays on the node)
    # loadBalancerSourceRanges: the IPv4 clients allowed to reach the load-balancer addresses, merged;
    # None: anyone. () is not None: ranges were given but none is IPv4, so no IPv4 client gets through.
    source_ranges: tuple[str, ...] | None = None

    @property
    def id(self) -> str:
        """Unique among the ports of all Services and readable in `nft list`: namespace/name/protocol/port."""
        return f"{self.namespace}/{self.name}/{self.protocol}/{self.port_name or self.port}"


def _affinity_seconds(spec: types_pb2.ServiceSpec) -> int:
    if spec.session_affinity != "ClientIP":
        return 0
    config = spec.session_affinity_config.client_ip
    return config.timeout_seconds if config.HasField("timeout_seconds") else 10800


def ready_endpoints(endpoints: types_pb2.Endpoints | None, port: types_pb2.ServicePort,
                    node_name: str = "") -> tuple[Endpoint, ...]:
    """The ready addresses serving `port`: subsets' ports are matched by the Service port's name; those
    whose nodeName is `node_name` are marked local."""
    if endpoints is None:
        return ()
    found = set()
    protocol = port.protocol or "TCP"
    for subset in endpoints.subsets:
        for ep_port in subset.ports:
            if ep_port.name != port.name or (ep_port.protocol or "TCP") != protocol:
                continue
            found.update(Endpoint(a.ip, ep_port.port, bool(node_name) and a.node_name == node_name)
                         for a in subset.addresses if a.ip)
    return tuple(sorted(found, key=lambda e: (tuple(int(x) for x in e.ip.split(".")), e.port)))


def load_balancer_ips(svc: types_pb2.Service) -> tuple[str, ...]:
    if svc.spec.type != "LoadBalancer":
        return ()
    return tuple(sorted({i.ip for i in svc.status.load_balancer.ingress if i.ip}))


def allowed_sources(svc: types_pb2.Service) -> tuple[str, ...] | None:
    """The Service's source ranges as the IPv4 networks nftables is given: host bits cleared, overlaps
    merged (an interval set refuses overlapping elements); IPv6 ranges cannot match an IPv4 client."""
    ranges = loadbalancer.source_ranges(svc)
    if ranges is None:
        return None
    networks = []
    for text in ranges:
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            continue  # validation refuses these; an object stored before it did allows nobody more
        if network.version == 4:
            networks.append(network)
    return tuple(str(n) for n in ipaddress.collapse_addresses(networks))


def service_ports(services: Iterable[types_pb2.Service],
                  endpoints_of: dict[str, types_pb2.Endpoints], node_name: str = "") -> list[ServicePort]:
    """Every proxied port, sorted; `endpoints_of` maps "namespace/name" to the Service's Endpoints;
    `node_name` tells which endpoints are local. Headless Services (no ClusterIP) have nothing to proxy."""
    out = []
    for svc in services:
        spec = svc.spec
        if not spec.cluster_ip or spec.cluster_ip == "None":
            continue
        key = f"{svc.metadata.namespace}/{svc.metadata.name}"
        for port in spec.ports:
            protocol = PROTOCOLS.get(port.protocol or "TCP")
            if protocol is None:
                continue
            out.append(ServicePort(
                namespace=svc.metadata.namespace, name=svc.metadata.name, port_name=port.name, protocol=protocol,
                cluster_ip=spec.cluster_ip, port=port.port,
                node_port=port.node_port if spec.type in NODE_PORT_TYPES else 0,
                affinity_seconds=_affinity_seconds(spec),
                endpoints=ready_endpoints(endpoints_of.get(key), port, node_name),
                load_balancer_ips=load_balancer_ips(svc),
                source_ranges=allowed_sources(svc) if spec.type == "LoadBalancer" else None,
                external_local=spec.type in NODE_PORT_TYPES and spec.external_traffic_policy == "Local"))
    return sorted(out)


@dataclass(frozen=True, order=True)
class HostPort:
    """A container port published on its node (hostPort): node address:port DNATed to the pod."""

    host_ip: str  # the node's IP, or the hostIP the port names
    protocol: str  # "tcp" | "udp"
    port: int
    pod_ip: str
    container_port: int

    @property
    def id(self) -> str:
        return f"{self.protocol}/{self.host_ip}/{self.port}"


def host_ports(pods: Iterable[types_pb2.Pod], node_ip: str) -> list[HostPort]:
    """The hostPorts of the node's live pods that have an address (hostNetwork pods listen on the host)."""
    found = set()
    for pod in pods:
        if pod.spec.host_network or not pod.status.pod_ip or pod.metadata.deletion_timestamp or \
                pod.status.phase in ("Succeeded", "Failed"):
            continue
        for c in (*pod.spec.init_containers, *pod.spec.containers):
            for p in c.ports:
                protocol = PROTOCOLS.get(p.protocol or "TCP")
                if p.host_port and protocol:
                    host_ip = p.host_ip if p.host_ip and p.host_ip != "0.0.0.0" else node_ip
                    found.add(HostPort(host_ip, protocol, p.host_port, pod.status.pod_ip, p.container_port))
    return sorted(found)
