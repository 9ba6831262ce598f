from controlplane.scheduler.plugins.balanced_allocation import BalancedAllocation
from controlplane.scheduler.plugins.least_allocated import LeastAllocated
from controlplane.scheduler.plugins.owner_spread import OwnerSpread
from tests.fixtures.objects import pod
from tests.unit.scheduler.builders import node_info, pod_info


def test_least_allocated_prefers_the_emptier_node():
    web = pod_info(cpu="1", memory="1Gi")
    empty = node_info("a", cpu="4", memory="4Gi")
    busy = node_info("b", pod("x", cpu="2", memory="2Gi"), cpu="4", memory="4Gi")
    assert LeastAllocated().score(web, [empty])[0] == 75
    assert LeastAllocated().score(web, [busy])[0] == 25


def test_least_allocated_counts_pods_without_requests_at_kubernetes_defaults():
    # 100m of 1 cpu and 200Mi of 2000Mi: (90 + 90) / 2
    assert LeastAllocated().score(pod_info(), [node_info(cpu="1", memory="2000Mi")])[0] == 90


def test_balanced_allocation_prefers_equal_cpu_and_memory_shares():
    pod = pod_info(cpu="1", memory="1Gi")
    balanced = node_info("a", cpu="2", memory="2Gi")  # 50% and 50%
    lopsided = node_info("b", cpu="2", memory="8Gi")  # 50% and 12.5%
    assert BalancedAllocation().score(pod, [balanced, lopsided]) == [100, 81]


def test_owner_spread_prefers_nodes_with_fewest_pods_of_the_same_owner():
    plugin = OwnerSpread()
    web = pod_info(owner_uid="rs-1")
    nodes = [node_info("a", pod("p1", owner_uid="rs-1"), pod("p2", owner_uid="rs-1")),
             node_info("b", pod("p3", owner_uid="rs-1")),
             node_info("c", pod("p4", owner_uid="other"))]
    scores = plugin.score(web, nodes)
    assert scores == [0, 50, 100]


def test_owner_spread_is_neutral_for_bare_pods():
    plugin = OwnerSpread()
    scores = plugin.score(pod_info(), [node_info("a"), node_info("b")])
    assert scores == [100, 100]


def test_overcommitted_node_scores_zero_free_and_full_share():
    node = node_info("a", pod("x", cpu="3"), cpu="2", memory="8Gi")
    assert LeastAllocated().score(pod_info(cpu="1"), [node]) == [(0 + 95) // 2]
