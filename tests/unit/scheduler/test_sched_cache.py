import random

from controlplane.scheduler import placement, plugins
from controlplane.scheduler.cache import Cache
from controlplane.scheduler.podinfo import PodInfo
from tests.fixtures.objects import node, pod


def info(name, cpu="500m"):
    return PodInfo.of(pod(name, cpu=cpu))


def test_assumed_pod_counts_at_once_and_forget_releases_it():
    cache = Cache()
    cache.set_node(node("n", cpu="1"))
    cache.assume(info("a"), "n")
    assert cache.node("n").requested_cpu == 500 and cache.is_assumed("default/a")
    cache.forget("default/a")
    assert cache.node("n").requested_cpu == 0 and len(cache) == 0


def test_watch_confirms_an_assumed_pod_without_counting_it_twice():
    cache = Cache()
    cache.set_node(node("n", cpu="1"))
    cache.assume(info("a"), "n")
    cache.add_pod(info("a"), "n")
    assert cache.node("n").requested_cpu == 500 and not cache.is_assumed("default/a")
    cache.forget("default/a")  # a late failure report changes nothing once confirmed
    assert cache.node("n").requested_cpu == 500


def test_pod_bound_elsewhere_by_someone_else_moves():
    cache = Cache()
    cache.set_node(node("n1"))
    cache.set_node(node("n2"))
    cache.assume(info("a"), "n1")
    cache.add_pod(info("a"), "n2")
    assert cache.node("n1").requested_cpu == 0 and cache.node("n2").requested_cpu == 500


def test_pods_on_an_unknown_node_count_once_it_appears():
    cache = Cache()
    cache.add_pod(info("a"), "late")
    assert cache.nodes() == []
    cache.set_node(node("late", cpu="1"))
    assert [n.name for n in cache.nodes()] == ["late"] and cache.nodes()[0].requested_cpu == 500


def test_node_update_reports_only_relevant_changes():
    cache = Cache()
    cache.set_node(node("n", cpu="1"))
    assert not cache.set_node(node("n", cpu="1"))
    assert cache.set_node(node("n", cpu="2"))
    assert cache.set_node(node("n", cpu="2", labels={"a": "b"}))
    assert cache.set_node(node("n", cpu="2", labels={"a": "b"}, ready=False))


def test_removed_node_leaves_the_snapshot():
    cache = Cache()
    cache.set_node(node("a"))
    cache.set_node(node("b"))
    cache.remove_node("a")
    assert [n.name for n in cache.nodes()] == ["b"]


def test_a_node_turning_not_ready_cordoned_or_tainted_is_refused_from_the_next_snapshot_on():
    # Filters with nothing to turn down anywhere are skipped on the snapshot's word: a node that changes
    # must give a new snapshot, or a stale "all ready" would place pods on it.
    profile = plugins.profile()
    cache = Cache()
    cache.set_node(node("a", cpu="1"))
    cache.set_node(node("b", cpu="1"))
    rng = random.Random(1)
    assert {placement.schedule(info(f"p{i}", cpu="1m"), cache.nodes(), profile, rng=rng).node
            for i in range(20)} == {"a", "b"}
    for changed in (node("a", cpu="1", ready=False), node("a", cpu="1", unschedulable=True),
                    node("a", cpu="1", taints=[{"key": "k", "value": "v", "effect": "NoSchedule"}])):
        cache.set_node(changed)
        decisions = {placement.schedule(info(f"q{i}", cpu="1m"), cache.nodes(), profile).node for i in range(10)}
        assert decisions == {"b"}, changed
        cache.set_node(node("a", cpu="1"))
