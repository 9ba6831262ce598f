"""Pod actions and status for three kubelet behaviours: a liveness kill is a failure (OnFailure restarts it),
a re-created sandbox runs the init containers again, and a changed image replaces the running container."""
from __future__ import annotations

from datetime import datetime, timezone

from nodeagent import actions, containers, status
from api.retry import Backoff
from nodeagent.runtime import base
from nodeagent.runtime.base import ContainerInfo
from tests.fixtures.objects import pod_with_containers as status_pod

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
VIEW = status.AgentView(now=NOW, host_ip="192.168.1.2", pod_ip="10.244.1.5")


def make_pod(restart="Always", inits=(), image="busybox:1"):
    pod = status_pod(restart, inits)
    pod.spec.containers[0].image = image
    return pod


def ctr(name, state="running", attempt=0, exit_code=0, sandbox=None, image="busybox:1"):
    labels = {base.LABEL_CONTAINER_NAME: name, base.LABEL_ATTEMPT: str(attempt), base.LABEL_POD_UID: "uid-1"}
    if sandbox is not None:
        labels[containers.LABEL_SANDBOX] = sandbox
    cid = f"POD-{attempt}" if name == "POD" else f"{name}-{attempt}"
    return ContainerInfo(id=cid, name=f"skiff_{name}_{attempt}", labels=labels, image=image, image_id="sha256:b",
                         state=state, exit_code=exit_code, started_at="2026-01-02T03:03:00Z",
                         finished_at="2026-01-02T03:04:00Z" if state == "exited" else "")


def started(plan):
    return [(s.container.name, s.attempt) for s in plan.start]


# ---------------------------------------------------------------- 1: a liveness kill is a failure

def test_on_failure_restarts_a_killed_container_that_exited_zero():
    killed_app = ctr("app", "exited", exit_code=0)
    observed = [ctr("POD"), killed_app]
    plan = actions.compute(make_pod("OnFailure"), observed, Backoff(), 0, False, frozenset({killed_app.id}))
    assert started(plan) == [("app", 1)] and plan.start[0].restart


def test_on_failure_leaves_a_container_that_exited_zero_by_itself():
    observed = [ctr("POD"), ctr("app", "exited", exit_code=0)]
    assert not actions.compute(make_pod("OnFailure"), observed, Backoff(), 0, False, frozenset({"other"})).start


def test_never_does_not_restart_a_killed_container():
    killed_app = ctr("app", "exited", exit_code=0)
    plan = actions.compute(make_pod("Never"), [ctr("POD"), killed_app], Backoff(), 0, False,
                           frozenset({killed_app.id}))
    assert not plan.start


def test_should_restart_counts_a_kill_as_a_failure():
    assert actions.should_restart("OnFailure", 0, killed=True)
    assert not actions.should_restart("OnFailure", 0)
    assert not actions.should_restart("Never", 1, killed=True)


# ---------------------------------------------------------------- 2: a new sandbox runs the init containers again

def old_sandbox_pod(inits_done=("one", "two"), app_exit=137):
    """Sandbox POD-0 died; POD-1 runs now; everything else ran in POD-0."""
    return [ctr("POD", "exited", 0), ctr("POD", "running", 1)] + \
        [ctr(n, "exited", sandbox="POD-0") for n in inits_done] + \
        [ctr("app", "exited", exit_code=app_exit, sandbox="POD-0")]


def test_new_sandbox_reruns_init_containers_in_order_before_the_apps():
    pod = make_pod(inits=("one", "two"))
    observed = old_sandbox_pod()
    plan = actions.compute(pod, observed, Backoff(), 0, False)
    assert started(plan) == [("one", 1)] and plan.start[0].init
    assert plan.waiting["app"].reason == "PodInitializing"

    observed.append(ctr("one", "exited", attempt=1, sandbox="POD-1"))
    assert started(actions.compute(pod, observed, Backoff(), 0, False)) == [("two", 1)]

    observed.append(ctr("two", "exited", attempt=1, sandbox="POD-1"))
    plan = actions.compute(pod, observed, Backoff(), 0, False)
    assert started(plan) == [("app", 1)] and not plan.waiting


def test_containers_created_for_a_sandbox_that_never_started_are_removed_and_made_again():
    pod = make_pod(inits=("one",))
    # POD-0 failed to start after its containers were created (they are made while the sandbox starts).
    observed = [ctr("POD", "created", 0), ctr("POD", "running", 1),
                ctr("one", "created", sandbox="POD-0"), ctr("app", "created", sandbox="POD-0")]
    plan = actions.compute(pod, observed, Backoff(), 0, False)
    assert plan.remove == ["one-0"] and started(plan) == [("one", 1)]


def test_status_is_pending_and_uninitialized_while_init_containers_rerun():
    pod = make_pod(inits=("one", "two"))
    observed = old_sandbox_pod() + [ctr("one", "running", attempt=1, sandbox="POD-1")]
    view = status.AgentView(now=NOW, host_ip="h", waiting={"app": status.Waiting("PodInitializing")})
    s = status.compute(pod, observed, view)
    assert s.phase == "Pending"
    assert {c.type: c.status for c in s.conditions}["Initialized"] == "False"
    app = s.container_statuses[0]
    assert app.state.waiting.reason == "PodInitializing" and app.last_state.terminated.exit_code == 137
    # The old sandbox's completed init containers do not count for the new one.
    s = status.compute(pod, old_sandbox_pod(), VIEW)
    assert {c.type: c.status for c in s.conditions}["Initialized"] == "False"


def test_new_sandbox_with_policy_never_does_not_rerun_init_containers():
    plan = actions.compute(make_pod("Never", inits=("one",)), old_sandbox_pod(("one",)), Backoff(), 0, False)
    assert not plan.start and not plan.waiting


def test_new_sandbox_restarts_on_failure_apps_the_agent_killed():
    pod = make_pod("OnFailure", inits=("one",))
    observed = old_sandbox_pod(("one",), app_exit=0) + [ctr("one", "exited", attempt=1, sandbox="POD-1")]
    assert not actions.compute(pod, observed, Backoff(), 0, False).start  # it had exited 0 by itself
    assert started(actions.compute(pod, observed, Backoff(), 0, False, frozenset({"app-0"}))) == [("app", 1)]


def test_containers_without_a_sandbox_label_count_as_in_the_current_sandbox():
    pod = make_pod(inits=("one",))
    observed = [ctr("POD", "running", 1), ctr("one", "exited"), ctr("app", "running")]
    plan = actions.compute(pod, observed, Backoff(), 0, False)
    assert not plan.start and not plan.kill


# ---------------------------------------------------------------- 3: a changed image replaces the container

def test_changed_image_kills_and_replaces_the_running_container():
    running = ctr("app", "running", attempt=2, image="busybox:1")
    plan = actions.compute(make_pod(image="busybox:2"), [ctr("POD"), running], Backoff(), 0, False)
    assert [(k.container.id, k.message) for k in plan.kill] == [
        ("app-2", "Container app definition changed, will be restarted")]
    assert started(plan) == [("app", 3)] and not plan.start[0].restart


def test_unchanged_image_or_exited_container_is_not_killed():
    assert not actions.compute(make_pod(), [ctr("POD"), ctr("app")], Backoff(), 0, False).kill
    exited = ctr("app", "exited", exit_code=1, image="busybox:1")
    plan = actions.compute(make_pod(image="busybox:2"), [ctr("POD"), exited], Backoff(), 0, False)
    assert not plan.kill and started(plan) == [("app", 1)]  # restarted by the policy, with the new image
