"""The STATUS, READY and RESTARTS of a pod follow kubectl's printPod rules."""
from __future__ import annotations

import pytest

from api.podstatus import pod_status, ready_count, restarts
from controlplane.apiserver.resources import pod as pod_resource
from tests.fixtures.objects import pod


def _pod(phase="Pending", containers=(), init=(), init_specs=0, deleting=False, reason=""):
    p = pod("web")
    p.status.phase = phase
    p.status.reason = reason
    for i in range(init_specs):
        p.spec.init_containers.add(name=f"init{i}", image="busybox")
    for state in init:
        _add(p.status.init_container_statuses, state)
    for state in containers:
        _add(p.status.container_statuses, state)
    if deleting:
        p.metadata.deletion_timestamp = "2026-01-01T00:00:00Z"
    return p


def _add(statuses, state):
    kind, value = state
    c = statuses.add(name="app", restart_count=value.get("restarts", 0) if isinstance(value, dict) else 0)
    if kind == "running":
        c.state.running.started_at = "2026-01-01T00:00:00Z"
        c.ready = True
    elif kind == "waiting":
        c.state.waiting.reason = value
    elif kind == "terminated":
        c.state.terminated.reason = value.get("reason", "")
        c.state.terminated.exit_code = value.get("code", 0)
    return c


@pytest.mark.parametrize("pod_, expected", [
    (_pod(), "Pending"),
    (_pod(containers=[("waiting", "ContainerCreating")]), "ContainerCreating"),
    (_pod("Running", [("running", {})]), "Running"),
    (_pod("Succeeded", [("terminated", {"reason": "Completed"})]), "Completed"),
    (_pod("Failed", [("terminated", {"reason": "Error", "code": 1})]), "Error"),
    (_pod("Running", [("waiting", "CrashLoopBackOff")]), "CrashLoopBackOff"),
    (_pod(containers=[("waiting", "ImagePullBackOff")]), "ImagePullBackOff"),
    (_pod(containers=[("waiting", "ErrImagePull")]), "ErrImagePull"),
    (_pod("Failed", [("terminated", {"code": 137})]), "ExitCode:137"),
    (_pod(init=[("terminated", {"reason": "Completed"}), ("running", {})], init_specs=3), "Init:1/3"),
    (_pod(init=[("waiting", "CrashLoopBackOff")], init_specs=1), "Init:CrashLoopBackOff"),
    (_pod(init=[("terminated", {"reason": "Error", "code": 2})], init_specs=1), "Init:Error"),
    (_pod("Running", [("running", {})], deleting=True), "Terminating"),
    (_pod("Failed", reason="Evicted"), "Evicted"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_pod_status_reads_as_kubectl_shows_it(pod_, expected):
    assert pod_status(pod_) == expected


def test_terminating_wins_over_a_waiting_reason():
    assert pod_status(_pod(containers=[("waiting", "CrashLoopBackOff")], deleting=True)) == "Terminating"


def test_ready_counts_running_ready_containers_of_all_declared():
    p = _pod("Running", [("running", {})])
    p.spec.containers.add(name="side", image="busybox")
    assert ready_count(p) == "1/2"


def test_restarts_sum_the_app_containers():
    p = _pod("Running", [("running", {"restarts": 2}), ("running", {"restarts": 3})])
    assert restarts(p) == 5


def test_a_gated_pod_shows_scheduling_gated_as_kubectl_prints_it():
    p = pod("web")
    p.spec.scheduling_gates.add(name="example.com/foo")
    pod_resource.STRATEGY.prepare_for_create(p)
    assert pod_status(p) == "SchedulingGated"
