"""Node lifecycle's not-ready taint as plain decisions: which taint a node's Ready calls for, the
swap between unreachable and not-ready, and evictions timed by the not-ready toleration."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from controlplane.controllers.nodelifecycle import health
from tests.fixtures.objects import node, pod

NOW = datetime(2025, 1, 1, tzinfo=timezone.utc)


def test_ready_false_calls_for_not_ready_silence_for_unreachable_ready_for_none():
    assert health.wanted_taint("False", stale=False, current=None) == health.NOT_READY
    assert health.wanted_taint("True", stale=False, current=health.NOT_READY) is None
    assert health.wanted_taint("False", stale=True, current=health.NOT_READY) == health.UNREACHABLE
    # alive but Ready not posted yet: the agent's word is awaited, the taint stays as it is
    assert health.wanted_taint("Unknown", stale=False, current=health.UNREACHABLE) == health.UNREACHABLE
    assert health.wanted_taint("Unknown", stale=False, current=None) is None


def test_lifecycle_taints_swap_and_leave_other_taints_alone():
    n = node("n", taints=[{"key": "dedicated", "value": "db", "effect": "NoSchedule"}])
    not_ready = health.with_lifecycle_taint(n, health.NOT_READY, NOW)
    assert [(t.key, t.effect) for t in not_ready.spec.taints] == [("dedicated", "NoSchedule"),
                                                                   (health.NOT_READY, "NoExecute")]
    assert health.with_lifecycle_taint(not_ready, health.NOT_READY, NOW) is None  # nothing to write
    unreachable = health.with_lifecycle_taint(not_ready, health.UNREACHABLE, NOW)
    assert [t.key for t in unreachable.spec.taints] == ["dedicated", health.UNREACHABLE]
    cleared = health.with_lifecycle_taint(unreachable, None, NOW)
    assert [t.key for t in cleared.spec.taints] == ["dedicated"] and health.lifecycle_taint(cleared) is None


def test_not_ready_eviction_honours_only_not_ready_tolerations():
    plain = pod("a")
    assert health.eviction_time(plain, NOW, 300, health.NOT_READY) == NOW + timedelta(seconds=300)
    tolerates = pod("b", tolerations=[{"key": health.NOT_READY, "operator": "Exists", "effect": "NoExecute",
                                       "tolerationSeconds": 7}])
    assert health.eviction_time(tolerates, NOW, 300, health.NOT_READY) == NOW + timedelta(seconds=7)
    # a toleration of unreachability says nothing about a node that reports itself not ready
    other = pod("c", tolerations=[{"key": health.UNREACHABLE, "operator": "Exists", "effect": "NoExecute"}])
    assert health.eviction_time(other, NOW, 300, health.NOT_READY) == NOW + timedelta(seconds=300)
    assert health.eviction_time(other, NOW, 300, health.UNREACHABLE) is None
