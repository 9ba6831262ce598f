"""Node IPAM's allocator and node lifecycle's decisions, as plain functions."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from controlplane.controllers.nodeipam.cidrset import CidrSet, CidrSetError, CidrsExhausted
from controlplane.controllers.nodelifecycle import health
from controlplane.controllers.podgc import terminated_to_delete
from proto import types_pb2
from tests.fixtures.objects import pod

NOW = datetime(2025, 1, 1, tzinfo=timezone.utc)


def test_allocator_hands_out_each_subnet_once():
    s = CidrSet("10.244.0.0/16", 24)
    got = [s.allocate() for _ in range(256)]
    assert got[:2] == ["10.244.0.0/24", "10.244.1.0/24"] and len(set(got)) == 256
    with pytest.raises(CidrsExhausted):
        s.allocate()


def test_allocator_skips_occupied_and_reuses_released_last():
    s = CidrSet("10.0.0.0/22", 24)
    s.occupy("10.0.0.0/24")
    assert s.allocate() == "10.0.1.0/24"
    s.release("10.0.0.0/24")
    assert [s.allocate(), s.allocate(), s.allocate()] == ["10.0.2.0/24", "10.0.3.0/24", "10.0.0.0/24"]


def test_allocator_rejects_foreign_cidrs_and_bad_masks():
    s = CidrSet("10.244.0.0/16", 24)
    with pytest.raises(CidrSetError):
        s.occupy("192.168.0.0/24")
    with pytest.raises(CidrSetError):
        s.occupy("10.244.0.0/25")
    with pytest.raises(CidrSetError, match="--node-cidr-mask-size 8"):
        CidrSet("10.244.0.0/16", 8)


def test_ipv6_cluster_cidr_works_too():
    assert CidrSet("fd00::/48", 64).allocate() == "fd00::/64"


def test_stale_heartbeat_marks_every_condition_unknown_once():
    conditions = types_pb2.NodeStatus().conditions
    conditions.add(type="Ready", status="True")
    assert health.is_stale(0.0, 41.0, 40.0) and not health.is_stale(0.0, 40.0, 40.0)
    assert health.mark_unknown(conditions, NOW)
    ready = conditions[0]
    assert (ready.status, ready.reason, ready.message) == ("Unknown", "NodeStatusUnknown",
                                                           "Kubelet stopped posting node status.")
    assert {c.type for c in conditions} == set(health.NODE_CONDITIONS)
    assert not health.mark_unknown(conditions, NOW)


def test_taint_added_and_removed():
    node = types_pb2.Node()
    tainted = health.with_unreachable_taint(node, NOW)
    assert health.unreachable_taint(tainted).effect == "NoExecute"
    assert health.unreachable_taint(health.without_unreachable_taint(tainted)) is None


def test_eviction_honours_tolerations():
    plain = pod("a")
    assert health.eviction_time(plain, NOW, 300) == NOW + timedelta(seconds=300)
    short = pod("b", tolerations=[{"key": health.UNREACHABLE, "operator": "Exists", "effect": "NoExecute",
                                   "tolerationSeconds": 5}])
    assert health.eviction_time(short, NOW, 300) == NOW + timedelta(seconds=5)
    forever = pod("c", tolerations=[{"operator": "Exists"}])
    assert health.eviction_time(forever, NOW, 300) is None


def test_pod_gc_deletes_oldest_finished_beyond_threshold():
    pods = []
    for i, phase in enumerate(["Succeeded", "Failed", "Running", "Succeeded"]):
        p = pod(f"p{i}")
        p.status.phase = phase
        p.metadata.creation_timestamp = f"2025-01-01T00:00:0{i}Z"
        pods.append(p)
    assert [p.metadata.name for p in terminated_to_delete(pods, 1)] == ["p0", "p1"]
    assert terminated_to_delete(pods, 0) == []
