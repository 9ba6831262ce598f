"""The scheduler's closed gaps: PreferNoSchedule taints and preferred node affinity as scores, their
weights in the default profile, and assumed pods that expire when the watch never confirms their bind."""
import random

import pytest

from controlplane.scheduler import placement, plugins
from controlplane.scheduler.cache import DEFAULT_ASSUMED_TTL, Cache
from controlplane.scheduler.framework import normalize
from controlplane.scheduler.main import parse_args
from controlplane.scheduler.plugins.node_affinity import NodeAffinity
from controlplane.scheduler.plugins.taint_toleration import TaintToleration
from controlplane.scheduler.podinfo import PodInfo
from tests.fixtures.objects import node, pod
from tests.unit.scheduler.builders import node_info, pod_info


def soft(key, value=""):
    return {"key": key, "value": value, "effect": "PreferNoSchedule"}


def preferred(*weighted_terms):
    return {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": w, "preference": term} for w, term in weighted_terms]}}


def labels_in(key, *values):
    return {"matchExpressions": [{"key": key, "operator": "In", "values": list(values)}]}


# ------------------------------------------------------------ normalizing


def test_normalize_scales_to_the_highest_and_reverses_counts():
    assert normalize([0, 40, 80]) == [0, 50, 100]
    assert normalize([0, 1, 2], reverse=True) == [100, 50, 0]
    assert normalize([0, 0]) == [0, 0] and normalize([0, 0], reverse=True) == [100, 100]


# ------------------------------------------------------------ TaintToleration score


def test_nodes_with_fewer_untolerated_prefer_no_schedule_taints_score_higher():
    nodes = [node_info("clean"), node_info("one", taints=[soft("a")]), node_info("two", taints=[soft("a"), soft("b")])]
    assert TaintToleration().score(pod_info(), nodes) == [100, 50, 0]


def test_tolerated_soft_taints_do_not_lower_the_score():
    nodes = [node_info("one", taints=[soft("a")]), node_info("two", taints=[soft("a"), soft("b")])]
    web = pod_info(tolerations=[{"key": "a", "operator": "Exists", "effect": "PreferNoSchedule"}])
    assert TaintToleration().score(web, nodes) == [100, 0]
    any_effect = pod_info(tolerations=[{"key": "b", "operator": "Exists"}])
    assert TaintToleration().score(any_effect, nodes) == [0, 0]  # one untolerated taint on each


def test_a_no_schedule_toleration_does_not_count_against_a_soft_taint():
    nodes = [node_info("clean"), node_info("soft", taints=[soft("a")])]
    web = pod_info(tolerations=[{"key": "a", "operator": "Exists", "effect": "NoSchedule"}])
    assert TaintToleration().score(web, nodes) == [100, 0]


def test_hard_taints_filter_but_do_not_score_and_soft_ones_do_not_filter():
    plugin = TaintToleration()
    hard = node_info("hard", taints=[{"key": "a", "effect": "NoSchedule"}])
    soft_only = node_info("soft", taints=[soft("a")])
    assert plugin.score(pod_info(), [hard, node_info("clean")]) == [100, 100]
    assert plugin.filter(pod_info(), soft_only).ok


def test_a_node_gaining_a_soft_taint_counts_as_a_change_the_scheduler_decides_on():
    info = node_info("n")
    assert info.set_node(node("n", taints=[soft("a")]))
    assert not info.set_node(node("n", taints=[soft("a")]))


# ------------------------------------------------------------ NodeAffinity score


def test_preferred_terms_score_by_the_summed_weights_of_the_matching_ones():
    web = pod_info(affinity=preferred((80, labels_in("zone", "a")), (20, labels_in("disk", "ssd"))))
    nodes = [node_info("both", labels={"zone": "a", "disk": "ssd"}), node_info("zone", labels={"zone": "a"}),
             node_info("disk", labels={"disk": "ssd"}), node_info("none")]
    assert NodeAffinity().score(web, nodes) == [100, 80, 20, 0]


def test_scores_are_normalized_to_the_best_matching_node():
    web = pod_info(affinity=preferred((10, labels_in("zone", "a")), (30, labels_in("zone", "b"))))
    assert NodeAffinity().score(web, [node_info("a", labels={"zone": "a"}), node_info("c", labels={"zone": "c"})]) \
        == [100, 0]


def test_preferred_terms_use_the_filters_matching_for_gt_and_node_names():
    gt = {"matchExpressions": [{"key": "cores", "operator": "Gt", "values": ["8"]}]}
    by_name = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["pet"]}]}
    web = pod_info(affinity=preferred((50, gt), (50, by_name), (50, {})))  # an empty term matches nothing
    nodes = [node_info("pet", labels={"cores": "16"}), node_info("big", labels={"cores": "16"}),
             node_info("small", labels={"cores": "4"})]
    assert NodeAffinity().score(web, nodes) == [100, 50, 0]


def test_pods_without_preferences_score_every_node_zero():
    assert NodeAffinity().score(pod_info(), [node_info("a"), node_info("b")]) == [0, 0]


# ------------------------------------------------------------ the default profile


def test_default_profile_scores_taints_and_affinity_with_kubernetes_weights():
    weights = {p.name: p.weight for p in plugins.profile().scores}
    assert weights == {"NodeResourcesLeastAllocated": 1, "NodeResourcesBalancedAllocation": 1, "OwnerSpread": 1,
                       "TaintToleration": 3, "NodeAffinity": 2, "PodTopologySpread": 2, "InterPodAffinity": 2}


def test_placement_avoids_soft_tainted_nodes_and_follows_preferences():
    nodes = [node_info("node-1", taints=[soft("spot")], labels={"zone": "a"}), node_info("node-2"),
             node_info("node-3", labels={"zone": "a"})]
    decision = placement.schedule(pod_info(), nodes, plugins.profile(), rng=random.Random(1))
    assert decision.node in ("node-2", "node-3") and decision.scores[-1][0] == "node-1"
    web = pod_info(affinity=preferred((1, labels_in("zone", "a"))))
    decision = placement.schedule(web, nodes, plugins.profile(), rng=random.Random(1))
    assert decision.node == "node-3"
    # The scores annotation's totals: equal resources, so they differ by the two new plugins alone.
    totals = dict(decision.scores)
    assert totals["node-3"] - totals["node-2"] == 200 and totals["node-2"] - totals["node-1"] == 300 - 200


# ------------------------------------------------------------ assumed pods expire


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def assumed_cache(ttl=30.0):
    clock = Clock()
    cache = Cache(assumed_ttl=ttl, clock=clock)
    cache.set_node(node("n", cpu="1"))
    cache.assume(PodInfo.of(pod("a", cpu="500m")), "n")
    return cache, clock


def test_a_bound_pod_the_watch_never_confirms_expires_after_the_ttl():
    cache, clock = assumed_cache()
    cache.finish_binding("default/a")
    clock.now += 29.9
    assert cache.expire() == [] and cache.node("n").requested_cpu == 500
    clock.now += 0.1
    assert cache.expire() == ["default/a"]
    assert cache.node("n").requested_cpu == 0 and len(cache) == 0 and not cache.is_assumed("default/a")
    assert cache.expire() == []


def test_an_assumption_whose_bind_has_not_finished_does_not_expire():
    cache, clock = assumed_cache()
    clock.now += 10 * 30.0
    assert cache.expire() == [] and cache.is_assumed("default/a")


def test_a_confirmed_bind_never_expires():
    cache, clock = assumed_cache()
    cache.finish_binding("default/a")
    cache.add_pod(PodInfo.of(pod("a", cpu="500m")), "n")
    cache.finish_binding("default/a")  # a late report of the bind changes nothing once confirmed
    clock.now += 60.0
    assert cache.expire() == [] and cache.node("n").requested_cpu == 500


def test_a_pod_deleted_or_forgotten_leaves_nothing_to_expire():
    cache, clock = assumed_cache()
    cache.finish_binding("default/a")
    cache.remove_pod("default/a")
    cache.assume(PodInfo.of(pod("a", cpu="500m")), "n")  # chosen afresh: a new assumption, bind in flight
    clock.now += 60.0
    assert cache.expire() == [] and cache.node("n").requested_cpu == 500


def test_the_watch_confirming_after_expiry_counts_the_pod_again():
    cache, clock = assumed_cache()
    cache.finish_binding("default/a")
    clock.now += 30.0
    cache.expire()
    cache.add_pod(PodInfo.of(pod("a", cpu="500m")), "n")
    assert cache.node("n").requested_cpu == 500 and not cache.is_assumed("default/a")


def test_the_ttl_defaults_to_kubernetes_fifteen_minutes_and_is_a_flag():
    assert DEFAULT_ASSUMED_TTL == 900.0 and parse_args([]).assumed_pod_ttl == 900.0
    assert parse_args(["--assumed-pod-ttl", "0.5"]).assumed_pod_ttl == 0.5


@pytest.mark.parametrize("value", ["0", "-1", "soon"])
def test_a_bad_ttl_is_refused_with_a_usage_error(value, capsys):
    with pytest.raises(SystemExit):
        parse_args(["--assumed-pod-ttl", value])
    assert "--assumed-pod-ttl: must be" in capsys.readouterr().err
