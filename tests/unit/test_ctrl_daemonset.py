"""The DaemonSet controller's pure decisions, as table tests: which nodes should run a pod (selector,
affinity, taints and the daemon tolerations), the pod for a node, manage, the rolling update plan, status."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from api import daemonsets, manifest, meta
from controlplane.apiserver import resources
from controlplane.controllers.daemon import nodes as ds_nodes
from controlplane.controllers.daemon import plan
from proto import types_pb2

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


def _ds(strategy=None, **template_spec) -> types_pb2.DaemonSet:
    ds, _ = manifest.from_dict({
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "agent", "namespace": "default", "uid": "d1", "generation": 1,
                     "annotations": {daemonsets.TEMPLATE_GENERATION: "1"}},
        "spec": {"selector": {"matchLabels": {"app": "a"}}, "updateStrategy": strategy or {},
                 "template": {"metadata": {"labels": {"app": "a"}},
                              "spec": {"containers": [{"name": "c", "image": "busybox"}], **template_spec}}}})
    resources.default(ds)
    return ds


def _node(name, labels=None, taints=()) -> types_pb2.Node:
    node = types_pb2.Node()
    node.metadata.name = name
    node.metadata.labels.update(labels or {})
    for key, effect in taints:
        node.spec.taints.add(key=key, effect=effect)
    return node


def _pod(ds, node, hash_="h1", ready=True, phase="Running", age_s=60, deleting=False, name="") -> types_pb2.Pod:
    pod = plan.new_pod(ds, node, hash_)
    if hash_ == "old":  # made from an earlier template generation
        pod.metadata.labels[daemonsets.GENERATION_LABEL] = "0"
    pod.metadata.name = name or f"{node}-{hash_}-{age_s}"
    pod.metadata.creation_timestamp = meta.format_time(NOW - timedelta(seconds=age_s))
    pod.spec.node_name = node
    pod.status.phase = phase
    if ready:
        meta.set_condition(pod.status.conditions, "Ready", "True", moment=NOW - timedelta(seconds=age_s))
    if deleting:
        pod.metadata.deletion_timestamp = meta.format_time(NOW)
    return pod


@pytest.mark.parametrize("template_spec, node, fit", [
    ({}, _node("n"), (True, True)),
    ({"nodeSelector": {"disk": "ssd"}}, _node("n", {"disk": "hdd"}), (False, False)),
    ({"nodeSelector": {"disk": "ssd"}}, _node("n", {"disk": "ssd"}), (True, True)),
    ({"nodeName": "other"}, _node("n"), (False, False)),
    ({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}]}}}},
     _node("n", {"zone": "b"}), (False, False)),
    ({}, _node("n", taints=[("dedicated", "NoSchedule")]), (False, True)),  # stays, is not made
    ({}, _node("n", taints=[("dedicated", "NoExecute")]), (False, False)),  # evicted
    ({}, _node("n", taints=[("dedicated", "PreferNoSchedule")]), (True, True)),
    ({"tolerations": [{"key": "dedicated", "operator": "Exists"}]},
     _node("n", taints=[("dedicated", "NoExecute")]), (True, True)),
    # the daemon tolerations: cordoned, not ready and under pressure nodes still run daemon pods
    ({}, _node("n", taints=[("node.kubernetes.io/unschedulable", "NoSchedule"),
                            ("node.kubernetes.io/not-ready", "NoExecute"),
                            ("node.kubernetes.io/memory-pressure", "NoSchedule")]), (True, True)),
    ({}, _node("n", taints=[("node.kubernetes.io/network-unavailable", "NoSchedule")]), (False, True)),
    ({"hostNetwork": True}, _node("n", taints=[("node.kubernetes.io/network-unavailable", "NoSchedule")]),
     (True, True)),
])
def test_node_should_run_daemon_pod(template_spec, node, fit):
    assert tuple(ds_nodes.should_run(_ds(**template_spec).spec.template, node)) == fit


def test_the_pod_is_pinned_to_its_node_by_name_and_tolerates_what_daemons_tolerate():
    ds = _ds(affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}]}}})
    pod = plan.new_pod(ds, "n2", "h1")
    terms = pod.spec.affinity.node_affinity.required_during_scheduling_ignored_during_execution.node_selector_terms
    assert len(terms) == 1 and not terms[0].match_expressions
    assert (terms[0].match_fields[0].key, list(terms[0].match_fields[0].values)) == ("metadata.name", ["n2"])
    assert ds_nodes.target_node(pod) == "n2"
    assert pod.metadata.labels[daemonsets.HASH_LABEL] == "h1"
    assert pod.metadata.labels[daemonsets.GENERATION_LABEL] == "1"
    assert pod.metadata.generate_name == "agent-" and not pod.spec.node_name
    keys = {(t.key, t.effect) for t in pod.spec.tolerations}
    assert keys == set(ds_nodes.DEFAULT_TOLERATIONS)


def test_manage_creates_missing_deletes_misplaced_extra_and_finished_pods():
    ds = _ds(nodeSelector={"run": "yes"})
    nodes = [_node("empty", {"run": "yes"}), _node("double", {"run": "yes"}), _node("wrong"),
             _node("done", {"run": "yes"}), _node("broken", {"run": "yes"})]
    old, young = _pod(ds, "double", age_s=100), _pod(ds, "double", age_s=10)
    misplaced = _pod(ds, "wrong")
    finished = _pod(ds, "done", phase="Succeeded")
    failed = _pod(ds, "broken", phase="Failed")
    ghost = plan.new_pod(ds, "gone-node", "h1")
    ghost.metadata.name = "ghost"
    pods = plan.by_node([old, young, misplaced, finished, failed, ghost])
    step, failures = plan.manage(ds, nodes, pods, "h1")
    assert step.create_on == ["empty"]
    assert {p.metadata.name for p in step.delete} == {young.metadata.name, misplaced.metadata.name,
                                                      finished.metadata.name, "ghost"}
    assert failures == [failed]


@pytest.mark.parametrize("on_nodes, max_unavailable, deleted", [
    # (node, hash, available) per node: old pods go while at most maxUnavailable nodes lack an available pod
    ([("a", "old", True), ("b", "old", True), ("c", "old", True)], 1, {"a"}),
    ([("a", "old", True), ("b", "old", True), ("c", "old", True)], 2, {"a", "b"}),
    ([("a", "new", False), ("b", "old", True), ("c", "old", True)], 1, set()),  # a new pod still starting
    ([("a", "new", True), ("b", "old", True), ("c", "old", True)], 1, {"b"}),
    # an unavailable old pod is replaced outside the budget, as Kubernetes' allowedReplacementPods
    ([("a", "old", False), ("b", "old", True), ("c", "old", True)], 1, {"a", "b"}),
])
def test_rolling_update_without_surge(on_nodes, max_unavailable, deleted):
    ds = _ds(strategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": max_unavailable}})
    pods = plan.by_node([_pod(ds, n, h, ready=ok) for n, h, ok in on_nodes])
    step = plan.rolling_update(ds, pods, "new", len(on_nodes), NOW)
    assert step.create_on == [] and {p.spec.node_name for p in step.delete} == deleted


def test_rolling_update_with_surge_starts_new_pods_beside_old_ones():
    ds = _ds(strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}})
    pods = plan.by_node([_pod(ds, "a", "old"), _pod(ds, "b", "old")])
    step = plan.rolling_update(ds, pods, "new", 2, NOW)
    assert (step.create_on, step.delete) == (["a"], [])
    surged = plan.by_node([_pod(ds, "a", "old", name="a-old"), _pod(ds, "a", "new", ready=False),
                           _pod(ds, "b", "old")])
    assert plan.rolling_update(ds, surged, "new", 2, NOW) == plan.Step([], [])  # wait for the new one
    ready = plan.by_node([_pod(ds, "a", "old", name="a-old"), _pod(ds, "a", "new"), _pod(ds, "b", "old")])
    step = plan.rolling_update(ds, ready, "new", 2, NOW)
    assert [p.metadata.name for p in step.delete] == ["a-old"] and step.create_on == ["b"]


def test_status_counts_nodes_and_pods():
    ds = _ds(nodeSelector={"run": "yes"})
    nodes = [_node("a", {"run": "yes"}), _node("b", {"run": "yes"}), _node("c", {"run": "yes"}), _node("x")]
    pods = plan.by_node([_pod(ds, "a", "h1"), _pod(ds, "b", "old", ready=False), _pod(ds, "x", "h1")])
    s = plan.status_of(ds, nodes, pods, "h1", NOW)
    assert (s.desired_number_scheduled, s.current_number_scheduled, s.number_ready, s.number_available,
            s.updated_number_scheduled, s.number_misscheduled, s.number_unavailable,
            s.observed_generation) == (3, 2, 1, 1, 1, 1, 2, 1)


@pytest.mark.parametrize("strategy, problem", [
    ({"type": "Sideways"}, 'spec.updateStrategy: Unsupported value: {"type": "Sideways"}: supported values: '
                           '"RollingUpdate", "OnDelete"'),
    ({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0}},
     "spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0"),
    ({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 1}},
     "spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero"),
    ({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "120%"}},
     'spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: "120%": must not be greater than 100%'),
])
def test_invalid_update_strategies_name_the_field(strategy, problem):
    assert problem in resources.validate(_ds(strategy=strategy))


def test_the_template_generation_moves_only_when_the_template_changes():
    strategy = resources.for_kind(resources.kinds.BY_NAME["DaemonSet"])
    old = _ds()
    new = _ds()
    new.spec.min_ready_seconds = 5
    strategy.prepare_for_update(new, old)
    assert new.metadata.annotations[daemonsets.TEMPLATE_GENERATION] == "1"
    new.spec.template.spec.containers[0].image = "other"
    strategy.prepare_for_update(new, old)
    assert new.metadata.annotations[daemonsets.TEMPLATE_GENERATION] == "2"
