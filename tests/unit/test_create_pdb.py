"""`skiff create poddisruptionbudget`: kubectl's flag checks in its words, and the budget it builds."""
from __future__ import annotations

import argparse

import pytest

from cli import generate
from cli.commands import create_policy


def _args(selector="app=web", min_available="", max_unavailable=""):
    return argparse.Namespace(selector=selector, min_available=min_available, max_unavailable=max_unavailable)


@pytest.mark.parametrize("args, problem", [
    (_args(selector="", min_available="1"), "a selector must be specified"),
    (_args(), "one of min-available or max-unavailable must be specified"),
    (_args(min_available="1", max_unavailable="1"), "min-available and max-unavailable cannot be both specified"),
    (_args(min_available="10Gb"), "invalid format specified for min-available"),
    (_args(max_unavailable="-1"), "invalid format specified for max-unavailable"),
    (_args(min_available="50%"), ""),
])
def test_flags_are_checked_as_kubectl_does(args, problem):
    assert create_policy.check(args) == problem


def test_the_budget_keeps_numbers_as_integers_percentages_as_strings_and_set_values_sorted():
    made = generate.pod_disruption_budget("rails", "app=rails,tier in (web,api),!canary", min_available="2")
    assert made["spec"] == {"minAvailable": 2, "selector": {
        "matchLabels": {"app": "rails"},
        "matchExpressions": [{"key": "tier", "operator": "In", "values": ["api", "web"]},
                             {"key": "canary", "operator": "DoesNotExist"}]}}
    assert generate.pod_disruption_budget("x", "a=b", max_unavailable="50%")["spec"]["maxUnavailable"] == "50%"
