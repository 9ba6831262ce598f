"""Pod networking for real: pause containers wired to skiff0 in namespaces standing in for hosts.

Traffic stays inside test namespaces; each has `unreachable` routes for the cluster and service CIDRs.
"""
from __future__ import annotations

import asyncio
import subprocess
from ipaddress import IPv4Interface

import pytest

from api import manifest
from nodeagent.network import bridge, pod as podnet, routes
from tests.fixtures.wait import eventually

SERVE = ["sh", "-c", "mkdir -p /www && echo hello-from-$(hostname) > /www/index.html && exec httpd -f -p 8080 -h /www"]
IDLE = ["sleep", "300"]


async def fetch(runtime, container: str, url: str) -> bytes:
    """The body at `url` as seen from `container`, waiting until the server answers."""
    async def attempt():
        # Not `wget -T`: Debian's static busybox 1.35 segfaults with it.
        result = await runtime.exec(container, ["wget", "-qO-", url], timeout_s=3)
        return result.output if result.exit_code == 0 else None
    return await eventually(attempt, timeout=20, what=f"GET {url}")


async def host_with_bridge(netns, cidr_gateway: str) -> str:
    host = netns()
    await asyncio.to_thread(bridge.ensure_bridge, "skiff0", IPv4Interface(cidr_gateway), host)
    return host


async def test_pod_reaches_pod_on_the_same_bridge(netns, make_pod, docker_runtime):
    host = await host_with_bridge(netns, "10.244.1.1/24")
    await asyncio.to_thread(bridge.ensure_bridge, "skiff0", IPv4Interface("10.244.1.1/24"), host)  # idempotent
    server = await make_pod(host, "10.244.1.2/24", [SERVE])
    client = await make_pod(host, "10.244.1.3/24", [IDLE])
    body = await fetch(docker_runtime, client.apps[0], "http://10.244.1.2:8080/")
    assert body.startswith(b"hello-from-pod-")
    # A pod reaches itself by its own IP through the bridge (hairpin).
    assert (await fetch(docker_runtime, server.apps[0], "http://10.244.1.2:8080/")) == body


async def test_containers_of_a_pod_talk_over_localhost(netns, make_pod, docker_runtime):
    host = await host_with_bridge(netns, "10.244.1.1/24")
    both = await make_pod(host, "10.244.1.2/24", [SERVE, IDLE])
    body = await fetch(docker_runtime, both.apps[1], "http://127.0.0.1:8080/")
    assert body.startswith(b"hello-from-pod-")


async def test_attach_is_idempotent_and_detach_removes_the_veth(netns, make_pod):
    host = await host_with_bridge(netns, "10.244.1.1/24")
    p = await make_pod(host, "10.244.1.2/24", [])
    gateway = p.ip.network.network_address + 1
    again = await asyncio.to_thread(podnet.attach, p.pid, p.uid, p.ip, gateway, "skiff0", host)
    assert again == p.veth == podnet.host_veth_name(p.uid)
    assert await asyncio.to_thread(podnet.list_pod_veths, host) == [p.veth]
    inside = subprocess.run(["nsenter", "-t", str(p.pid), "-n", "ip", "-o", "-4", "addr", "show", "eth0"],
                            capture_output=True, text=True, check=True).stdout
    assert "10.244.1.2/24" in inside
    await asyncio.to_thread(podnet.detach, p.uid, host)
    await asyncio.to_thread(podnet.detach, p.uid, host)
    assert await asyncio.to_thread(podnet.list_pod_veths, host) == []


def node(name: str, pod_cidr: str, ip: str):
    obj, _ = manifest.from_dict({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
                                 "spec": {"podCIDR": pod_cidr},
                                 "status": {"addresses": [{"type": "InternalIP", "address": ip}]}})
    return obj


def link_hosts(a: str, b: str, a_ip: str, b_ip: str) -> None:
    """An underlay: a veth pair between two host namespaces (TEST-NET addresses, never routed out)."""
    subprocess.run(["ip", "-n", a, "link", "add", "under0", "type", "veth", "peer", "name", "under0", "netns", b],
                   check=True)
    for ns, ip in ((a, a_ip), (b, b_ip)):
        subprocess.run(["ip", "-n", ns, "addr", "add", ip, "dev", "under0"], check=True)
        subprocess.run(["ip", "-n", ns, "link", "set", "under0", "up"], check=True)


async def test_pod_reaches_pod_on_another_host_by_pod_ip(netns, make_pod, docker_runtime):
    host_a = await host_with_bridge(netns, "10.244.1.1/24")
    host_b = await host_with_bridge(netns, "10.244.2.1/24")
    link_hosts(host_a, host_b, "192.0.2.1/24", "192.0.2.2/24")
    nodes = [node("a", "10.244.1.0/24", "192.0.2.1"), node("b", "10.244.2.0/24", "192.0.2.2")]
    for name, host in (("a", host_a), ("b", host_b)):
        await asyncio.to_thread(routes.sync_routes, routes.desired_routes(nodes, name), host)
    server = await make_pod(host_b, "10.244.2.2/24", [SERVE])
    client = await make_pod(host_a, "10.244.1.2/24", [IDLE])
    body = await fetch(docker_runtime, client.apps[0], f"http://{server.ip.ip}:8080/")
    assert body.startswith(b"hello-from-pod-")


async def test_sync_routes_changes_only_skiff_routes(netns):
    host = netns()
    subprocess.run(["ip", "-n", host, "link", "add", "under0", "type", "veth", "peer", "name", "peer0"], check=True)
    subprocess.run(["ip", "-n", host, "addr", "add", "192.0.2.1/24", "dev", "under0"], check=True)
    for link in ("under0", "peer0"):
        subprocess.run(["ip", "-n", host, "link", "set", link, "up"], check=True)
    subprocess.run(["ip", "-n", host, "route", "add", "198.51.100.0/24", "via", "192.0.2.9"], check=True)
    await asyncio.to_thread(routes.sync_routes, {"10.244.2.0/24": "192.0.2.2", "10.244.3.0/24": "192.0.2.3"}, host)
    await asyncio.to_thread(routes.sync_routes, {"10.244.2.0/24": "192.0.2.4"}, host)
    table = subprocess.run(["ip", "-n", host, "-4", "route", "show"], capture_output=True, text=True).stdout
    assert "10.244.2.0/24 via 192.0.2.4 dev under0 proto 95" in table
    assert "10.244.3.0/24" not in table
    assert "198.51.100.0/24 via 192.0.2.9" in table
    assert "unreachable 10.244.0.0/16" in table
    with pytest.raises(routes.RouteSyncError, match="10.244.5.0/24 via 203.0.113.1"):
        await asyncio.to_thread(routes.sync_routes, {"10.244.5.0/24": "203.0.113.1"}, host)
