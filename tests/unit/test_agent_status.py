"""Pod status and pod actions as pure functions of (pod, runtime containers, the agent's view)."""
from __future__ import annotations

from datetime import datetime, timezone

from nodeagent import actions, status
from api.retry import Backoff
from nodeagent.runtime import base
from nodeagent.runtime.base import ContainerInfo
from tests.fixtures.objects import pod_with_containers as make_pod

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def ctr(name, state="running", attempt=0, exit_code=0, oom=False, cid=None, finished="2026-01-02T03:04:00Z"):
    return ContainerInfo(
        id=cid or f"{name}-{attempt}", name=f"skiff_{name}_{attempt}",
        labels={base.LABEL_CONTAINER_NAME: name, base.LABEL_ATTEMPT: str(attempt), base.LABEL_POD_UID: "uid-1"},
        image="busybox", image_id="sha256:b", state=state, exit_code=exit_code, oom_killed=oom,
        started_at="2026-01-02T03:03:00Z", finished_at=finished if state == "exited" else "")


VIEW = status.AgentView(now=NOW, host_ip="192.168.1.2", pod_ip="10.244.1.5")


def conds(s):
    return {c.type: c.status for c in s.conditions}


def test_running_pod_is_ready_with_ips_and_start_time():
    s = status.compute(make_pod(), [ctr("POD"), ctr("app")], VIEW)
    assert s.phase == "Running"
    assert conds(s) == {"PodScheduled": "True", "Initialized": "True", "ContainersReady": "True", "Ready": "True"}
    assert (s.pod_ip, [i.ip for i in s.pod_ips], s.host_ip) == ("10.244.1.5", ["10.244.1.5"], "192.168.1.2")
    assert s.start_time == "2026-01-02T03:04:05Z"
    c = s.container_statuses[0]
    assert c.ready and c.state.running.started_at and c.container_id == "docker://app-0"


def test_readiness_input_makes_a_running_container_unready():
    view = status.AgentView(now=NOW, host_ip="h", pod_ip="ip", readiness={"app": False})
    s = status.compute(make_pod(), [ctr("POD"), ctr("app")], view)
    assert s.phase == "Running"
    assert conds(s)["Ready"] == "False"
    assert "[app]" in [c for c in s.conditions if c.type == "Ready"][0].message


def test_pending_while_init_containers_run():
    pod = make_pod(inits=("one", "two"))
    s = status.compute(pod, [ctr("POD"), ctr("one", "exited", exit_code=0), ctr("two")], VIEW)
    assert s.phase == "Pending"
    assert conds(s)["Initialized"] == "False"
    assert s.init_container_statuses[0].state.terminated.reason == "Completed"
    assert s.init_container_statuses[1].state.running.started_at
    assert s.container_statuses[0].state.waiting.reason == "PodInitializing"


def test_crash_loop_shows_waiting_with_last_state_and_restart_count():
    view = status.AgentView(now=NOW, host_ip="h", waiting={"app": status.Waiting("CrashLoopBackOff", "back-off")})
    containers = [ctr("POD"), ctr("app", "exited", attempt=2, exit_code=1), ctr("app", "exited", attempt=1, exit_code=1)]
    s = status.compute(make_pod(), containers, view)
    c = s.container_statuses[0]
    assert c.state.waiting.reason == "CrashLoopBackOff"
    assert c.last_state.terminated.exit_code == 1 and c.last_state.terminated.reason == "Error"
    assert c.restart_count == 2
    assert s.phase == "Running"


def test_never_policy_ends_succeeded_or_failed_and_stays_there():
    ok = status.compute(make_pod("Never"), [ctr("POD"), ctr("app", "exited", exit_code=0)], VIEW)
    assert ok.phase == "Succeeded"
    assert conds(ok)["Ready"] == "False"
    bad = status.compute(make_pod("Never"), [ctr("POD"), ctr("app", "exited", exit_code=137, oom=True)], VIEW)
    assert bad.phase == "Failed"
    assert bad.container_statuses[0].state.terminated.reason == "OOMKilled"
    pod = make_pod("Never")
    pod.status.CopyFrom(bad)
    assert status.compute(pod, [], VIEW).phase == "Failed"  # terminal phases never go back


def test_failed_init_container_with_never_fails_the_pod():
    s = status.compute(make_pod("Never", inits=("one",)), [ctr("POD"), ctr("one", "exited", exit_code=2)], VIEW)
    assert s.phase == "Failed"


def test_on_failure_keeps_running_after_a_failure_and_succeeds_after_success():
    assert status.compute(make_pod("OnFailure"), [ctr("app", "exited", exit_code=1)], VIEW).phase == "Running"
    assert status.compute(make_pod("OnFailure"), [ctr("app", "exited", exit_code=0)], VIEW).phase == "Succeeded"


def test_waiting_reason_from_the_worker_before_any_container():
    view = status.AgentView(now=NOW, host_ip="h", waiting={"app": status.Waiting("ImagePullBackOff", "no registry")})
    s = status.compute(make_pod(), [ctr("POD")], view)
    assert s.phase == "Pending"
    assert (s.container_statuses[0].state.waiting.reason, s.container_statuses[0].state.waiting.message) == \
        ("ImagePullBackOff", "no registry")


def test_unchanged_inputs_give_an_equal_status_so_nothing_is_written():
    pod = make_pod()
    first = status.compute(pod, [ctr("POD"), ctr("app")], VIEW)
    pod.status.CopyFrom(first)
    later = status.AgentView(now=NOW.replace(minute=30), host_ip="192.168.1.2", pod_ip="10.244.1.5")
    assert status.compute(pod, [ctr("POD"), ctr("app")], later) == first


# ---------------------------------------------------------------- actions

def test_actions_create_the_sandbox_first():
    plan = actions.compute(make_pod(), [], Backoff(), now=0, terminal=False)
    assert plan.create_sandbox and plan.sandbox_attempt == 0 and not plan.start


def test_actions_run_init_containers_one_at_a_time_in_order():
    pod = make_pod(inits=("one", "two"))
    plan = actions.compute(pod, [ctr("POD")], Backoff(), 0, False)
    assert [(s.container.name, s.init) for s in plan.start] == [("one", True)]
    plan = actions.compute(pod, [ctr("POD"), ctr("one", "exited")], Backoff(), 0, False)
    assert [s.container.name for s in plan.start] == ["two"]
    plan = actions.compute(pod, [ctr("POD"), ctr("one", "exited"), ctr("two", "exited")], Backoff(), 0, False)
    assert [s.container.name for s in plan.start] == ["app"]


def test_actions_restart_with_backoff_and_report_crash_loop():
    pod = make_pod()
    backoff = Backoff(base=10, cap=300)
    finished = "2026-01-02T03:04:00Z"
    t = datetime(2026, 1, 2, 3, 4, 0, tzinfo=timezone.utc).timestamp()
    crashed = [ctr("POD"), ctr("app", "exited", attempt=0, exit_code=1, finished=finished)]
    plan = actions.compute(pod, crashed, backoff, t + 1, False)
    assert [(s.attempt, s.restart) for s in plan.start] == [(1, True)]  # the first restart is immediate
    backoff.next(("uid-1", "app"), t + 1)
    plan = actions.compute(pod, crashed, backoff, t + 3, False)
    assert not plan.start and plan.waiting["app"].reason == "CrashLoopBackOff" and plan.wake_in == 7


def test_actions_respect_restart_policy():
    done = [ctr("POD"), ctr("app", "exited", exit_code=0)]
    assert not actions.compute(make_pod("OnFailure"), done, Backoff(), 0, False).start
    assert actions.compute(make_pod("Always"), done, Backoff(), 0, False).start
    assert not actions.compute(make_pod("Always"), done, Backoff(), 0, terminal=True).start
