"""The node agent (fake runtime, real API server) as the kubelet: a liveness kill restarts an OnFailure
container that exits 0, a dead sandbox brings the init containers back in order, a new image replaces a container."""
from __future__ import annotations

from nodeagent.runtime import base
from nodeagent.runtime.fake import FakeRuntime
from tests.fixtures.objects import from_yaml
from tests.fixtures.wait import eventually
from tests.fixtures.fake_runtime_agent import Health, running_agent
from tests.fixtures.fake_runtime_agent import agent_config as config


async def events(client, name: str, reason: str) -> list[str]:
    found = await client.list("Event", "default")
    return [e.message for e in found.items if e.involved_object.name == name and e.reason == reason]


async def wait_pod(client, name: str, predicate, what: str, timeout: float = 15):
    async def check():
        pod = await client.get("Pod", name)
        return pod if pod.status.container_statuses and predicate(pod) else None
    return await eventually(check, timeout, 0.1, what)


def app(pod):
    return pod.status.container_statuses[0]


async def test_liveness_kill_restarts_an_on_failure_container_that_exits_zero(client, tmp_path):
    runtime = FakeRuntime()
    runtime.stop_exit_code = 0  # the app handles SIGTERM and exits cleanly
    health = Health(runtime)
    async with running_agent(client, config(client.server, tmp_path), runtime):
        await client.create(from_yaml("""
apiVersion: v1
kind: Pod
metadata: {name: live, namespace: default}
spec:
  nodeName: node-a
  restartPolicy: OnFailure
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox:latest
    livenessProbe:
      exec: {command: [alive]}
      periodSeconds: 1
      failureThreshold: 1
"""))
        await wait_pod(client, "live", lambda p: app(p).ready, "live running")
        health.sick.add("alive")
        pod = await wait_pod(client, "live", lambda p: app(p).restart_count >= 1, "live restarted", 20)
        health.sick.clear()
        assert pod.status.phase == "Running"
        assert app(pod).last_state.terminated.exit_code == 0
        assert not app(pod).state.HasField("terminated")
        killing = await eventually(lambda: events(client, "live", "Killing"), 5, what="Killing event")
        assert "Container app failed liveness probe, will be restarted" in killing
        pod = await wait_pod(client, "live", lambda p: app(p).state.HasField("running"), "live running again")
        assert pod.status.phase == "Running"


async def test_dead_sandbox_is_recreated_and_init_containers_run_again_in_order(client, tmp_path):
    runtime = FakeRuntime()
    runtime.stop_exit_code = 0  # killed apps exit 0: OnFailure must still restart them
    runtime.exit_with("busybox:init", 0)
    async with running_agent(client, config(client.server, tmp_path), runtime):
        await client.create(from_yaml("""
apiVersion: v1
kind: Pod
metadata: {name: sandboxed, namespace: default}
spec:
  nodeName: node-a
  restartPolicy: OnFailure
  initContainers:
  - {name: one, image: "busybox:init"}
  - {name: two, image: "busybox:init"}
  containers:
  - {name: app, image: "busybox:latest"}
"""))
        await wait_pod(client, "sandboxed", lambda p: p.status.phase == "Running", "pod Running")
        sandbox = [c for c in await runtime.list({base.LABEL_POD_NAME: "sandboxed"})
                   if c.labels[base.LABEL_CONTAINER_NAME] == base.SANDBOX_NAME][0]
        first_calls = len(runtime.calls)
        await runtime.stop(sandbox.id, 0)  # the pause container dies

        def rerun(p):
            inits = p.status.init_container_statuses
            return p.status.phase == "Running" and app(p).restart_count == 1 and \
                [s.restart_count for s in inits] == [1, 1] and app(p).state.HasField("running")
        pod = await wait_pod(client, "sandboxed", rerun, "init containers and app run again")
        assert all(s.state.terminated.reason == "Completed" for s in pod.status.init_container_statuses)
        assert {c.type: c.status for c in pod.status.conditions}["Initialized"] == "True"

        by_id = {c.id: c for c in await runtime.list({base.LABEL_POD_NAME: "sandboxed"})}
        new_sandbox = [i for i in by_id.values()
                       if i.labels[base.LABEL_CONTAINER_NAME] == base.SANDBOX_NAME and i.state == "running"][0]
        starts = [by_id[call[1]] for call in runtime.calls[first_calls:] if call[0] == "start" and call[1] in by_id]
        assert [(i.labels[base.LABEL_CONTAINER_NAME], i.labels[base.LABEL_ATTEMPT]) for i in starts] == \
            [("POD", "1"), ("one", "1"), ("two", "1"), ("app", "1")]
        assert all(i.labels.get("io.skiff.sandbox.id") == new_sandbox.id for i in starts[1:])
        changed = await eventually(lambda: events(client, "sandboxed", "SandboxChanged"), 5, what="SandboxChanged")
        assert changed == ["Pod sandbox changed, it will be killed and re-created."]


async def test_changed_image_replaces_the_running_container(client, tmp_path):
    runtime = FakeRuntime()
    async with running_agent(client, config(client.server, tmp_path), runtime):
        await client.create(from_yaml("""
apiVersion: v1
kind: Pod
metadata: {name: upgrade, namespace: default}
spec:
  nodeName: node-a
  terminationGracePeriodSeconds: 1
  containers:
  - {name: app, image: "busybox:latest"}
"""))
        before = await wait_pod(client, "upgrade", lambda p: app(p).ready, "upgrade running")
        before.spec.containers[0].image = "busybox:v2"
        await client.update(before)

        def replaced(p):
            return app(p).image == "busybox:v2" and app(p).restart_count == 1 and app(p).state.HasField("running")
        pod = await wait_pod(client, "upgrade", replaced, "container replaced with the new image")
        assert pod.status.phase == "Running"
        assert app(pod).container_id != app(before).container_id
        assert app(pod).last_state.HasField("terminated")
        running = [c for c in await runtime.list({base.LABEL_POD_NAME: "upgrade"})
                   if c.labels[base.LABEL_CONTAINER_NAME] == "app" and c.state == "running"]
        assert [c.image for c in running] == ["busybox:v2"]
        killing = await eventually(lambda: events(client, "upgrade", "Killing"), 5, what="Killing event")
        assert killing == ["Container app definition changed, will be restarted"]
