"""PodDisruptionBudget validation in Kubernetes' words (pkg/apis/policy/validation)."""
from __future__ import annotations

import pytest

from api import manifest
from controlplane.apiserver import resources


def _problems(**spec):
    obj, _ = manifest.from_dict({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                                 "metadata": {"name": "zk-pdb", "namespace": "default"},
                                 "spec": {"selector": {"matchLabels": {"app": "zk"}}, **spec}})
    resources.default(obj)
    return resources.validate(obj)


@pytest.mark.parametrize("spec", [{"minAvailable": 2}, {"maxUnavailable": 1}, {"minAvailable": "100%"},
                                  {"maxUnavailable": "0%"}, {"minAvailable": 0, "unhealthyPodEvictionPolicy": "AlwaysAllow"}])
def test_the_docs_budgets_are_valid(spec):
    assert _problems(**spec) == []


def test_min_available_and_max_unavailable_cannot_be_both_set():
    (problem,) = _problems(minAvailable=2, maxUnavailable=1)
    assert problem.startswith("spec: Invalid value: ")
    assert problem.endswith(": minAvailable and maxUnavailable cannot be both set")


@pytest.mark.parametrize("spec, problem", [
    ({"minAvailable": -1}, "spec.minAvailable: Invalid value: -1: must be greater than or equal to 0"),
    ({"maxUnavailable": "101%"}, 'spec.maxUnavailable: Invalid value: "101%": must not be greater than 100%'),
    ({"unhealthyPodEvictionPolicy": "Sometimes"},
     'spec.unhealthyPodEvictionPolicy: Unsupported value: "Sometimes": supported values: "IfHealthyBudget", '
     '"AlwaysAllow"'),
])
def test_bad_budgets_are_refused_naming_the_field(spec, problem):
    assert problem in _problems(**spec)


def test_a_percentage_must_be_a_number_and_a_percent_sign():
    (problem,) = _problems(minAvailable="half")
    assert problem.startswith('spec.minAvailable: Invalid value: "half": a valid percent string must be')


def test_a_strategic_merge_patch_replaces_the_selector_whole_as_kubernetes_patch_strategy_replace():
    from api import patch
    from proto import types_pb2
    original = {"spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "zk"},
                                                          "matchExpressions": [{"key": "tier", "operator": "Exists"}]}}}
    merged = patch.strategic_merge(original, {"spec": {"selector": {"matchLabels": {"app": "web"}}}},
                                   types_pb2.PodDisruptionBudget.DESCRIPTOR)
    assert merged["spec"] == {"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}}
