"""The agent's decisions for ephemeral containers (`kubectl debug`): started once at any stage of the pod, never
restarted, in the target's process namespace, reported in ephemeralContainerStatuses and never ready."""
from __future__ import annotations

from datetime import datetime, timezone

from api.retry import Backoff
from nodeagent import actions, containers, ephemeral, status
from nodeagent.runtime import base
from nodeagent.runtime.base import ContainerInfo, ContainerSpec
from proto import types_pb2
from tests.fixtures.objects import pod_with_containers

VIEW = status.AgentView(now=datetime(2026, 1, 2, tzinfo=timezone.utc), host_ip="192.168.1.2", pod_ip="10.244.1.5")


def debug_pod(target: str = "", inits=()) -> types_pb2.Pod:
    pod = pod_with_containers("Always", inits)
    pod.spec.ephemeral_containers.add(name="debugger-x7k2p", image="busybox", stdin=True, tty=True,
                                      target_container_name=target)
    return pod


def ctr(name: str, state: str = "running", exit_code: int = 0) -> ContainerInfo:
    labels = {base.LABEL_CONTAINER_NAME: name, base.LABEL_ATTEMPT: "0", base.LABEL_POD_UID: "uid-1"}
    return ContainerInfo(id=f"{name}-id", name=f"skiff_{name}_0", labels=labels, image="busybox", image_id="sha",
                         state=state, exit_code=exit_code, started_at="2026-01-02T00:00:00Z",
                         finished_at="2026-01-02T00:01:00Z" if state == "exited" else "")


def planned(pod, observed):
    plan = actions.compute(pod, observed, Backoff(), 0, False)
    return [(s.container.name, s.target) for s in plan.start], plan


def test_a_new_ephemeral_container_starts_beside_the_running_app():
    starts, _ = planned(debug_pod(), [ctr("POD"), ctr("app")])
    assert starts == [("debugger-x7k2p", "")]


def test_it_starts_even_while_the_pod_still_initializes():
    starts, _ = planned(debug_pod(inits=("setup",)), [ctr("POD"), ctr("setup")])
    assert ("debugger-x7k2p", "") in starts


def test_it_is_never_started_again_once_it_ran_whatever_its_exit():
    for state, code in (("running", 0), ("exited", 0), ("exited", 1)):
        starts, _ = planned(debug_pod(), [ctr("POD"), ctr("app"), ctr("debugger-x7k2p", state, code)])
        assert starts == []


def test_one_created_but_never_started_is_removed_and_made_again():
    starts, plan = planned(debug_pod(), [ctr("POD"), ctr("app"), ctr("debugger-x7k2p", "created")])
    assert starts == [("debugger-x7k2p", "")] and plan.remove == ["debugger-x7k2p-id"]


def test_with_a_target_it_joins_the_targets_processes_and_waits_for_it_to_run():
    starts, _ = planned(debug_pod(target="app"), [ctr("POD"), ctr("app")])
    assert starts == [("debugger-x7k2p", "app-id")]
    starts, plan = planned(debug_pod(target="app"), [ctr("POD"), ctr("app", "exited", 1)])
    assert ("debugger-x7k2p", "app-id") not in starts
    assert plan.waiting["debugger-x7k2p"].reason == "ContainerCreating"


def test_the_pid_mode_is_the_targets_or_the_pods():
    spec = ContainerSpec(name="x", image="busybox", labels={}, pid_mode="container:sandbox")
    assert ephemeral.joined(spec, "app-id").pid_mode == "container:app-id"
    assert ephemeral.joined(spec, "") is spec


def test_it_runs_as_a_container_with_the_same_fields_and_no_target():
    pod = debug_pod(target="app")
    pod.spec.ephemeral_containers[0].env.add(name="A", value="b")
    c = ephemeral.as_container(pod.spec.ephemeral_containers[0])
    assert isinstance(c, types_pb2.Container)
    assert (c.name, c.image, c.stdin, c.tty, c.env[0].value) == ("debugger-x7k2p", "busybox", True, True, "b")
    assert c.SerializeToString() == types_pb2.Container(name="debugger-x7k2p", image="busybox", stdin=True, tty=True,
                                                        env=[types_pb2.EnvVar(name="A", value="b")]).SerializeToString()


def test_its_status_is_waiting_running_then_terminated_and_never_ready():
    pod = debug_pod()
    [waiting] = ephemeral.statuses(pod, [ctr("POD"), ctr("app")], VIEW)
    assert waiting.state.waiting.reason == "ContainerCreating"
    [running] = ephemeral.statuses(pod, [ctr("POD"), ctr("debugger-x7k2p")], VIEW)
    assert running.state.HasField("running") and not running.ready
    assert running.container_id == "docker://debugger-x7k2p-id"
    [done] = ephemeral.statuses(pod, [ctr("POD"), ctr("debugger-x7k2p", "exited", 0)], VIEW)
    assert (done.state.terminated.reason, done.restart_count) == ("Completed", 0)


def test_instances_of_an_ephemeral_container_are_found_by_name():
    assert containers.instances([ctr("debugger-x7k2p")], "debugger-x7k2p")[0].id == "debugger-x7k2p-id"
