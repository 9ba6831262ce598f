"""The nft transactions between two rulesets, as text: a partial one touches only what changed, a full
rewrite flushes everything but the affinity sets, stale objects go last and emptied first."""
from __future__ import annotations

from nodeagent.proxy import render, transaction
from nodeagent.proxy.model import Endpoint, ServicePort

NODE = render.NodeNetwork(pod_cidr="10.244.1.0/24", service_cidr="10.96.0.0/16")


def web(*ips, affinity=0):
    return ServicePort("default", "web", "http", "tcp", "10.96.0.10", 80, node_port=30080, affinity_seconds=affinity,
                       endpoints=tuple(Endpoint(ip, 8080) for ip in ips))


def other(*ips):
    return ServicePort("default", "other", "", "tcp", "10.96.0.11", 80, endpoints=tuple(Endpoint(ip, 80) for ip in ips))


def script(before, after, partial=True):
    return transaction.script(render.render(after, NODE), render.render(before, NODE), partial).splitlines()


def test_nothing_changed_is_an_empty_partial_transaction():
    assert script([web("10.244.1.2"), other("10.244.1.9")], [web("10.244.1.2"), other("10.244.1.9")]) == \
        ["add table ip skiff"]


def test_one_endpoint_change_touches_only_its_service():
    lines = script([web("10.244.1.2", "10.244.1.3"), other("10.244.1.9")],
                   [web("10.244.1.2", "10.244.1.4"), other("10.244.1.9")])
    new_ep, old_ep = "ep-default/web/tcp/http__10.244.1.4/8080", "ep-default/web/tcp/http__10.244.1.3/8080"
    assert lines == [
        "add table ip skiff",
        "flush chain ip skiff svc-default/web/tcp/http",
        f"add chain ip skiff {new_ep}",
        "add rule ip skiff svc-default/web/tcp/http ip saddr != 10.244.1.0/24 jump mark-for-masquerade",
        "add rule ip skiff svc-default/web/tcp/http numgen random mod 2 vmap "
        f"{{ 0 : goto ep-default/web/tcp/http__10.244.1.2/8080 , 1 : goto {new_ep} }}",
        f"add rule ip skiff {new_ep} ip saddr 10.244.1.4 jump mark-for-masquerade",
        f"add rule ip skiff {new_ep} meta l4proto tcp dnat to 10.244.1.4:8080",
        f"flush chain ip skiff {old_ep}",
        f"delete chain ip skiff {old_ep}",
    ]


def test_losing_every_endpoint_swaps_map_elements_before_deleting_chains():
    lines = script([web("10.244.1.2")], [web()])
    assert lines.index("delete element ip skiff service-ips { 10.96.0.10 . tcp . 80 }") < \
        lines.index("delete chain ip skiff svc-default/web/tcp/http")
    assert "add element ip skiff no-endpoint-services { 10.96.0.10 . tcp . 80 : goto reject-chain }" in lines
    assert "add element ip skiff no-endpoint-nodeports { tcp . 30080 : goto reject-chain }" in lines
    # emptied before deleted, each chain, since a chain with rules (or in use) cannot go
    for chain in ("svc-default/web/tcp/http", "ext-default/web/tcp/http", "ep-default/web/tcp/http__10.244.1.2/8080"):
        assert lines.index(f"flush chain ip skiff {chain}") < lines.index(f"delete chain ip skiff {chain}")
    assert lines.index("delete chain ip skiff ep-default/web/tcp/http__10.244.1.2/8080") > \
        lines.index("flush chain ip skiff svc-default/web/tcp/http")


def test_full_rewrite_keeps_affinity_sets_and_flushes_the_rest():
    lines = script([web("10.244.1.2", affinity=600)], [web("10.244.1.2", affinity=600)], partial=False)
    assert lines[:2] == ["add table ip skiff", "flush table ip skiff"]
    assert "delete table ip skiff" not in lines
    assert [l for l in lines if l.startswith("flush map")] == [f"flush map ip skiff {m}" for m in render.MAPS]
    assert [l for l in lines if l.startswith("flush set")] == ["flush set ip skiff cluster-ips"]


def test_changed_affinity_timeout_remakes_the_set_after_emptying_its_users():
    aff = "aff-default/web/tcp/http__10.244.1.2/8080"
    lines = script([web("10.244.1.2", affinity=600)], [web("10.244.1.2", affinity=60)])
    users = ["flush chain ip skiff svc-default/web/tcp/http",
             "flush chain ip skiff ep-default/web/tcp/http__10.244.1.2/8080"]
    delete = lines.index(f"delete set ip skiff {aff}")
    assert all(lines.index(u) < delete for u in users)
    assert delete < lines.index(f"add set ip skiff {aff} {{ type ipv4_addr ; flags dynamic,timeout ; timeout 60s ; }}")
    assert f"add rule ip skiff ep-default/web/tcp/http__10.244.1.2/8080 update @{aff} {{ ip saddr }}" in lines


def test_rebuild_without_a_previous_ruleset_and_teardown():
    lines = transaction.script(render.render([web()], NODE)).splitlines()
    assert lines[:3] == ["add table ip skiff", "delete table ip skiff", "add table ip skiff"]
    assert transaction.teardown() == "add table ip skiff\ndelete table ip skiff\n"
