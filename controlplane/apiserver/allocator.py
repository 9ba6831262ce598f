"""Service ClusterIPs and NodePorts: choosing free ones, and the reservation keys that make them unique.

Each allocated IP or port is a key in etcd, written in the same transaction as its Service, so two
Services can never hold the same one, and the allocation survives API server restarts.
"""
from __future__ import annotations

import ipaddress
import random
from collections.abc import Iterable
from dataclasses import dataclass

from proto import types_pb2

RESERVATIONS = "/registry/allocations"


@dataclass(frozen=True)
class ServiceRanges:
    cluster_ip_range: ipaddress.IPv4Network = ipaddress.IPv4Network("10.96.0.0/16")
    node_ports: range = range(30000, 32768)

    @classmethod
    def parse(cls, cidr: str, ports: str) -> "ServiceRanges":
        low, _, high = ports.partition("-")
        return cls(ipaddress.IPv4Network(cidr), range(int(low), int(high) + 1))


class RangeFull(Exception):
    pass


# The Service types that open a port on every node.
NODE_PORT_TYPES = ("NodePort", "LoadBalancer")


def uses_cluster_ip(spec: types_pb2.ServiceSpec) -> bool:
    return spec.cluster_ip != "None" and spec.type != "ExternalName"  # ExternalName: a DNS alias, no address


def uses_node_ports(spec: types_pb2.ServiceSpec) -> bool:
    if spec.type == "LoadBalancer":
        # Kubernetes' allocateLoadBalancerNodePorts: true unless the Service says otherwise.
        return not spec.HasField("allocate_load_balancer_node_ports") or spec.allocate_load_balancer_node_ports
    return spec.type == "NodePort"


def uses_health_check_node_port(spec: types_pb2.ServiceSpec) -> bool:
    """A LoadBalancer Service that keeps client addresses gets a port where nodes say if they have endpoints."""
    return spec.type == "LoadBalancer" and spec.external_traffic_policy == "Local"


def reservation_keys(spec: types_pb2.ServiceSpec) -> set[bytes]:
    """The keys a Service's allocations occupy."""
    keys = set()
    if spec.cluster_ip and spec.cluster_ip != "None":
        keys.add(f"{RESERVATIONS}/clusterips/{spec.cluster_ip}".encode())
    for port in spec.ports:
        if port.node_port:
            keys.add(f"{RESERVATIONS}/nodeports/{port.protocol or 'TCP'}/{port.node_port}".encode())
    if spec.health_check_node_port:
        keys.add(f"{RESERVATIONS}/nodeports/TCP/{spec.health_check_node_port}".encode())
    return keys


def in_use(services: Iterable[types_pb2.Service]) -> tuple[set[str], set[tuple[str, int]]]:
    """(cluster IPs, (protocol, nodePort) pairs) held by these Services."""
    ips, ports = set(), set()
    for svc in services:
        if svc.spec.cluster_ip and svc.spec.cluster_ip != "None":
            ips.add(svc.spec.cluster_ip)
        for port in svc.spec.ports:
            if port.node_port:
                ports.add((port.protocol or "TCP", port.node_port))
        if svc.spec.health_check_node_port:
            ports.add(("TCP", svc.spec.health_check_node_port))
    return ips, ports


def pick_cluster_ip(network: ipaddress.IPv4Network, used: set[str], rng: random.Random) -> str:
    """A random free address, skipping the network's first (the kubernetes Service's, by convention)."""
    first, size = int(network.network_address) + 2, network.num_addresses - 3
    if size <= 0 or len(used) >= size:
        raise RangeFull(f"no free IP in the service range {network}")
    start = rng.randrange(size)
    for step in range(size):
        candidate = str(ipaddress.IPv4Address(first + (start + step) % size))
        if candidate not in used:
            return candidate
    raise RangeFull(f"no free IP in the service range {network}")


def pick_node_port(ports: range, used: set[int], rng: random.Random) -> int:
    start = rng.randrange(len(ports))
    for step in range(len(ports)):
        candidate = ports[(start + step) % len(ports)]
        if candidate not in used:
            return candidate
    raise RangeFull(f"no free node port in {ports.start}-{ports.stop - 1}")


def check_requested(spec: types_pb2.ServiceSpec, ranges: ServiceRanges) -> list[str]:
    """Requested IPs and ports must lie in the configured ranges (field-path errors)."""
    problems = []
    if spec.cluster_ip and spec.cluster_ip != "None":
        try:
            inside = ipaddress.IPv4Address(spec.cluster_ip) in ranges.cluster_ip_range
        except ValueError:
            inside = True  # validation reports the malformed address
        if not inside:
            problems.append(f'spec.clusterIP: Invalid value: "{spec.cluster_ip}": provided IP is not in the '
                            f'valid range. The range of valid IPs is {ranges.cluster_ip_range}')
    for i, port in enumerate(spec.ports):
        if port.node_port and port.node_port not in ranges.node_ports:
            problems.append(f"spec.ports[{i}].nodePort: Invalid value: {port.node_port}: provided port is not in "
                            f"the valid range. The range of valid ports is "
                            f"{ranges.node_ports.start}-{ranges.node_ports.stop - 1}")
    return problems


def allocate(spec: types_pb2.ServiceSpec, ranges: ServiceRanges, used_ips: set[str],
             used_ports: set[tuple[str, int]], rng: random.Random) -> None:
    """Fill in what the Service needs and did not ask for: a ClusterIP, and NodePorts for NodePort type."""
    if uses_cluster_ip(spec) and not spec.cluster_ip:
        spec.cluster_ip = pick_cluster_ip(ranges.cluster_ip_range, used_ips, rng)
    if spec.cluster_ip and spec.cluster_ip != "None":
        del spec.cluster_ips[:]
        spec.cluster_ips.append(spec.cluster_ip)
    if uses_node_ports(spec):
        taken = {p for _, p in used_ports}
        for port in spec.ports:
            if not port.node_port:
                port.node_port = pick_node_port(ranges.node_ports, taken, rng)
                taken.add(port.node_port)
    elif spec.type != "LoadBalancer":
        for port in spec.ports:
            port.node_port = 0
    if uses_health_check_node_port(spec):
        if not spec.health_check_node_port:
            taken = {p for _, p in used_ports} | {p.node_port for p in spec.ports}
            spec.health_check_node_port = pick_node_port(ranges.node_ports, taken, rng)
    else:
        spec.health_check_node_port = 0
