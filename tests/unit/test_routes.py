"""Which host-gw routes a node wants, and the add/delete plan that gets the kernel there."""
from __future__ import annotations

from api import manifest
from nodeagent.network.routes import desired_routes, plan


def node(name: str, pod_cidr: str = "", ip: str = ""):
    addresses = [{"type": "Hostname", "address": name}]
    if ip:
        addresses.append({"type": "InternalIP", "address": ip})
    obj, _ = manifest.from_dict({
        "apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
        "spec": {"podCIDR": pod_cidr} if pod_cidr else {},
        "status": {"addresses": addresses},
    })
    return obj


def test_routes_to_every_other_node_with_cidr_and_internal_ip():
    nodes = [node("a", "10.244.0.0/24", "192.168.1.10"), node("b", "10.244.1.0/24", "192.168.1.11"),
             node("c", "10.244.2.0/24", "192.168.1.12")]
    assert desired_routes(nodes, "a") == {"10.244.1.0/24": "192.168.1.11", "10.244.2.0/24": "192.168.1.12"}


def test_nodes_without_cidr_or_internal_ip_get_no_route():
    nodes = [node("a", "10.244.0.0/24", "192.168.1.10"), node("b", "", "192.168.1.11"),
             node("c", "10.244.2.0/24", "")]
    assert desired_routes(nodes, "a") == {}


def test_plan_replaces_changed_gateways_and_deletes_departed_nodes():
    current = {"10.244.1.0/24": "192.168.1.11", "10.244.2.0/24": "192.168.1.12", "10.244.9.0/24": "192.168.1.19"}
    desired = {"10.244.1.0/24": "192.168.1.11", "10.244.2.0/24": "192.168.1.22", "10.244.3.0/24": "192.168.1.13"}
    upsert, delete = plan(desired, current)
    assert upsert == {"10.244.2.0/24": "192.168.1.22", "10.244.3.0/24": "192.168.1.13"}
    assert delete == ["10.244.9.0/24"]


def test_plan_is_empty_when_in_sync():
    routes = {"10.244.1.0/24": "192.168.1.11"}
    assert plan(routes, dict(routes)) == ({}, [])
