"""Rollout arithmetic of the Deployment controller, as plain functions."""
from __future__ import annotations

import pytest

from controlplane.controllers.deployment import rollout
from controlplane.controllers.deployment.rollout import RSView
from proto import types_pb2


def _strategy(surge, unavailable):
    s = types_pb2.DeploymentStrategy(type="RollingUpdate")
    for field, value in (("max_surge", surge), ("max_unavailable", unavailable)):
        target = getattr(s.rolling_update, field)
        if isinstance(value, int):
            target.int_value = value
        else:
            target.str_value = value
    return s


@pytest.mark.parametrize("replicas, surge, unavailable, expected", [
    (10, "25%", "25%", (3, 2)),  # surge rounds up, unavailable down
    (4, "25%", "25%", (1, 1)),
    (1, "25%", "25%", (1, 0)),
    (3, 0, 0, (0, 1)),  # both zero would never move: one may be unavailable
    (2, 1, 5, (1, 2)),  # never more unavailable than replicas
])
def test_surge_and_unavailable_follow_kubernetes_rounding(replicas, surge, unavailable, expected):
    assert rollout.surge_and_unavailable(_strategy(surge, unavailable), replicas) == expected


def test_recreate_has_no_surge_or_unavailability_budget():
    assert rollout.surge_and_unavailable(types_pb2.DeploymentStrategy(type="Recreate"), 5) == (0, 0)


def test_new_replica_set_grows_by_at_most_the_surge():
    old = RSView("old", 4, 4)
    assert rollout.next_new_size(4, 1, RSView("new", 0, 0), [old]) == 1
    assert rollout.next_new_size(4, 1, RSView("new", 1, 0), [old]) is None  # at replicas + surge
    assert rollout.next_new_size(4, 1, RSView("new", 2, 2), [RSView("old", 2, 2)]) == 3
    assert rollout.next_new_size(4, 1, RSView("new", 4, 4), []) is None
    assert rollout.next_new_size(4, 1, RSView("new", 6, 6), []) == 4


def test_old_replica_sets_shrink_only_while_minimum_availability_holds():
    # 4 wanted, 1 unavailable allowed: new has 1 not yet available, old 4 available
    assert rollout.old_sizes_after_scale_down(4, 1, RSView("new", 1, 0), [RSView("old", 4, 4)]) == {"old": 3}
    # new 1 available now: 5 available, may drop to 3
    assert rollout.old_sizes_after_scale_down(4, 1, RSView("new", 1, 1), [RSView("old", 3, 3)]) == {"old": 2}
    # nothing to spare
    assert rollout.old_sizes_after_scale_down(4, 0, RSView("new", 1, 0), [RSView("old", 4, 4)]) == {}


def test_unhealthy_old_pods_go_first_and_oldest_replica_sets_shrink_first():
    olds = [RSView("older", 2, 0, "2024-01-01T00:00:00Z"), RSView("old", 2, 2, "2024-01-02T00:00:00Z")]
    plan = rollout.old_sizes_after_scale_down(2, 1, RSView("new", 0, 0), olds)
    assert plan == {"older": 0, "old": 1}


def test_stale_available_count_is_capped_by_spec_replicas():
    rs = types_pb2.ReplicaSet(spec=types_pb2.ReplicaSetSpec(replicas=2),
                              status=types_pb2.ReplicaSetStatus(available_replicas=3))
    assert RSView.of(rs).available == 2


def test_proportional_scaling_keeps_the_ratio_and_gives_leftover_to_the_newest():
    active = [RSView("old", 6, 6), RSView("new", 4, 4)]
    assert rollout.proportional_sizes(20, 0, active, "new") == {"old": 12, "new": 8}
    assert rollout.proportional_sizes(5, 0, active, "new") == {"old": 3, "new": 2}
    assert rollout.proportional_sizes(11, 0, active, "new") == {"new": 5}


@pytest.mark.parametrize("value, total, up, expected", [
    (3, 10, True, 3), ("30%", 10, False, 3), ("33%", 10, True, 4), ("33%", 10, False, 3), (None, 5, True, 0)])
def test_value_from_int_or_percent(value, total, up, expected):
    assert rollout.value_from_int_or_percent(value, total, up) == expected
