"""Native sidecars (init containers with restartPolicy Always): actions, status and kubectl's columns."""
from __future__ import annotations

from datetime import datetime, timezone

from api import podstatus
from nodeagent import actions, status
from api.retry import Backoff
from nodeagent.runtime import base
from nodeagent.runtime.base import ContainerInfo
from tests.fixtures.objects import from_yaml

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
VIEW = status.AgentView(now=NOW, host_ip="192.168.1.2", pod_ip="10.244.1.5")


def pod(restart="Always"):
    return from_yaml(f"""
apiVersion: v1
kind: Pod
metadata: {{name: p, namespace: default, uid: uid-1}}
spec:
  restartPolicy: {restart}
  initContainers:
  - {{name: setup, image: busybox}}
  - {{name: logs, image: busybox, restartPolicy: Always}}
  - {{name: migrate, image: busybox}}
  containers:
  - {{name: app, image: busybox}}
""")


def ctr(name, state="running", attempt=0, exit_code=0):
    return ContainerInfo(
        id=f"{name}-{attempt}", name=f"skiff_{name}_{attempt}",
        labels={base.LABEL_CONTAINER_NAME: name, base.LABEL_ATTEMPT: str(attempt), base.LABEL_POD_UID: "uid-1"},
        image="busybox", image_id="sha256:b", state=state, exit_code=exit_code,
        started_at="2026-01-02T03:03:00Z", finished_at="2026-01-02T03:04:00Z" if state == "exited" else "")


def plan(p, observed, started=None, backoff=None):
    return actions.compute(p, observed, backoff or Backoff(10, 300), NOW.timestamp(), False, frozenset(), started)


def started_names(a):
    return [s.container.name for s in a.start]


def test_a_running_sidecar_lets_the_next_init_container_start():
    a = plan(pod(), [ctr("POD"), ctr("setup", "exited"), ctr("logs")])
    assert started_names(a) == ["migrate"]


def test_a_sidecar_started_in_this_sync_has_the_next_init_container_planned_behind_it():
    # Started is all a sidecar without a startup probe must be: one sync starts it and what follows.
    a = plan(pod(), [ctr("POD"), ctr("setup", "exited")])
    assert started_names(a) == ["logs", "migrate"]
    assert [s.init for s in a.start] == [True, True]


def test_a_sidecar_with_a_startup_probe_is_started_alone():
    p = pod()
    p.spec.init_containers[1].startup_probe.exec.command.append("true")
    assert started_names(plan(p, [ctr("POD"), ctr("setup", "exited")])) == ["logs"]


def test_only_sidecars_lead_straight_to_the_app_containers():
    p = from_yaml("""
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: default, uid: uid-1}
spec:
  initContainers: [{name: logs, image: busybox, restartPolicy: Always}, {name: proxy, image: busybox, restartPolicy: Always}]
  containers: [{name: app, image: busybox}]
""")
    assert started_names(plan(p, [ctr("POD")])) == ["logs", "proxy", "app"]


def test_a_sidecar_waits_for_its_startup_probe_before_the_next_one_starts():
    a = plan(pod(), [ctr("POD"), ctr("setup", "exited"), ctr("logs")], started={"logs": False})
    assert started_names(a) == []


def test_apps_start_once_init_done_and_the_sidecar_runs_beside_them():
    observed = [ctr("POD"), ctr("setup", "exited"), ctr("logs"), ctr("migrate", "exited")]
    assert started_names(plan(pod(), observed)) == ["app"]


def test_a_sidecar_that_exits_is_restarted_even_under_restart_policy_never():
    observed = [ctr("POD"), ctr("setup", "exited"), ctr("logs", "exited", exit_code=0), ctr("migrate", "exited"),
                ctr("app")]
    a = plan(pod("Never"), observed)
    assert [(s.container.name, s.attempt, s.restart) for s in a.start] == [("logs", 1, True)]


def test_sidecars_stop_once_the_app_containers_have_finished():
    observed = [ctr("POD"), ctr("setup", "exited"), ctr("logs"), ctr("migrate", "exited"), ctr("app", "exited")]
    a = plan(pod("Never"), observed)
    assert [(k.name, k.restart) for k in a.kill] == [("logs", False)]
    assert a.start == []


def test_status_initialized_and_ready_count_the_sidecar():
    observed = [ctr("POD"), ctr("setup", "exited"), ctr("logs"), ctr("migrate", "exited"), ctr("app")]
    view = status.AgentView(now=NOW, host_ip="h", pod_ip="ip", readiness={"logs": False})
    s = status.compute(pod(), observed, view)
    conditions = {c.type: (c.status, c.message) for c in s.conditions}
    assert conditions["Initialized"][0] == "True"
    assert conditions["Ready"] == ("False", "containers with unready status: [logs]")
    logs = s.init_container_statuses[1]
    assert logs.state.running.started_at and logs.started and not logs.ready
    assert s.phase == "Running"


def test_an_unstarted_sidecar_keeps_the_pod_initializing():
    view = status.AgentView(now=NOW, host_ip="h", pod_ip="ip", started={"logs": False})
    s = status.compute(pod(), [ctr("POD"), ctr("setup", "exited"), ctr("logs")], view)
    assert s.phase == "Pending"
    assert {c.type: c.message for c in s.conditions}["Initialized"] == \
        "containers with incomplete status: [logs migrate]"


def test_kubectl_columns_count_the_sidecar():
    p = pod()
    initializing = [ctr("POD"), ctr("setup", "exited"), ctr("logs")]
    p.status.CopyFrom(status.compute(p, initializing, VIEW))
    assert podstatus.pod_status(p) == "Init:2/3"
    p.status.CopyFrom(status.compute(p, initializing + [ctr("migrate", "exited"), ctr("app")], VIEW))
    assert (podstatus.pod_status(p), podstatus.ready_count(p)) == ("Running", "2/2")
    p.status.CopyFrom(status.compute(p, [ctr("POD"), ctr("setup", "exited"), ctr("logs", attempt=3),
                                         ctr("migrate", "exited"), ctr("app", attempt=1)], VIEW))
    assert podstatus.restarts(p) == 4


def test_a_sidecar_stopped_after_the_apps_finished_leaves_the_pod_succeeded():
    observed = [ctr("POD"), ctr("setup", "exited"), ctr("logs", "exited", exit_code=143), ctr("migrate", "exited"),
                ctr("app", "exited")]
    assert status.compute(pod("Never"), observed, VIEW).phase == "Succeeded"
