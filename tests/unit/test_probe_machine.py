"""The probe state machine, as the kubelet's probe worker: thresholds, startup gating, holds and resets."""
from __future__ import annotations

from nodeagent.probes.machine import PodFacts, ProbeMachine, Step, Target
from nodeagent.probes.results import Kind, Result, ResultStore
from proto import types_pb2

T0 = 1_000_000.0
RUNNING = Target("c1", "running", T0)
LIVE = PodFacts()


def probe(**fields) -> types_pb2.Probe:
    values = dict(period_seconds=10, timeout_seconds=1, success_threshold=1, failure_threshold=3)
    values.update(fields)
    return types_pb2.Probe(exec=types_pb2.ExecAction(command=["true"]), **values)


def machine(kind=Kind.READINESS, **fields):
    changes = []
    store = ResultStore(lambda uid, k, cid, result: changes.append((uid, k, cid, result)))
    return ProbeMachine(kind, probe(**fields), store, "uid-1"), store, changes


def test_readiness_starts_failed_and_needs_success_threshold_successes():
    m, store, _ = machine(success_threshold=2)
    assert m.decide(RUNNING, LIVE, True, T0 + 1) is Step.PROBE
    assert store.get(Kind.READINESS, "c1") is Result.FAILURE  # not ready until the first success
    m.record(Result.SUCCESS)
    assert store.get(Kind.READINESS, "c1") is Result.FAILURE
    m.record(Result.SUCCESS)
    assert store.get(Kind.READINESS, "c1") is Result.SUCCESS


def test_failures_below_the_threshold_keep_the_result():
    m, store, _ = machine(Kind.LIVENESS, failure_threshold=3)
    m.decide(RUNNING, LIVE, True, T0 + 1)
    assert store.get(Kind.LIVENESS, "c1") is Result.SUCCESS  # alive until proven otherwise
    m.record(Result.FAILURE)
    m.record(Result.FAILURE)
    assert store.get(Kind.LIVENESS, "c1") is Result.SUCCESS
    m.record(Result.FAILURE)
    assert store.get(Kind.LIVENESS, "c1") is Result.FAILURE


def test_a_success_in_between_restarts_the_failure_count():
    m, store, _ = machine(Kind.READINESS, failure_threshold=2)
    m.decide(RUNNING, LIVE, True, T0 + 1)
    m.record(Result.SUCCESS)
    for result in (Result.FAILURE, Result.SUCCESS, Result.FAILURE):
        m.record(result)
    assert store.get(Kind.READINESS, "c1") is Result.SUCCESS
    m.record(Result.FAILURE)
    assert store.get(Kind.READINESS, "c1") is Result.FAILURE


def test_unknown_results_are_thrown_away():
    m, store, _ = machine(Kind.LIVENESS, failure_threshold=2)
    m.decide(RUNNING, LIVE, True, T0 + 1)
    m.record(Result.FAILURE)
    m.record(Result.UNKNOWN)
    m.record(Result.FAILURE)
    assert store.get(Kind.LIVENESS, "c1") is Result.FAILURE


def test_liveness_failure_holds_probing_until_a_new_container():
    m, store, _ = machine(Kind.LIVENESS, failure_threshold=1)
    m.decide(RUNNING, LIVE, True, T0 + 1)
    m.record(Result.FAILURE)
    assert m.decide(RUNNING, LIVE, True, T0 + 20) is Step.WAIT
    restarted = Target("c2", "running", T0 + 30)
    assert m.decide(restarted, LIVE, True, T0 + 31) is Step.PROBE
    assert store.get(Kind.LIVENESS, "c2") is Result.SUCCESS


def test_results_reset_when_the_container_restarts():
    m, store, changes = machine(Kind.READINESS)
    m.decide(RUNNING, LIVE, True, T0 + 1)
    m.record(Result.SUCCESS)
    m.decide(Target("c2", "running", T0 + 30), LIVE, True, T0 + 31)
    assert store.get(Kind.READINESS, "c1") is None  # the old container's result is forgotten
    assert store.get(Kind.READINESS, "c2") is Result.FAILURE
    assert changes[-1] == ("uid-1", Kind.READINESS, "c2", Result.FAILURE)


def test_startup_gates_liveness_and_readiness():
    for kind in (Kind.LIVENESS, Kind.READINESS):
        m, _, _ = machine(kind)
        assert m.decide(RUNNING, LIVE, False, T0 + 1) is Step.WAIT
        assert m.decide(RUNNING, LIVE, True, T0 + 1) is Step.PROBE


def test_startup_probe_stops_once_started():
    m, store, _ = machine(Kind.STARTUP, failure_threshold=30)
    assert m.decide(RUNNING, LIVE, False, T0 + 1) is Step.PROBE
    assert store.get(Kind.STARTUP, "c1") is Result.UNKNOWN
    m.record(Result.SUCCESS)
    assert store.get(Kind.STARTUP, "c1") is Result.SUCCESS
    assert m.decide(RUNNING, LIVE, True, T0 + 11) is Step.WAIT


def test_initial_delay_counts_from_the_container_start():
    m, _, _ = machine(initial_delay_seconds=15)
    assert m.decide(RUNNING, LIVE, True, T0 + 14) is Step.WAIT
    assert m.decide(RUNNING, LIVE, True, T0 + 15) is Step.PROBE


def test_no_container_yet_means_wait_and_no_result():
    m, store, _ = machine()
    assert m.decide(Target(), LIVE, True, T0) is Step.WAIT
    assert len(store) == 0


def test_an_exited_container_fails_and_stops_probing_when_it_will_not_restart():
    m, store, _ = machine(Kind.READINESS)
    m.decide(RUNNING, LIVE, True, T0 + 1)
    m.record(Result.SUCCESS)
    exited = Target("c1", "exited", T0)
    assert m.decide(exited, LIVE, True, T0 + 20) is Step.WAIT
    assert store.get(Kind.READINESS, "c1") is Result.FAILURE
    assert m.decide(exited, PodFacts(restart_policy="Never"), True, T0 + 30) is Step.STOP


def test_a_deleting_pod_stops_liveness_as_success_but_keeps_readiness():
    live, store, _ = machine(Kind.LIVENESS)
    live.decide(RUNNING, LIVE, True, T0 + 1)
    live.record(Result.FAILURE)
    live.record(Result.FAILURE)
    assert live.decide(RUNNING, PodFacts(deleting=True), True, T0 + 2) is Step.STOP
    assert store.get(Kind.LIVENESS, "c1") is Result.SUCCESS
    ready, _, _ = machine(Kind.READINESS)
    assert ready.decide(RUNNING, PodFacts(deleting=True), True, T0 + 2) is Step.PROBE


def test_a_finished_pod_stops_every_probe():
    m, _, _ = machine(Kind.READINESS)
    assert m.decide(RUNNING, PodFacts(terminal=True), True, T0 + 1) is Step.STOP


def test_forget_drops_the_result():
    m, store, _ = machine(Kind.READINESS)
    m.decide(RUNNING, LIVE, True, T0 + 1)
    m.forget()
    assert store.get(Kind.READINESS, "c1") is None


def test_the_store_calls_back_only_on_a_change():
    m, _, changes = machine(Kind.READINESS, failure_threshold=1)
    m.decide(RUNNING, LIVE, True, T0 + 1)
    m.record(Result.FAILURE)
    m.record(Result.FAILURE)
    m.record(Result.SUCCESS)
    assert [c[3] for c in changes] == [Result.FAILURE, Result.SUCCESS]
