"""The HPA's normalization: stabilization windows, behavior policies with selectPolicy, min/max clamps and
the legacy scale-up limit, each with Kubernetes' condition reasons."""
from __future__ import annotations

from controlplane.controllers.podautoscaler.normalize import (DEFAULT_DOWN, DEFAULT_UP, Behavior, History, Policy,
                                                              Rules, normalize_legacy, normalize_with_behavior,
                                                              record_scale)

DEFAULTS = Behavior(DEFAULT_UP, DEFAULT_DOWN)


def test_a_scale_down_takes_the_highest_recommendation_of_the_window():
    h = History(recommendations=[(0, 5), (100, 4)])
    n = normalize_legacy(5, 3, 1, 10, h, now=200)
    assert (n.replicas, n.able_reason) == (5, "ScaleDownStabilized")
    # after the window the low recommendations win
    n = normalize_legacy(5, 3, 1, 10, History(recommendations=[(0, 5)]), now=301)
    assert (n.replicas, n.able_reason, n.limited) == (3, "ReadyForNewScale", False)


def test_legacy_scale_up_is_limited_to_double_or_four():
    n = normalize_legacy(1, 10, 1, 20, History(), now=0)
    assert (n.replicas, n.limited, n.limited_reason) == (4, True, "ScaleUpLimit")
    assert normalize_legacy(3, 10, 1, 20, History(), now=0).replicas == 6


def test_min_and_max_clamp():
    n = normalize_legacy(5, 30, 1, 8, History(), now=0)
    assert (n.replicas, n.limited_reason) == (8, "TooManyReplicas")
    n = normalize_with_behavior(3, 1, 2, 10, Behavior(DEFAULT_UP, Rules(0, "Max", DEFAULT_DOWN.policies)), History(), 0)
    assert (n.replicas, n.limited, n.limited_reason) == (2, True, "TooFewReplicas")


def test_default_scale_up_adds_four_pods_or_doubles_whichever_is_more():
    assert normalize_with_behavior(2, 20, 1, 50, DEFAULTS, History(), now=0).replicas == 6  # 2 + 4 > 2 * 2
    assert normalize_with_behavior(10, 50, 1, 50, DEFAULTS, History(), now=0).replicas == 20  # 100% > 4 pods


def test_select_policy_min_picks_the_smaller_change():
    up = Rules(0, "Min", (Policy("Pods", 4, 15), Policy("Percent", 100, 15)))
    n = normalize_with_behavior(10, 50, 1, 50, Behavior(up, DEFAULT_DOWN), History(), now=0)
    assert (n.replicas, n.limited_reason) == (14, "ScaleUpLimit")


def test_disabled_scale_down_keeps_the_count():
    down = Rules(0, "Disabled", DEFAULT_DOWN.policies)
    n = normalize_with_behavior(10, 2, 1, 50, Behavior(DEFAULT_UP, down), History(), now=0)
    assert n.replicas == 10


def test_kubernetes_docs_scale_down_policies_percent_and_pods():
    # docs: 80 replicas, Percent 10/60s and Pods 5/60s, selectPolicy Max: first step removes 8 pods
    down = Rules(0, "Max", (Policy("Percent", 10, 60), Policy("Pods", 5, 60)))
    b = Behavior(DEFAULT_UP, down)
    h = History()
    n = normalize_with_behavior(80, 10, 1, 100, b, h, now=0)
    assert (n.replicas, n.limited_reason) == (72, "ScaleDownLimit")
    record_scale(b, h, 80, 72, now=0)
    # within the same minute the period started at 80: nothing more may go yet
    assert normalize_with_behavior(72, 10, 1, 100, b, h, now=30).replicas == 72
    # a minute later the period starts at 72: 10% is 7.2, 72 - 7.2 = 64.8 -> 64 (8 pods still the max)
    assert normalize_with_behavior(72, 10, 1, 100, b, h, now=61).replicas == 64


def test_scale_up_stabilization_takes_the_lowest_recent_recommendation():
    up = Rules(60, "Max", DEFAULT_UP.policies)
    h = History(recommendations=[(0, 4)])
    n = normalize_with_behavior(3, 8, 1, 20, Behavior(up, DEFAULT_DOWN), h, now=30)
    assert (n.replicas, n.able_reason) == (4, "ScaleUpStabilized")
