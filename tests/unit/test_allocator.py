"""Choosing ClusterIPs and NodePorts, and the keys that reserve them."""
from __future__ import annotations

import ipaddress
import random

import pytest

from controlplane.apiserver import allocator
from tests.fixtures.objects import from_yaml


def service(extra: str = "", type_: str = "ClusterIP"):
    return from_yaml(f"""
apiVersion: v1
kind: Service
metadata: {{name: web}}
spec:
  type: {type_}
  selector: {{app: web}}
  ports: [{{name: http, port: 80, protocol: TCP}}, {{name: dns, port: 53, protocol: UDP}}]
  {extra}
""")


def test_cluster_ip_is_free_and_inside_the_range():
    network = ipaddress.IPv4Network("10.96.0.0/29")  # 8 addresses: 5 usable after the reserved ones
    used = {"10.96.0.2", "10.96.0.3", "10.96.0.4", "10.96.0.5"}
    assert allocator.pick_cluster_ip(network, used, random.Random(1)) == "10.96.0.6"


def test_full_range_is_an_error():
    network = ipaddress.IPv4Network("10.96.0.0/30")
    with pytest.raises(allocator.RangeFull):
        allocator.pick_cluster_ip(network, {"10.96.0.2"}, random.Random(1))


def test_node_ports_are_allocated_only_for_node_port_services():
    svc = service(type_="NodePort")
    allocator.allocate(svc.spec, allocator.ServiceRanges(), set(), set(), random.Random(3))
    ports = [p.node_port for p in svc.spec.ports]
    assert all(30000 <= p <= 32767 for p in ports) and len(set(ports)) == 2
    assert list(svc.spec.cluster_ips) == [svc.spec.cluster_ip]
    plain = service()
    allocator.allocate(plain.spec, allocator.ServiceRanges(), set(), set(), random.Random(3))
    assert [p.node_port for p in plain.spec.ports] == [0, 0]


def test_headless_service_gets_no_address():
    svc = service("clusterIP: None")
    allocator.allocate(svc.spec, allocator.ServiceRanges(), set(), set(), random.Random(3))
    assert svc.spec.cluster_ip == "None" and allocator.reservation_keys(svc.spec) == set()


def test_reservation_keys_name_ip_and_ports_by_protocol():
    svc = service("clusterIP: 10.96.0.10", type_="NodePort")
    svc.spec.ports[0].node_port, svc.spec.ports[1].node_port = 30080, 30053
    assert allocator.reservation_keys(svc.spec) == {
        b"/registry/allocations/clusterips/10.96.0.10",
        b"/registry/allocations/nodeports/TCP/30080",
        b"/registry/allocations/nodeports/UDP/30053",
    }


def test_requested_values_outside_the_ranges_are_refused():
    svc = service("clusterIP: 10.0.0.1", type_="NodePort")
    svc.spec.ports[0].node_port = 80
    problems = allocator.check_requested(svc.spec, allocator.ServiceRanges())
    assert problems[0].startswith('spec.clusterIP: Invalid value: "10.0.0.1": provided IP is not in the valid range')
    assert problems[1].startswith("spec.ports[0].nodePort: Invalid value: 80")
