"""drain's choice of pods and taint specs, as pure functions, with kubectl's wording."""
from __future__ import annotations

import pytest

from cli import drain, taints
from cli.errors import CliError
from tests.fixtures.objects import node, pod


def _daemon_pod(name):
    p = pod(name, node="n1")
    p.metadata.owner_references.add(api_version="apps/v1", kind="DaemonSet", name="ds", uid="d", controller=True)
    return p


def _emptydir_pod(name):
    p = pod(name, node="n1", owner_uid="rs-1")
    p.spec.volumes.add(name="scratch").empty_dir.SetInParent()
    return p


def test_unmanaged_pods_are_refused_without_force_and_nothing_is_evicted():
    plan = drain.plan([pod("bare"), pod("owned", owner_uid="u")], drain.Options())
    assert plan.evict == []
    assert plan.errors == ["cannot delete Pods that declare no controller (use --force to override): default/bare"]


def test_force_evicts_unmanaged_pods_with_a_warning():
    plan = drain.plan([pod("bare"), pod("owned", owner_uid="u")], drain.Options(force=True))
    assert [p.metadata.name for p in plan.evict] == ["bare", "owned"]
    assert plan.warnings == ["Warning: deleting Pods that declare no controller: default/bare"]


def test_daemonset_pods_need_ignore_daemonsets_and_are_then_left_alone():
    refused = drain.plan([_daemon_pod("agent")], drain.Options())
    assert refused.errors == ["cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/agent"]
    ignored = drain.plan([_daemon_pod("agent")], drain.Options(ignore_daemonsets=True))
    assert (ignored.evict, ignored.errors) == ([], [])
    assert ignored.warnings == ["Warning: ignoring DaemonSet-managed Pods: default/agent"]


def test_emptydir_pods_need_delete_emptydir_data():
    refused = drain.plan([_emptydir_pod("cache")], drain.Options())
    assert refused.errors == ["cannot delete Pods with local storage (use --delete-emptydir-data to override): "
                              "default/cache"]
    assert len(drain.plan([_emptydir_pod("cache")], drain.Options(delete_emptydir_data=True)).evict) == 1


def test_finished_unmanaged_pods_are_removed_without_force():
    done = pod("job")
    done.status.phase = "Succeeded"
    assert drain.plan([done], drain.Options()).evict == [done]


def test_taint_specs_add_overwrite_and_remove():
    n = node("n1", taints=[{"key": "a", "value": "1", "effect": "NoSchedule"}])
    new, verb = taints.apply("n1", n.spec.taints, [taints.parse("b=2:NoExecute")], overwrite=False)
    assert (verb, [t["key"] for t in new]) == ("tainted", ["a", "b"])
    new, verb = taints.apply("n1", n.spec.taints, [taints.parse("a-"), taints.parse("c:NoSchedule")], False)
    assert (verb, new) == ("modified", [{"key": "c", "value": "", "effect": "NoSchedule"}])
    with pytest.raises(CliError, match=r"node n1 already has a taint\(s\) with same effect"):
        taints.apply("n1", n.spec.taints, [taints.parse("a=2:NoSchedule")], overwrite=False)


@pytest.mark.parametrize("word,message", [("nocolon", "invalid taint spec"), ("a=b:Sometimes", "invalid taint effect")])
def test_bad_taint_specs_are_one_line_errors(word, message):
    with pytest.raises(CliError, match=message):
        taints.parse(word)
