"""PriorityClass validation and defaults, and the Priority admission's decisions on pods, in Kubernetes' words."""
from __future__ import annotations

import pytest

from api import manifest, priority, quota
from controlplane.apiserver import priority as admission
from controlplane.apiserver import resources
from proto import types_pb2

# the PriorityClass of the docs (concepts/scheduling-eviction/pod-priority-preemption)
HIGH = {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "high-priority"},
        "value": 1000000, "globalDefault": False,
        "description": "This priority class should be used for XYZ service pods only."}


def _class(**fields) -> types_pb2.PriorityClass:
    pc, _ = manifest.from_dict({**HIGH, **fields})
    resources.default(pc)
    return pc


def _pod(**spec) -> types_pb2.Pod:
    pod, _ = manifest.from_dict({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x", "namespace": "default"},
                                 "spec": {"containers": [{"name": "a", "image": "busybox"}], **spec}})
    return pod


def test_the_docs_class_is_valid_and_preempts_lower_priority_by_default():
    pc = _class()
    assert resources.validate(pc) == []
    assert pc.preemption_policy == priority.PREEMPT_LOWER_PRIORITY


@pytest.mark.parametrize("fields, problem", [
    ({"value": 1000000001}, "value: Forbidden: maximum allowed value of a user defined priority is 1000000000"),
    ({"metadata": {"name": "system-mine"}}, "metadata.name: Forbidden: priority class names with 'system-' prefix "
                                            "are reserved for system use only. error: system-mine is not a known "
                                            "system priority class"),
    ({"metadata": {"name": "system-node-critical"}}, "metadata.name: Forbidden: priority class names with 'system-' "
                                                     "prefix are reserved for system use only. error: value of "
                                                     "system-node-critical PriorityClass must be 2000001000"),
    ({"preemptionPolicy": "Sometimes"},
     'preemptionPolicy: Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"'),
])
def test_invalid_classes_name_the_field(fields, problem):
    assert problem in resources.validate(_class(**fields))


def test_the_system_classes_are_valid():
    assert [resources.validate(pc) for pc in priority.SYSTEM_CLASSES] == [[], []]


def test_value_and_policy_are_fixed_but_the_description_may_change():
    old = _class()
    assert resources.validate(_class(description="other"), old) == []
    assert resources.validate(_class(value=5, preemptionPolicy="Never"), old) == [
        "value: Forbidden: may not be changed in an update.",
        'preemptionPolicy: Invalid value: "Never": field is immutable']


def test_a_pod_takes_the_value_and_policy_of_its_class():
    pod = _pod(priorityClassName="high-priority")
    assert admission.resolve(pod, _class(preemptionPolicy="Never")) == ""
    assert (pod.spec.priority, pod.spec.preemption_policy) == (1000000, "Never")


def test_a_pod_naming_no_class_gets_the_global_default_and_its_name_else_zero():
    pod = _pod()
    assert admission.resolve(pod, _class(globalDefault=True)) == ""
    assert (pod.spec.priority_class_name, pod.spec.priority) == ("high-priority", 1000000)
    plain = _pod()
    assert admission.resolve(plain, None) == ""
    assert (plain.spec.priority_class_name, plain.spec.priority, plain.spec.preemption_policy) == \
        ("", 0, "PreemptLowerPriority")


def test_a_pod_giving_a_priority_or_policy_its_class_does_not_is_refused():
    assert admission.resolve(_pod(priorityClassName="high-priority", priority=5), _class()) == \
        ("the integer value of priority (5) must not be provided in pod spec; priority admission controller "
         "computed 1000000 from the given PriorityClass name")
    assert admission.resolve(_pod(preemptionPolicy="Never"), None) == \
        ("the string value of PreemptionPolicy (Never) must not be provided in pod spec; priority admission "
         "controller computed PreemptLowerPriority from the given PriorityClass name")
    same = _pod(priorityClassName="high-priority", priority=1000000)
    assert admission.resolve(same, _class()) == ""


def test_only_one_class_may_be_the_global_default():
    current = _class(globalDefault=True)
    other = _class(metadata={"name": "other"}, globalDefault=True)
    assert admission.second_default(other, True, [current]) == \
        "PriorityClass high-priority is already marked as default. Only one default can exist"
    assert admission.second_default(current, False, [current]) == ""  # updating the default itself
    assert admission.second_default(_class(), True, [current]) == ""


def test_a_pod_naming_a_bad_class_or_policy_is_invalid():
    pod = _pod(priorityClassName="Not_A_Name", preemptionPolicy="Sometimes")
    resources.default(pod)
    problems = resources.validate(pod)
    assert any(p.startswith('spec.priorityClassName: Invalid value: "Not_A_Name"') for p in problems)
    assert 'spec.preemptionPolicy: Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", ' \
           '"Never"' in problems


def test_a_quota_scoped_to_a_class_counts_the_pods_of_that_class_only():
    # kubernetes/website content/en/examples/policy/priority-class-resourcequota.yaml, one pod allowed
    rq, _ = manifest.from_dict({"apiVersion": "v1", "kind": "ResourceQuota",
                                "metadata": {"name": "pods-cluster-services", "namespace": "default"},
                                "spec": {"hard": {"pods": "1"}, "scopeSelector": {"matchExpressions": [
                                    {"operator": "In", "scopeName": "PriorityClass",
                                     "values": ["cluster-services"]}]}}})
    ours, theirs = _pod(priorityClassName="cluster-services"), _pod()
    assert quota.matches_scopes(rq, ours) and not quota.matches_scopes(rq, theirs)
    assert quota.refusal(rq, ours, [ours]) is not None and quota.refusal(rq, theirs, [ours]) is None
