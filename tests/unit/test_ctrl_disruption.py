"""The disruption controller's arithmetic (Kubernetes' pkg/controller/disruption): expected pods from the
controllers' scale or the matching pods, desired healthy (percentages rounded up), allowed disruptions,
the DisruptionAllowed condition, and the eviction's check-and-decrement."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from api import errors, manifest, meta
from controlplane.apiserver import eviction
from controlplane.controllers.disruption import plan

NOW = datetime(2026, 11, 30, 23, 0, 0, tzinfo=timezone.utc)


def _pdb(generation=1, status=None, **spec):
    obj, _ = manifest.from_dict({
        "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": {"name": "zk-pdb", "namespace": "default", "generation": generation},
        "spec": {"selector": {"matchLabels": {"app": "zk"}}, **spec}, "status": status or {}})
    return obj


def _pod(name, ready=True, owner="rs-uid", labels=None, deleting=False):
    metadata: dict = {"name": name, "namespace": "default", "labels": labels or {"app": "zk"}}
    if owner:
        metadata["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": owner,
                                        "controller": True}]
    if deleting:
        metadata["deletionTimestamp"] = meta.format_time(NOW)
    obj, _ = manifest.from_dict({
        "apiVersion": "v1", "kind": "Pod", "metadata": metadata,
        "spec": {"containers": [{"name": "app", "image": "busybox"}]},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}})
    return obj


def _scale(replicas):
    return lambda pod: (meta.controller_of(pod).uid, replicas)


@pytest.mark.parametrize("spec, pods, replicas, expected, desired", [
    ({"minAvailable": 2}, 3, 5, 3, 2),  # an integer minAvailable counts the matching pods, not the scale
    ({"minAvailable": "50%"}, 3, 5, 5, 3),  # 2.5 rounded up
    ({"minAvailable": "100%"}, 3, 3, 3, 3),
    ({"maxUnavailable": 1}, 3, 3, 3, 2),
    ({"maxUnavailable": "34%"}, 3, 3, 3, 1),  # 1.02 unavailable rounded up to 2
    ({"maxUnavailable": "50%"}, 3, 3, 3, 1),  # 1.5 -> 2
    ({"maxUnavailable": 5}, 3, 3, 3, 0),  # never below zero
], ids=["int-min", "percent-min-rounds-up", "all", "int-max", "percent-max-rounds-up", "half-max", "max-over"])
def test_expected_and_desired_follow_kubernetes_rounding(spec, pods, replicas, expected, desired):
    budget = _pdb(**spec)
    got = plan.expected_and_desired(budget, [_pod(f"zk-{i}") for i in range(pods)], _scale(replicas))
    assert got == (expected, desired)


def test_pods_of_one_controller_count_its_scale_once():
    pods = [_pod("a", owner="one"), _pod("b", owner="one"), _pod("c", owner="two")]
    scales = {"one": 4, "two": 3}
    assert plan.expected_scale(pods, lambda p: (meta.controller_of(p).uid, scales[meta.controller_of(p).uid])) == 7


def test_pods_without_a_controller_are_left_out_of_the_scale():
    assert plan.expected_scale([_pod("a", owner=""), _pod("b")], _scale(2)) == 2


def test_status_allows_the_healthy_pods_above_the_desired():
    pods = [_pod("zk-0"), _pod("zk-1"), _pod("zk-2"), _pod("zk-3", ready=False)]
    status, _ = plan.status_of(_pdb(minAvailable=2), pods, _scale(4), NOW)
    assert (status.expected_pods, status.current_healthy, status.desired_healthy, status.disruptions_allowed) \
        == (4, 3, 2, 1)
    condition = meta.get_condition(status.conditions, "DisruptionAllowed")
    assert (condition.status, condition.reason, condition.observed_generation) == ("True", "SufficientPods", 1)
    assert status.observed_generation == 1


def test_status_allows_nothing_when_the_budget_is_met_exactly():
    status, _ = plan.status_of(_pdb(maxUnavailable=0), [_pod("zk-0"), _pod("zk-1")], _scale(2), NOW)
    assert status.disruptions_allowed == 0
    condition = meta.get_condition(status.conditions, "DisruptionAllowed")
    assert (condition.status, condition.reason) == ("False", "InsufficientPods")


def test_a_budget_expecting_no_pods_allows_nothing():
    status, _ = plan.status_of(_pdb(minAvailable=0), [], _scale(0), NOW)
    assert (status.expected_pods, status.disruptions_allowed) == (0, 0)


def test_deleting_and_just_evicted_pods_are_not_healthy():
    budget = _pdb(minAvailable=1, status={"disruptedPods": {"zk-1": meta.format_time(NOW - timedelta(seconds=30))}})
    pods = [_pod("zk-0"), _pod("zk-1"), _pod("zk-2", deleting=True)]
    status, disrupted = plan.status_of(budget, pods, _scale(3), NOW)
    assert status.current_healthy == 1
    assert dict(status.disrupted_pods) == {"zk-1": budget.status.disrupted_pods["zk-1"]}
    assert disrupted.recheck == NOW + timedelta(seconds=90)


def test_an_eviction_not_confirmed_in_two_minutes_is_forgotten():
    budget = _pdb(minAvailable=1, status={"disruptedPods": {"zk-1": meta.format_time(NOW - timedelta(minutes=3))}})
    status, disrupted = plan.status_of(budget, [_pod("zk-0"), _pod("zk-1")], _scale(2), NOW)
    assert (status.current_healthy, dict(status.disrupted_pods), disrupted.expired) == (2, {}, ["zk-1"])


def test_a_pod_whose_controller_has_no_scale_fails_safe():
    status, _ = plan.status_of(_pdb(maxUnavailable=1), [_pod("zk-0")], lambda pod: None, NOW)
    condition = meta.get_condition(status.conditions, "DisruptionAllowed")
    assert status.disruptions_allowed == 0
    assert (condition.reason, condition.message) == ("SyncFailed", 'found no controllers for pod "zk-0"')


def test_an_unset_selector_covers_no_pod_and_an_empty_one_every_pod():
    unset, _ = manifest.from_dict({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                                   "metadata": {"name": "p", "namespace": "default"}, "spec": {"minAvailable": 1}})
    assert not plan.covers(unset, _pod("zk-0"))
    assert plan.covers(_pdb(minAvailable=1, selector={}), _pod("zk-0"))


# ---------------------------------------------------------------- the eviction's side

def test_eviction_takes_one_disruption_and_records_the_pod():
    budget = _pdb(minAvailable=2, status={"observedGeneration": 1, "disruptionsAllowed": 1, "currentHealthy": 3,
                                          "desiredHealthy": 2, "expectedPods": 3})
    changed = eviction.decrement(budget, "zk-0", NOW)
    assert changed.status.disruptions_allowed == 0
    assert dict(changed.status.disrupted_pods) == {"zk-0": meta.format_time(NOW)}
    assert meta.get_condition(changed.status.conditions, "DisruptionAllowed").reason == "InsufficientPods"
    assert budget.status.disruptions_allowed == 1  # the stored copy is left as it is


def test_eviction_is_refused_in_kubernetes_words_when_no_disruption_is_allowed():
    budget = _pdb(minAvailable=2, status={"observedGeneration": 1, "disruptionsAllowed": 0, "currentHealthy": 2,
                                          "desiredHealthy": 2, "expectedPods": 2})
    with pytest.raises(errors.TooManyRequests) as refused:
        eviction.decrement(budget, "zk-0", NOW)
    assert refused.value.message == "Cannot evict pod as it would violate the pod's disruption budget."
    assert refused.value.causes == [{"reason": "DisruptionBudget",
                                     "message": "The disruption budget zk-pdb needs 2 healthy pods and has 2 currently"}]


def test_eviction_waits_for_the_controller_to_see_a_changed_budget():
    budget = _pdb(generation=2, minAvailable=1, status={"observedGeneration": 1, "disruptionsAllowed": 3})
    with pytest.raises(errors.TooManyRequests) as refused:
        eviction.decrement(budget, "zk-0", NOW)
    assert refused.value.causes[0]["message"] == "The disruption budget zk-pdb is still being processed by the server."


@pytest.mark.parametrize("policy, healthy, desired, may_go", [
    ("AlwaysAllow", 0, 2, True),
    ("IfHealthyBudget", 2, 2, True),  # the budget holds without it
    ("IfHealthyBudget", 1, 2, False),
    (None, 0, 0, False),  # desiredHealthy 0: a budget the controller has not computed yet
])
def test_a_pod_not_ready_may_go_as_the_unhealthy_pod_eviction_policy_says(policy, healthy, desired, may_go):
    spec = {"minAvailable": 2}
    if policy:
        spec["unhealthyPodEvictionPolicy"] = policy
    budget = _pdb(status={"currentHealthy": healthy, "desiredHealthy": desired}, **spec)
    assert eviction.unhealthy_may_go(budget, _pod("zk-0", ready=False)) is may_go
    assert eviction.unhealthy_may_go(budget, _pod("zk-0", ready=True)) is False
