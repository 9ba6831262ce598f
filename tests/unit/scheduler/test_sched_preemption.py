"""Preemption's decisions (Kubernetes' DefaultPreemption): who may preempt, which pods on a node are the fewest and
least important victims, PodDisruptionBudgets weighed, the node chosen, and why nothing can be done."""
from __future__ import annotations

from api import manifest
from controlplane.scheduler import plugins, preemption
from controlplane.scheduler.nodeinfo import NodeInfo
from controlplane.scheduler.podinfo import PodInfo
from tests.unit.scheduler.builders import node_info, pod_info

PROFILE = plugins.profile()
FILTERS = [plugins.REGISTRY["NodeResourcesFit"]()]  # select_victims alone: the plugins need no pre_filter


def _pod(name, prio=0, cpu="1", node="", started="2026-12-01T00:00:00Z", labels=None, **spec):
    p = pod_info(name, cpu=cpu, node=node, labels=labels, priority=prio, **spec)
    p.pod.status.start_time = started
    return p


def _node(name, *pods, cpu="2") -> NodeInfo:
    info = node_info(name, cpu=cpu)
    for p in pods:
        info.add_pod(p)
    return info


def _names(candidate) -> list[str]:
    return [v.pod.metadata.name for v in candidate.victims]


def _budget(allowed, labels, disrupted=()):
    pdb, _ = manifest.from_dict({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                                 "metadata": {"name": "b", "namespace": "default"},
                                 "spec": {"minAvailable": 1, "selector": {"matchLabels": labels}},
                                 "status": {"disruptionsAllowed": allowed,
                                            "disruptedPods": {n: "2026-12-01T00:00:00Z" for n in disrupted}}})
    return pdb


def test_the_fewest_least_important_lower_priority_pods_are_victims():
    node = _node("n1", _pod("low-old", 1, started="2026-12-01T00:00:00Z"),
                 _pod("low-new", 1, started="2026-12-01T01:00:00Z"), cpu="2")
    found = preemption.select_victims(_pod("high", 10), node, FILTERS, [])
    # one must go; the later started of two equals goes (the earlier one is more important)
    assert _names(found) == ["low-new"] and found.pdb_violations == 0
    assert len(node.pods) == 2  # the snapshot's node is untouched


def test_pods_of_equal_or_higher_priority_are_never_victims():
    node = _node("n1", _pod("same", 10), _pod("higher", 20))
    assert preemption.select_victims(_pod("high", 10), node, FILTERS, []) == preemption.NO_VICTIMS


def test_a_node_where_even_evicting_every_lower_pod_is_not_enough_says_why():
    node = _node("n1", _pod("low", 1, cpu="1"), _pod("higher", 20, cpu="1"))
    assert preemption.select_victims(_pod("big", 10, cpu="2"), node, FILTERS, []) == "Insufficient cpu"


def test_a_budget_protected_pod_is_given_back_first():
    node = _node("n1", _pod("guarded", 1, labels={"app": "db"}), _pod("free", 1, started="2026-11-30T00:00:00Z"))
    found = preemption.select_victims(_pod("high", 10), node, FILTERS, [_budget(0, {"app": "db"})])
    assert _names(found) == ["free"] and found.pdb_violations == 0
    # both must go: the protected one counts as a violation
    both = preemption.select_victims(_pod("high", 10, cpu="2"), node, FILTERS, [_budget(0, {"app": "db"})])
    assert sorted(_names(both)) == ["free", "guarded"] and both.pdb_violations == 1


def test_budgets_count_each_eviction_and_skip_pods_already_disrupted():
    pods = [_pod(n, labels={"app": "db"}) for n in ("a", "b", "c")]
    assert preemption.budgets_violated(pods, [_budget(1, {"app": "db"})]) == [False, True, True]
    assert preemption.budgets_violated(pods, [_budget(0, {"app": "db"}, disrupted=["a"])]) == [False, True, True]
    assert preemption.budgets_violated([_pod("x")], [_budget(0, {"app": "db"})]) == [False]


def test_the_node_chosen_has_fewer_violations_then_lower_victims_then_fewer():
    low = preemption.Candidate("a", (_pod("v", 5),), 0)
    lower = preemption.Candidate("b", (_pod("v", 1),), 0)
    violating = preemption.Candidate("c", (_pod("v", 0),), 1)
    assert preemption.pick([violating, low, lower]).node == "b"
    two = preemption.Candidate("d", (_pod("v", 1), _pod("w", 1)), 0)
    assert preemption.pick([two, lower]).node == "b"
    younger = preemption.Candidate("e", (_pod("v", 1, started="2026-12-01T05:00:00Z"),), 0)
    assert preemption.pick([lower, younger]).node == "e"  # the work lost is the youngest


def test_preempt_picks_a_node_and_explains_when_none_can_help():
    nodes = [_node("n1", _pod("mid", 5, node="n1")), _node("n2", _pod("low", 1, node="n2"))]
    outcome = preemption.preempt(_pod("high", 10, cpu="2"), nodes, PROFILE)
    assert outcome.candidate.node == "n2" and _names(outcome.candidate) == ["low"]
    none = preemption.preempt(_pod("top", 0, cpu="2"), nodes, PROFILE)
    assert none.candidate is None and none.clear_nomination
    assert none.message == "0/2 nodes are available: 2 No preemption victims found for incoming pod."
    pinned = preemption.preempt(_pod("high", 10, cpu="2", nodeSelector={"disk": "ssd"}), nodes, PROFILE)
    assert pinned.message == "0/2 nodes are available: 2 Preemption is not helpful for scheduling."


def test_who_may_preempt():
    never = _pod("x", 10, preemptionPolicy="Never")
    assert preemption.preempt(never, [_node("n1", _pod("low", 1))], PROFILE).message == \
        "not eligible due to preemptionPolicy=Never."
    going = _pod("low", 1, node="n1")
    going.pod.metadata.deletion_timestamp = "2026-12-01T00:00:00Z"
    node = _node("n1", going)
    waiting = _pod("high", 10)
    waiting.pod.status.nominated_node_name = "n1"
    assert preemption.eligible(waiting, {"n1": node}.get) == preemption.TERMINATING
    assert preemption.eligible(_pod("high", 10), {"n1": node}.get) == ""


def test_nominated_pods_hold_their_room_against_less_important_pods():
    nodes = [_node("n1", cpu="2")]
    nominated = [("n1", _pod("preemptor", 10, cpu="2"))]
    seen = preemption.with_nominated(nodes, nominated, _pod("low", 1, cpu="1"))
    assert seen[0].requested_cpu == 2000 and nodes[0].requested_cpu == 0
    assert preemption.with_nominated(nodes, nominated, _pod("top", 20)) is nodes
    assert preemption.with_nominated(nodes, nominated, nominated[0][1]) is nodes  # not against itself
    assert isinstance(seen[0], NodeInfo) and isinstance(nominated[0][1], PodInfo)
