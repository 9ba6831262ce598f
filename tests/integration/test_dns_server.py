"""The DNS server on 127.0.0.1 answering from a real API server's Services through informers, over UDP
and TCP; answers follow creates and deletes within a second; upstream forwarding, refusal and timeouts.
"""
from __future__ import annotations

import asyncio
import socket
import time

import dns.asyncquery
import dns.message
import dns.rcode
import pytest

from nodeagent.dns.clusterdns import ClusterDns
from nodeagent.dns.server import DnsServer
from nodeagent.dns.zone import Zone
from tests.fixtures.wait import eventually
from tests.fixtures.objects import endpoints, service


@pytest.fixture
async def cluster_dns(client):
    cdns = ClusterDns(client, port=0)
    await cdns.start("127.0.0.1")
    await cdns.services.wait_synced(10)
    await cdns.endpoints.wait_synced(10)
    try:
        yield cdns
    finally:
        await cdns.stop()


async def query(server, name, rdtype="A", tcp=False, timeout=2.0):
    q = dns.message.make_query(name, rdtype)
    if tcp:
        return await dns.asyncquery.tcp(q, server.address, timeout=timeout, port=server.port)
    return await dns.asyncquery.udp(q, server.address, timeout=timeout, port=server.port)


def addresses(response):
    return sorted(r.to_text() for rrset in response.answer for r in rrset)


async def test_service_is_answered_within_a_second_of_create_and_gone_after_delete(client, cluster_dns):
    name = "web.default.svc.cluster.local"
    assert (await query(cluster_dns, name)).rcode() == dns.rcode.NXDOMAIN
    created = await client.create(service("web", cluster_ip=""))
    start = time.monotonic()

    async def resolves():
        return addresses(await query(cluster_dns, name)) == [created.spec.cluster_ip]
    await eventually(resolves, timeout=1.0, what="the new Service resolving")
    appeared = time.monotonic() - start

    await client.delete("Service", "web")
    start = time.monotonic()

    async def gone():
        return (await query(cluster_dns, name)).rcode() == dns.rcode.NXDOMAIN
    await eventually(gone, timeout=1.0, what="the deleted Service giving NXDOMAIN")
    assert appeared < 1.0 and time.monotonic() - start < 1.0


async def test_tcp_answers_srv_and_headless_from_endpoints(client, cluster_dns):
    await client.create(service("db", cluster_ip="None", ports=(("pg", 5432),)))
    await client.create(endpoints("db", ready=["10.244.1.5", "10.244.2.7"], ports=(("pg", 5432),)))

    async def both_ips():
        return addresses(await query(cluster_dns, "db.default.svc.cluster.local", tcp=True)) == [
            "10.244.1.5", "10.244.2.7"]
    await eventually(both_ips, timeout=2.0, what="the headless Service's pod IPs")
    srv = await query(cluster_dns, "_pg._tcp.db.default.svc.cluster.local", "SRV")
    assert addresses(srv) == ["0 50 5432 10-244-1-5.db.default.svc.cluster.local.",
                              "0 50 5432 10-244-2-7.db.default.svc.cluster.local."]
    await client.delete("Endpoints", "db")

    async def no_ips():
        r = await query(cluster_dns, "db.default.svc.cluster.local")
        return r.rcode() == dns.rcode.NOERROR and not r.answer
    await eventually(no_ips, timeout=2.0, what="the headless Service without endpoints")


async def test_outside_name_without_upstream_is_refused_at_once(cluster_dns):
    start = time.monotonic()
    response = await query(cluster_dns, "example.com", timeout=1.0)
    assert response.rcode() == dns.rcode.REFUSED
    assert time.monotonic() - start < 0.5


async def test_outside_names_are_forwarded_to_the_upstream():
    upstream = DnsServer(Zone.of([service("www", cluster_ip="192.0.2.80")], domain="example.test"),
                         "127.0.0.1", 0)
    await upstream.start()
    node = DnsServer(Zone(), "127.0.0.1", 0, upstream=("127.0.0.1", upstream.port))
    await node.start()
    node.address = "127.0.0.1"
    try:
        for tcp in (False, True):
            response = await query(node, "www.default.svc.example.test", tcp=tcp)
            assert addresses(response) == ["192.0.2.80"]
    finally:
        await node.stop()
        await upstream.stop()


async def test_silent_upstream_gives_servfail_not_a_hang():
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    node = DnsServer(Zone(), "127.0.0.1", 0, upstream=silent.getsockname(), upstream_timeout=0.3)
    await node.start()
    node.address = "127.0.0.1"
    try:
        start = time.monotonic()
        response = await query(node, "example.com", timeout=3.0)
        assert response.rcode() == dns.rcode.SERVFAIL
        assert time.monotonic() - start < 2.0
    finally:
        await node.stop()
        silent.close()


async def test_garbage_is_dropped_and_the_server_keeps_answering(cluster_dns):
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setblocking(False)
    try:
        await loop.sock_sendto(sock, b"\x00\x01garbage", ("127.0.0.1", cluster_dns.port))
    finally:
        sock.close()
    assert (await query(cluster_dns, "cluster.local", "SOA")).rcode() == dns.rcode.NOERROR


async def test_pod_gets_its_resolv_conf_mounted_read_only(cluster_dns, tmp_path):
    from nodeagent.runtime.base import Mount
    from tests.fixtures.objects import pod

    mounts = await cluster_dns.pod_mounts(pod("p", namespace="shop"), str(tmp_path / "pod"), [])
    assert mounts == [Mount(str(tmp_path / "pod" / "resolv.conf"), "/etc/resolv.conf", read_only=True)]
    text = (tmp_path / "pod" / "resolv.conf").read_text()
    assert "nameserver 127.0.0.1\n" in text and text.startswith("search shop.svc.cluster.local ")
    own = [Mount("/somewhere", "/etc/resolv.conf")]  # the container's own mount wins
    assert await cluster_dns.pod_mounts(pod("p"), str(tmp_path / "pod2"), own) == own
