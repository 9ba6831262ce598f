"""The proxy's nft transactions against the kernel: after a sequence of partial transactions, the table
equals one rebuilt from scratch; the full rewrite keeps clients pinned by affinity; teardown removes all.
Runs in namespaces of the test only; no packet is sent."""
from __future__ import annotations

import json

import pytest

from nodeagent.proxy import nft, render, transaction
from nodeagent.proxy.model import Endpoint, ServicePort

NODE = render.NodeNetwork(pod_cidr="10.244.1.0/24", service_cidr="10.96.0.0/16")
pytestmark = pytest.mark.e2e


def port(name, ip, *eps, node_port=0, affinity=0, protocol="tcp", lb=(), local=False, sources=None):
    return ServicePort("default", name, "", protocol, ip, 80, node_port, affinity,
                       tuple(Endpoint(e, 8080, local=e.startswith("10.244.1.")) for e in eps),
                       load_balancer_ips=lb, external_local=local, source_ranges=sources)


STEPS = [
    [port("a", "10.96.0.10", "10.244.1.2", "10.244.2.2", node_port=30001), port("b", "10.96.0.11")],
    [port("a", "10.96.0.10", "10.244.1.2", "10.244.2.3", node_port=30001), port("b", "10.96.0.11", "10.244.1.7")],
    [port("a", "10.96.0.10", node_port=30001), port("b", "10.96.0.11", "10.244.1.7", affinity=600)],
    [port("b", "10.96.0.11", "10.244.1.7", "10.244.1.8", affinity=60), port("c", "10.96.0.12", "10.244.3.3",
                                                                            protocol="udp")],
    [],
    [port("a", "10.96.0.10", "10.244.1.2", node_port=30002)],
    # LoadBalancer addresses come, change policy, lose their endpoints and go
    [port("a", "10.96.0.10", "10.244.1.2", node_port=30002, lb=("10.250.0.200",)),
     port("d", "10.96.0.13", "10.244.2.4", node_port=30003, lb=("10.250.0.201",), local=True)],
    [port("a", "10.96.0.10", "10.244.1.2", node_port=30002, lb=("10.250.0.200",), local=True),
     port("d", "10.96.0.13", node_port=30003, lb=("10.250.0.201",))],
    [port("a", "10.96.0.10", "10.244.1.2", node_port=30002)],
    # source ranges come (one Service with none IPv4), change, and go with the last firewalled Service
    [port("a", "10.96.0.10", "10.244.1.2", node_port=30002, lb=("10.250.0.200",), sources=("10.250.0.0/25",)),
     port("d", "10.96.0.13", lb=("10.250.0.201",), sources=())],
    [port("a", "10.96.0.10", "10.244.1.2", node_port=30002, lb=("10.250.0.200",),
          sources=("10.250.0.128/25", "192.168.0.0/16")),
     port("d", "10.96.0.13", lb=("10.250.0.201",))],
    [port("a", "10.96.0.10", "10.244.1.2", node_port=30002, lb=("10.250.0.200",))],
]


async def table(ns: str) -> dict:
    """The table as comparable data: rules per chain without handles, elements sorted."""
    data = json.loads(await nft.run(["-j", "list", "table", render.FAMILY, render.TABLE], ns))["nftables"]
    out: dict = {}
    for item in data:
        (kind, body), = item.items()
        if kind == "chain":
            out.setdefault(f"chain {body['name']}", [])
        elif kind == "rule":
            out.setdefault(f"chain {body['chain']}", []).append(json.dumps(body["expr"], sort_keys=True))
        elif kind in ("set", "map"):
            elements = sorted(json.dumps(e, sort_keys=True) for e in body.get("elem", []))
            out[f"{kind} {body['name']}"] = (body.get("timeout"), elements)
    return out


async def test_partial_transactions_end_where_a_rebuild_does(netns):
    step_ns, fresh_ns = netns(), netns()
    previous = None
    for i, ports in enumerate(STEPS):
        rs = render.render(ports, NODE)
        await nft.apply(transaction.script(rs, previous, partial=True), step_ns)
        await nft.apply(transaction.script(rs), fresh_ns)
        assert await table(step_ns) == await table(fresh_ns), f"after step {i}"
        previous = rs


async def test_source_ranges_holding_the_node_and_its_addresses_are_accepted_by_nft(netns):
    ns = netns()
    node = render.NodeNetwork(pod_cidr="10.244.1.0/24", service_cidr="10.96.0.0/16", node_ip="10.250.0.11")
    ports = [port("a", "10.96.0.10", "10.244.1.2", lb=("10.250.0.200", "10.250.0.201"), sources=("10.250.0.0/24",)),
             port("b", "10.96.0.11", lb=("10.250.0.202",), sources=("10.250.0.0/28", "192.168.0.0/16"))]
    await nft.apply(transaction.script(render.render(ports, node)), ns)
    assert "10.250.0.0/24" in await nft.run(["list", "chain", render.FAMILY, render.TABLE, "fw-default/a/tcp/80"], ns)


async def test_full_rewrite_keeps_pinned_clients_and_teardown_removes_the_table(netns):
    ns = netns()
    rs = render.render([port("b", "10.96.0.11", "10.244.1.7", affinity=600)], NODE)
    await nft.apply(transaction.script(rs), ns)
    aff = "aff-default/b/tcp/80__10.244.1.7/8080"
    await nft.run(["add", "element", render.FAMILY, render.TABLE, aff, "{ 10.244.1.50 }"], ns)
    await nft.apply(transaction.script(rs, rs, partial=False), ns)
    assert "10.244.1.50" in await nft.run(["list", "set", render.FAMILY, render.TABLE, aff], ns)
    await nft.apply(transaction.teardown(), ns)
    assert not await nft.exists(render.FAMILY, render.TABLE, ns)
    await nft.apply(transaction.teardown(), ns)  # and again, with nothing there


async def test_docker_user_gets_the_cluster_accepts_once_and_only_where_docker_is(netns):
    from nodeagent.proxy import host
    ns = netns()
    assert await host.ensure_docker_user("10.244.0.0/16", ns) == []  # no Docker here: nothing to open
    await nft.apply("add table ip filter\nadd chain ip filter DOCKER-USER\nadd rule ip filter DOCKER-USER return\n", ns)
    added = await host.ensure_docker_user("10.244.0.0/16", ns)
    assert added == host.docker_user_rules("10.244.0.0/16")
    assert await host.ensure_docker_user("10.244.0.0/16", ns) == []  # idempotent
    rules = [line.strip() for line in (await nft.run(["list", "chain", "ip", "filter", "DOCKER-USER"], ns)).splitlines()
             if "accept" in line or "return" in line]
    assert rules == ['ip saddr 10.244.0.0/16 accept comment "skiff: pod traffic"',
                     'ip daddr 10.244.0.0/16 accept comment "skiff: pod traffic"', "return"]
