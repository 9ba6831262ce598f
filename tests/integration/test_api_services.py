"""The API server allocates Service ClusterIPs and NodePorts: unique, requested ones honoured, released."""
from __future__ import annotations

import asyncio
import ipaddress

import pytest

from api import errors
from tests.fixtures.apiserver import admin_client, start_apiserver
from tests.fixtures.objects import from_yaml


def service(name: str, type_: str = "ClusterIP", cluster_ip: str = "", node_port: int = 0):
    svc = from_yaml(f"""
apiVersion: v1
kind: Service
metadata: {{name: {name}}}
spec:
  type: {type_}
  selector: {{app: {name}}}
  ports: [{{port: 80, targetPort: 8080}}]
""")
    if cluster_ip:
        svc.spec.cluster_ip = cluster_ip
    if node_port:
        svc.spec.ports[0].node_port = node_port
    return svc


async def test_concurrent_creates_get_distinct_addresses(client):
    created = await asyncio.gather(*(client.create(service(f"s{i}")) for i in range(40)))
    ips = [s.spec.cluster_ip for s in created]
    assert len(set(ips)) == 40
    assert all(ipaddress.IPv4Address(ip) in ipaddress.IPv4Network("10.96.0.0/16") for ip in ips)
    assert all(list(s.spec.cluster_ips) == [s.spec.cluster_ip] for s in created)


async def test_a_dry_run_shows_the_addresses_a_create_would_take_and_reserves_none(client):
    shown = await client.create(service("dry", "NodePort"), dry_run=True)
    assert ipaddress.IPv4Address(shown.spec.cluster_ip) in ipaddress.IPv4Network("10.96.0.0/16")
    assert list(shown.spec.cluster_ips) == [shown.spec.cluster_ip] and shown.spec.ports[0].node_port >= 30000
    with pytest.raises(errors.NotFound):
        await client.get("Service", "dry")
    taken = await client.create(service("real", "NodePort", shown.spec.cluster_ip, shown.spec.ports[0].node_port))
    assert taken.spec.cluster_ip == shown.spec.cluster_ip  # the dry run held nothing back


async def test_requested_ip_is_honoured_once(client):
    first = await client.create(service("a", cluster_ip="10.96.0.10"))
    assert first.spec.cluster_ip == "10.96.0.10"
    with pytest.raises(errors.Invalid, match="provided IP is already allocated"):
        await client.create(service("b", cluster_ip="10.96.0.10"))
    await client.delete("Service", "a")
    again = await client.create(service("b", cluster_ip="10.96.0.10"))  # released on delete
    assert again.spec.cluster_ip == "10.96.0.10"


async def test_node_ports_are_allocated_and_released_on_type_change(client):
    svc = await client.create(service("np", type_="NodePort"))
    port = svc.spec.ports[0].node_port
    assert 30000 <= port <= 32767
    with pytest.raises(errors.Invalid, match="provided port is already allocated"):
        await client.create(service("other", type_="NodePort", node_port=port))
    svc.spec.type = "ClusterIP"
    svc.spec.ports[0].node_port = 0
    changed = await client.update(svc)
    assert changed.spec.ports[0].node_port == 0
    taken = await client.create(service("other", type_="NodePort", node_port=port))
    assert taken.spec.ports[0].node_port == port


async def test_update_without_cluster_ip_keeps_it(client):
    svc = await client.create(service("keep"))
    ip = svc.spec.cluster_ip
    svc.spec.cluster_ip = ""
    svc.spec.ClearField("cluster_ips")
    svc.metadata.labels["x"] = "y"
    assert (await client.update(svc)).spec.cluster_ip == ip


async def test_headless_service_gets_no_address(client):
    svc = await client.create(service("headless", cluster_ip="None"))
    assert svc.spec.cluster_ip == "None"


async def test_allocations_survive_an_api_server_restart(etcd_server, apiserver_running, client):
    first = await client.create(service("before", cluster_ip="10.96.0.20"))
    fresh = await start_apiserver([etcd_server.endpoint], "127.0.0.1:0")
    try:
        async with admin_client(fresh.address) as other:
            with pytest.raises(errors.Invalid, match="already allocated"):
                await other.create(service("after", cluster_ip=first.spec.cluster_ip))
    finally:
        await fresh.stop(grace=0)
