import random

from controlplane.scheduler import placement, plugins
from controlplane.scheduler.placement import num_feasible_nodes_to_find, schedule
from controlplane.scheduler.podinfo import PodInfo
from tests.fixtures.objects import pod
from tests.unit.scheduler.builders import node_info, pod_info

PROFILE = plugins.profile()


def test_small_clusters_are_searched_fully():
    assert num_feasible_nodes_to_find(50) == 50
    assert num_feasible_nodes_to_find(99, 10) == 99


def test_adaptive_percentage_follows_kubernetes():
    assert num_feasible_nodes_to_find(1000) == 420  # 50 - 1000/125 = 42%
    assert num_feasible_nodes_to_find(5000) == 500  # 10%
    assert num_feasible_nodes_to_find(10000) == 500  # at least 5%
    assert num_feasible_nodes_to_find(200) == 100  # never fewer than 100


def test_explicit_percentage_is_used_but_not_below_100_nodes():
    assert num_feasible_nodes_to_find(1000, 30) == 300
    assert num_feasible_nodes_to_find(1000, 1) == 100
    assert num_feasible_nodes_to_find(1000, 100) == 1000


def test_picks_the_least_loaded_node_and_keeps_the_top_scores():
    nodes = [node_info("node-1", pod("a", cpu="3")), node_info("node-2"), node_info("node-3", pod("b", cpu="1"))]
    decision = schedule(pod_info(cpu="500m", memory="1Gi"), nodes, PROFILE)
    assert decision.node == "node-2"
    assert [name for name, _ in decision.scores] == ["node-2", "node-3", "node-1"]
    assert decision.scores[0][1] > decision.scores[1][1] > decision.scores[2][1]


def test_no_fit_explains_every_node_in_kubernetes_words():
    nodes = [node_info("node-1", cpu="1"), node_info("node-2", cpu="1"),
             node_info("node-3", labels={"disk": "ssd"}, cpu="1")]
    decision = schedule(pod_info(cpu="2", nodeSelector={"disk": "ssd"}), nodes, PROFILE)
    assert decision.node is None and not decision.error
    assert decision.message == ("0/3 nodes are available: 1 Insufficient cpu, "
                                "2 node(s) didn't match Pod's node affinity/selector.")


def test_message_counts_each_reason_of_a_node():
    nodes = [node_info("a", cpu="1", memory="1Gi"), node_info("b", ready=False)]
    decision = schedule(pod_info(cpu="2", memory="2Gi"), nodes, PROFILE)
    assert decision.message == ("0/2 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, "
                                "1 node(s) were not ready.")


def test_no_nodes_at_all():
    assert schedule(pod_info(), [], PROFILE).message == "no nodes available to schedule pods"


def test_filtering_stops_once_enough_nodes_fit_and_resumes_after_them():
    nodes = [node_info(f"n{i:03d}") for i in range(1000)]
    decision = schedule(pod_info(), nodes, PROFILE, start=900)
    assert decision.feasible == 420 and decision.evaluated == 420
    assert 0 <= int(decision.node[1:]) < 320 or int(decision.node[1:]) >= 900


def test_ties_are_broken_at_random():
    nodes = [node_info("a"), node_info("b"), node_info("c")]
    chosen = {schedule(pod_info(), nodes, PROFILE, rng=random.Random(seed)).node for seed in range(30)}
    assert chosen == {"a", "b", "c"}


def test_replicas_spread_across_nodes_when_assumed_one_by_one():
    nodes = [node_info("a"), node_info("b"), node_info("c")]
    by_name = {n.name: n for n in nodes}
    for i in range(6):
        info = PodInfo.of(pod(f"r{i}", cpu="100m", owner_uid="rs"))
        by_name[schedule(info, nodes, PROFILE).node].add_pod(info)
    assert [len(n.pods) for n in nodes] == [2, 2, 2]


def test_fit_error_message_sorts_as_strings():
    from collections import Counter
    message = placement.fit_error_message(3, Counter({"Insufficient cpu": 2, "node(s) were not ready": 1}))
    assert message == "0/3 nodes are available: 1 node(s) were not ready, 2 Insufficient cpu."
