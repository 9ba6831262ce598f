"""InterPodAffinity, table tests after Kubernetes' documented examples (assign-pod-node: the zone
example, and the redis-cache / web-store co-location on hostnames)."""
from __future__ import annotations

import random

from controlplane.scheduler import placement, plugins
from controlplane.scheduler.nodeinfo import NodeInfo
from controlplane.scheduler.podinfo import PodInfo
from tests.fixtures.objects import node, pod

HOST = "kubernetes.io/hostname"
ZONE = "topology.kubernetes.io/zone"


def term(key: str, values: list[str], topology: str = HOST) -> dict:
    return {"labelSelector": {"matchExpressions": [{"key": key, "operator": "In", "values": values}]},
            "topologyKey": topology}


def cluster(zones: dict[str, str]) -> list[NodeInfo]:
    return [NodeInfo(name, node(name, labels={HOST: name, ZONE: zone})) for name, zone in zones.items()]


def place(nodes: list[NodeInfo], p) -> placement.Decision:
    info = PodInfo.of(p)
    decision = placement.schedule(info, nodes, plugins.profile(), rng=random.Random(7))
    if decision.node is not None:
        next(n for n in nodes if n.name == decision.node).add_pod(info)
    return decision


THREE_HOSTS = {"node-1": "a", "node-2": "b", "node-3": "c"}


def store(i: int):
    return pod(f"cache-{i}", labels={"app": "store"},
               affinity={"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                   term("app", ["store"])]}})


def test_required_anti_affinity_spreads_three_replicas_over_three_hosts_and_the_fourth_waits():
    nodes = cluster(THREE_HOSTS)
    placed = {place(nodes, store(i)).node for i in range(3)}
    assert placed == {"node-1", "node-2", "node-3"}
    fourth = place(nodes, store(3))
    assert fourth.node is None
    assert fourth.message == "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules."


def test_web_store_goes_next_to_a_cache_and_away_from_other_web_servers():
    nodes = cluster(THREE_HOSTS)
    for i in range(2):
        place(nodes, store(i))
    caches = {n.name for n in nodes if n.pods}
    webs = [place(nodes, pod(f"web-{i}", labels={"app": "web-store"}, affinity={
        "podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term("app", ["web-store"])]},
        "podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term("app", ["store"])]}}))
        for i in range(3)]
    assert {w.node for w in webs[:2]} == caches
    assert webs[2].node is None and "2 node(s) didn't match pod anti-affinity rules" in webs[2].message
    assert "1 node(s) didn't match pod affinity rules" in webs[2].message


def test_existing_pods_anti_affinity_keeps_a_plain_pod_away():
    nodes = cluster(THREE_HOSTS)
    nodes[0].add_pod(PodInfo.of(pod("loner", affinity={"podAntiAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [term("app", ["web"], ZONE)]}})))
    decision = place(nodes, pod("web", labels={"app": "web"}, nodeSelector={HOST: "node-1"}))
    assert decision.message == ("0/3 nodes are available: 1 node(s) didn't satisfy existing pods anti-affinity "
                                "rules, 2 node(s) didn't match Pod's node affinity/selector.")


def test_zone_affinity_needs_a_matching_pod_in_the_zone():
    # The documented pod-with-pod-affinity: required security=S1 in the zone.
    nodes = cluster({"node-1": "a", "node-2": "a", "node-3": "b"})
    nodes[2].add_pod(PodInfo.of(pod("s1", labels={"security": "S1"})))
    wanted = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term("security", ["S1"], ZONE)]}}
    assert place(nodes, pod("with-affinity", affinity=wanted)).node == "node-3"


def test_the_first_pod_of_a_self_affine_group_may_go_anywhere_with_the_key():
    nodes = cluster({"node-1": "a", "node-2": "b"})
    nodes.append(NodeInfo("bare", node("bare")))  # no zone label: never for a zone affinity
    group = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term("app", ["db"], ZONE)]}}
    first = place(nodes, pod("db-0", labels={"app": "db"}, affinity=group))
    assert first.node in ("node-1", "node-2")
    second = place(nodes, pod("db-1", labels={"app": "db"}, affinity=group))
    assert second.node == first.node
    stranger = place(nodes, pod("other", affinity={"podAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [term("app", ["nothing"], ZONE)]}}))
    assert stranger.node is None


def test_preferred_anti_affinity_scores_the_busy_domain_lowest():
    nodes = cluster({"node-1": "a", "node-2": "b"})
    nodes[0].add_pod(PodInfo.of(pod("s2", labels={"security": "S2"})))
    prefers = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 100, "podAffinityTerm": term("security", ["S2"], ZONE)}]}}
    decision = placement.schedule(PodInfo.of(pod("p", affinity=prefers)), nodes, plugins.profile(),
                                  rng=random.Random(1))
    assert decision.node == "node-2"


def test_a_pod_without_terms_in_a_cluster_without_terms_skips_the_plugin():
    info = PodInfo.of(pod("plain"))
    info.state["snapshot"] = cluster(THREE_HOSTS)
    assert plugins.REGISTRY["InterPodAffinity"]().pre_filter(info).code.value == "Skip"
