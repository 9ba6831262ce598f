"""PodTopologySpread, table tests after Kubernetes' documented examples (topology-spread-constraints:
four nodes in two zones, one and two constraints, minDomains, ScheduleAnyway)."""
from __future__ import annotations

import random

import pytest

from controlplane.scheduler import placement, plugins
from controlplane.scheduler.nodeinfo import NodeInfo
from controlplane.scheduler.podinfo import PodInfo
from tests.fixtures.objects import node, pod

HOST = "kubernetes.io/hostname"
ZONE = "topology.kubernetes.io/zone"


def docs_cluster(pods_on: dict[str, int]) -> list[NodeInfo]:
    """zoneA: node1, node2; zoneB: node3, node4; `pods_on` pods labelled foo=bar on each node."""
    nodes = []
    for name, zone in (("node1", "zoneA"), ("node2", "zoneA"), ("node3", "zoneB"), ("node4", "zoneB")):
        info = NodeInfo(name, node(name, labels={HOST: name, ZONE: zone}))
        for i in range(pods_on.get(name, 0)):
            info.add_pod(PodInfo.of(pod(f"{name}-{i}", labels={"foo": "bar"})))
        nodes.append(info)
    return nodes


def constraint(key: str, skew: int = 1, when: str = "DoNotSchedule", **extra) -> dict:
    return {"maxSkew": skew, "topologyKey": key, "whenUnsatisfiable": when,
            "labelSelector": {"matchLabels": {"foo": "bar"}}, **extra}


def fitting(nodes, *constraints) -> set[str]:
    plugin = plugins.REGISTRY["PodTopologySpread"]()
    info = PodInfo.of(pod("mypod", labels={"foo": "bar"}, topologySpreadConstraints=list(constraints)))
    info.state["snapshot"] = nodes
    assert plugin.pre_filter(info).ok
    return {n.name for n in nodes if plugin.filter(info, n).ok}


@pytest.mark.parametrize("pods_on, constraints, expected", [
    # One constraint: 2 pods in zoneA, 1 in zoneB; maxSkew 1 sends the pod to zoneB.
    ({"node1": 1, "node2": 1, "node3": 1}, [constraint(ZONE)], {"node3", "node4"}),
    # maxSkew 2 allows either zone.
    ({"node1": 1, "node2": 1, "node3": 1}, [constraint(ZONE, 2)], {"node1", "node2", "node3", "node4"}),
    # Two constraints (zone and node): only node4 keeps both skews at most 1.
    ({"node1": 1, "node2": 1, "node3": 1}, [constraint(ZONE), constraint(HOST)], {"node4"}),
    # Conflicting constraints: zone wants zoneB, node wants node2 (the documented pending pod).
    ({"node1": 3, "node2": 0, "node3": 1, "node4": 1}, [constraint(ZONE), constraint(HOST)], set()),
    # minDomains 3 with two zones: the minimum counts as 0, so a zone with a pod already is too full.
    ({"node1": 1, "node3": 0}, [constraint(ZONE, minDomains=3)], {"node3", "node4"}),
])
def test_do_not_schedule_constraints_filter_as_documented(pods_on, constraints, expected):
    assert fitting(docs_cluster(pods_on), *constraints) == expected


def test_a_node_without_the_topology_key_is_refused_with_the_reason():
    nodes = docs_cluster({}) + [NodeInfo("bare", node("bare"))]
    info = PodInfo.of(pod("p", labels={"foo": "bar"}, topologySpreadConstraints=[constraint(ZONE)]))
    decision = placement.schedule(info, nodes[-1:], plugins.profile())
    assert decision.message == ("0/1 nodes are available: 1 node(s) didn't match pod topology spread constraints "
                                "(missing required label).")


def test_skew_exceeded_is_the_reason_a_user_reads():
    nodes = docs_cluster({"node1": 2})[:2]  # node1 has 2 pods, node2 none
    plugin = plugins.REGISTRY["PodTopologySpread"]()
    info = PodInfo.of(pod("p", labels={"foo": "bar"}, topologySpreadConstraints=[constraint(HOST)]))
    info.state["snapshot"] = nodes
    plugin.pre_filter(info)
    assert plugin.filter(info, nodes[0]).reasons == ("node(s) didn't match pod topology spread constraints",)
    assert plugin.filter(info, nodes[1]).ok


def test_schedule_anyway_prefers_the_emptier_zone():
    nodes = docs_cluster({"node1": 2, "node2": 2, "node3": 0})
    info = PodInfo.of(pod("p", labels={"foo": "bar"},
                          topologySpreadConstraints=[constraint(ZONE, when="ScheduleAnyway")]))
    decision = placement.schedule(info, nodes, plugins.profile(filters=(), scores=("PodTopologySpread",)),
                                  rng=random.Random(3))
    assert decision.node in ("node3", "node4")
    scores = dict(decision.scores)
    assert all(scores.get(n, 0) <= scores[decision.node] for n in ("node1", "node2"))


def test_pods_of_other_namespaces_and_other_labels_are_not_counted():
    nodes = docs_cluster({})
    nodes[0].add_pod(PodInfo.of(pod("elsewhere", namespace="other", labels={"foo": "bar"})))
    nodes[0].add_pod(PodInfo.of(pod("unlabelled")))
    assert fitting(nodes, constraint(HOST)) == {"node1", "node2", "node3", "node4"}
