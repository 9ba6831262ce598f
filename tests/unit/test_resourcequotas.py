"""ResourceQuotas: what each object counts, the quota admission's refusals in Kubernetes' words, validation,
and kubectl's columns and describe."""
from __future__ import annotations

from datetime import datetime, timezone
from fractions import Fraction

import pytest

from api import columns, manifest, quota
from cli.describe_policy import resource_quota_lines
from controlplane.apiserver import resources

# kubernetes/website content/en/examples/admin/resource/quota-mem-cpu.yaml
MEM_CPU = {"requests.cpu": "1", "requests.memory": "1Gi", "limits.cpu": "2", "limits.memory": "2Gi"}


def _quota(hard, scopes=()):
    obj, _ = manifest.from_dict({"apiVersion": "v1", "kind": "ResourceQuota",
                                 "metadata": {"name": "mem-cpu-demo", "namespace": "default"},
                                 "spec": {"hard": hard, "scopes": list(scopes)}})
    return obj


def _pod(name, phase="", deadline=None, **res):
    spec = {"containers": [{"name": "app", "image": "nginx", "resources": res}]}
    if deadline is not None:
        spec["activeDeadlineSeconds"] = deadline
    obj, _ = manifest.from_dict({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"},
                                 "spec": spec, "status": {"phase": phase} if phase else {}})
    resources.default(obj)
    return obj


def _refusal(rq, obj, others):
    """The refusal of a create when the quota's usage is that of `others`."""
    return quota.refusal(rq, obj, quota.total(rq, others))


# ... quota-mem-cpu-pod.yaml and quota-mem-cpu-pod-2.yaml
POD_1 = dict(limits={"memory": "800Mi", "cpu": "800m"}, requests={"memory": "600Mi", "cpu": "400m"})
POD_2 = dict(limits={"memory": "1Gi", "cpu": "800m"}, requests={"memory": "700Mi", "cpu": "400m"})


def test_the_docs_second_pod_exceeds_the_memory_quota():
    rq = _quota(MEM_CPU)
    assert _refusal(rq, _pod("quota-mem-cpu-demo", **POD_1), []) is None
    assert _refusal(rq, _pod("quota-mem-cpu-demo-2", **POD_2), [_pod("quota-mem-cpu-demo", **POD_1)]) == (
        "exceeded quota: mem-cpu-demo, requested: requests.memory=700Mi, used: requests.memory=600Mi, "
        "limited: requests.memory=1Gi")


def test_a_pod_count_quota_refuses_the_third_pod_and_terminal_pods_do_not_count():
    rq = _quota({"pods": "2"})
    running = [_pod("a"), _pod("b")]
    assert _refusal(rq, _pod("c"), running) == \
        "exceeded quota: mem-cpu-demo, requested: pods=1, used: pods=2, limited: pods=2"
    assert _refusal(rq, _pod("c"), [_pod("a"), _pod("b", phase="Succeeded")]) is None


def test_a_compute_quota_requires_every_container_to_name_what_it_limits():
    assert _refusal(_quota(MEM_CPU), _pod("x"), []) == (
        "failed quota: mem-cpu-demo: must specify limits.cpu for: app; limits.memory for: app; requests.cpu for: "
        "app; requests.memory for: app")
    only_cpu = _quota({"cpu": "1"})
    assert _refusal(only_cpu, _pod("x", limits={"memory": "1Gi"}), []) == \
        "failed quota: mem-cpu-demo: must specify cpu for: app"


def test_usage_is_counted_under_every_name():
    pod = _pod("a", **POD_1)
    used = quota.usage(pod)
    assert used["pods"] == used["count/pods"] == 1
    assert used["requests.cpu"] == used["cpu"] == Fraction(2, 5)
    svc, _ = manifest.from_dict({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
                                 "spec": {"type": "NodePort", "ports": [{"port": 80}]}})
    assert quota.usage(svc) == {"count/services": 1, "services": 1, "services.nodeports": 1}
    dep, _ = manifest.from_dict({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}})
    assert quota.usage(dep) == {"count/deployments.apps": 1}


def test_status_used_sums_what_the_quota_limits():
    rq = _quota({**MEM_CPU, "pods": "4"})
    assert quota.status_used(rq, [_pod("a", **POD_1), _pod("b", **POD_1)]) == {
        "requests.cpu": "800m", "requests.memory": "1200Mi", "limits.cpu": "1600m", "limits.memory": "1600Mi",
        "pods": "2"}


def test_scopes_select_pods():
    rq = _quota({"pods": "1"}, scopes=["BestEffort"])
    assert _refusal(rq, _pod("x", **POD_1), [_pod("y")]) is None  # not best effort: not counted
    assert _refusal(rq, _pod("x"), [_pod("y")]) is not None
    terminating = _quota({"pods": "1"}, scopes=["Terminating"])
    assert _refusal(terminating, _pod("x"), [_pod("y", deadline=30)]) is None


@pytest.mark.parametrize("hard, scopes, problem", [
    ({"pods": "-1"}, (), 'spec.hard[pods]: Invalid value: "-1": must be greater than or equal to 0'),
    ({"pods": "1.5"}, (), 'spec.hard[pods]: Invalid value: "1.5": must be an integer'),
    ({"cpu": "lots"}, (), 'spec.hard[cpu]: Invalid value: "lots": must be a valid quantity'),
    ({"pods": "1"}, ("Sometimes",), 'spec.scopes[0]: Invalid value: "Sometimes": unsupported scope'),
    ({"cpu": "1", "pods": "2"}, ("BestEffort",),
     'spec.scopes: Invalid value: []core.ResourceQuotaScope{"BestEffort"}: unsupported scope applied to resource'),
    ({"services": "1"}, ("Terminating",),
     'spec.scopes: Invalid value: []core.ResourceQuotaScope{"Terminating"}: unsupported scope applied to resource'),
    ({"pods": "1"}, ("BestEffort", "NotBestEffort"),
     'spec.scopes: Invalid value: []core.ResourceQuotaScope{"BestEffort", "NotBestEffort"}: conflicting scopes'),
])
def test_invalid_quotas_are_refused_in_kubernetes_words(hard, scopes, problem):
    assert problem in resources.validate(_quota(hard, scopes))


def test_a_scope_limiting_what_it_counts_is_valid():
    assert resources.validate(_quota({"pods": "2", "count/configmaps": "1"}, ("BestEffort",))) == []
    assert resources.validate(_quota({"requests.cpu": "1", "pods": "2"}, ("NotTerminating", "PriorityClass"))) == []


def test_columns_and_describe_show_used_over_hard():
    rq = _quota(MEM_CPU)
    rq.status.hard.update(MEM_CPU)
    rq.status.used.update({"requests.cpu": "400m", "limits.cpu": "800m"})
    row = columns.columns_for("ResourceQuota").row(rq, datetime.now(timezone.utc))
    assert row[2:] == ["requests.cpu: 400m/1, requests.memory: 0/1Gi", "limits.cpu: 800m/2, limits.memory: 0/2Gi"]
    assert resource_quota_lines(rq) == [
        "Name:            mem-cpu-demo",
        "Namespace:       default",
        "Resource         Used  Hard",
        "--------         ----  ----",
        "limits.cpu       800m  2",
        "limits.memory    0     2Gi",
        "requests.cpu     400m  1",
        "requests.memory  0     1Gi",
    ]


def _selected(*expressions):
    rq = _quota({"pods": "1"})
    for scope, operator, values in expressions:
        rq.spec.scope_selector.match_expressions.add(scope_name=scope, operator=operator, values=values)
    return rq


def test_a_scope_selector_selects_pods_as_scopes_do():
    # kubernetes/website content/en/examples/policy/priority-class-resourcequota.yaml: pods of one class only
    by_class = _selected(("PriorityClass", "In", ["cluster-services"]))
    assert resources.validate(by_class) == []
    assert _refusal(by_class, _pod("x"), [_pod("y")]) is None  # a pod without that class is not counted
    not_best_effort = _selected(("BestEffort", "DoesNotExist", []))
    assert _refusal(not_best_effort, _pod("x", **POD_1), [_pod("y", **POD_1)]) is not None
    assert _refusal(not_best_effort, _pod("x"), [_pod("y")]) is None


@pytest.mark.parametrize("expression, problem", [
    (("PriorityClass", "In", []), "spec.scopeSelector.matchExpressions[0].values: Required value: must be at least "
                                  "one value when `operator` is 'In' or 'NotIn' for scope selector"),
    (("BestEffort", "Exists", ["x"]), "spec.scopeSelector.matchExpressions[0].values: Invalid value: "),
    (("BestEffort", "Near", []), 'spec.scopeSelector.matchExpressions[0].operator: Invalid value: "Near": not a '
                                 'valid selector operator'),
    (("Sometimes", "Exists", []), 'spec.scopeSelector.matchExpressions[0].scopeName: Invalid value: "Sometimes": '
                                  'unsupported scope'),
])
def test_invalid_scope_selectors_are_refused(expression, problem):
    assert any(p.startswith(problem) for p in resources.validate(_selected(expression)))


def _claim(name, storage):
    obj, _ = manifest.from_dict({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                                 "metadata": {"name": name, "namespace": "default"},
                                 "spec": {"accessModes": ["ReadWriteOnce"],
                                          "resources": {"requests": {"storage": storage}}}})
    return obj


def test_a_create_is_charged_on_the_quotas_recorded_usage_not_on_a_count():
    rq = _quota({"pods": "3"})
    rq.status.used["pods"] = "2"  # an earlier create's charge, its pod not yet seen by anyone
    used = quota.recorded_used(rq, [])
    assert used == {"pods": 2}
    assert quota.refusal(rq, _pod("c"), used) is None
    assert quota.charged(rq, _pod("c"), used) == {"pods": "3"}
    rq.status.used["pods"] = "3"
    assert quota.refusal(rq, _pod("d"), quota.recorded_used(rq, [])) == \
        "exceeded quota: mem-cpu-demo, requested: pods=1, used: pods=3, limited: pods=3"


def test_a_quota_the_controller_has_not_seen_is_charged_on_a_count_of_the_objects():
    rq = _quota({"pods": "3", "requests.storage": "10Gi"})
    rq.status.used["requests.storage"] = "1Gi"
    used = quota.recorded_used(rq, [_pod("a"), _pod("b", phase="Failed")])
    assert used == {"pods": 1, "requests.storage": 1024**3}
    assert quota.charged(rq, _pod("c"), used) == {"pods": "2", "requests.storage": "1Gi"}


def test_a_claim_resized_up_is_charged_the_growth_and_refused_past_the_quota():
    rq = _quota({"requests.storage": "5Gi", "persistentvolumeclaims": "2"})
    rq.status.used.update({"requests.storage": "3Gi", "persistentvolumeclaims": "1"})
    used = quota.recorded_used(rq, [])
    old = _claim("data", "3Gi")
    assert quota.requested(rq, _claim("data", "4Gi"), old) == {"requests.storage": 1024**3}
    assert quota.charged(rq, _claim("data", "4Gi"), used, old) == {"requests.storage": "4Gi",
                                                                    "persistentvolumeclaims": "1"}
    assert quota.refusal(rq, _claim("data", "6Gi"), used, old) == (
        "exceeded quota: mem-cpu-demo, requested: requests.storage=3Gi, used: requests.storage=3Gi, "
        "limited: requests.storage=5Gi")
    # shrinking or an unchanged size charges nothing, even over a quota lowered since
    assert quota.charged(rq, _claim("data", "2Gi"), used, old) is None
    rq.spec.hard["requests.storage"] = "1Gi"
    assert quota.refusal(rq, _claim("data", "3Gi"), used, old) is None


def test_a_pods_update_is_not_charged():
    rq = _quota({"pods": "1"}, scopes=["Terminating"])
    rq.status.used["pods"] = "1"
    # activeDeadlineSeconds set on an update brings the pod into the scope: Kubernetes 1.32 still charges nothing
    assert quota.requested(rq, _pod("x", deadline=30), _pod("x")) == {}
    assert quota.refusal(rq, _pod("x", deadline=30), quota.recorded_used(rq, []), _pod("x")) is None


def test_a_runtime_class_overhead_counts_in_requests_and_in_limits_the_pod_has():
    from tests.fixtures.objects import pod
    p = pod("o", cpu="500m", overhead={"cpu": "250m", "memory": "64Mi"})
    p.spec.containers[0].resources.limits["cpu"] = "1"
    used = quota.usage(p)
    assert (used["requests.cpu"], used["limits.cpu"]) == (Fraction(3, 4), Fraction(5, 4))
    assert used["requests.memory"] == 64 * 2**20 and "limits.memory" not in used
