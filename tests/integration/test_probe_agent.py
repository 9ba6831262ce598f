"""Probes inside the node agent (fake runtime, real API server): liveness kills and restarts, readiness
drives the Ready conditions, the startup probe gates both, and the events tell the story."""
from __future__ import annotations

import contextlib

from nodeagent.agent import NodeAgent
from nodeagent.config import AgentConfig
from nodeagent.podnetwork import SimulatedNetwork
from nodeagent.runtime.fake import FakeRuntime
from tests.fixtures.fake_runtime_agent import Health
from tests.fixtures.objects import from_yaml
from tests.fixtures.pki import test_pki
from tests.fixtures.wait import eventually


@contextlib.asynccontextmanager
async def agent_with(client, tmp_path):
    runtime = FakeRuntime()
    health = Health(runtime)
    cfg = AgentConfig(server=client.server, node_name="probe-node", node_ip="127.0.0.1", listen_port=0,
                      tls=test_pki().agent_tls("probe-node"),
                      state_dir=str(tmp_path / "probe-node"), restart_backoff_base=0.2, restart_backoff_max=1.0,
                      lease_renew_interval=0.5, status_update_interval=0.5, relist_period=0.1)
    agent = NodeAgent(cfg, client, runtime, runtime_version="fake://0.1", network=SimulatedNetwork())
    try:
        await agent.start()
        yield health
    finally:
        await agent.stop()


async def create(client, probes: str, name: str = "web"):
    return await client.create(from_yaml(f"""
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: default}}
spec:
  nodeName: probe-node
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox:latest
    imagePullPolicy: IfNotPresent
{probes}
"""))


def app(pod):
    return pod.status.container_statuses[0] if pod.status.container_statuses else None


def condition(pod, type_: str) -> str:
    return next((c.status for c in pod.status.conditions if c.type == type_), "")


async def wait_pod(client, predicate, what: str, timeout: float = 15):
    async def check():
        pod = await client.get("Pod", "web")
        return pod if app(pod) is not None and predicate(pod) else None
    return await eventually(check, timeout, 0.1, what)


async def events(client, reason: str) -> list[str]:
    found = await client.list("Event", "default")
    return [e.message for e in found.items if e.involved_object.name == "web" and e.reason == reason]


async def test_failing_liveness_probe_kills_and_restarts_the_container(client, tmp_path):
    async with agent_with(client, tmp_path) as health:
        await create(client, """    livenessProbe:
      exec: {command: [alive]}
      periodSeconds: 1
      failureThreshold: 2""")
        await wait_pod(client, lambda p: app(p).ready, "web running")
        health.sick.add("alive")
        pod = await wait_pod(client, lambda p: app(p).restart_count >= 1, "web restarted", 20)
        assert app(pod).last_state.HasField("terminated")
        health.sick.clear()

        async def told():
            return ("Container app failed liveness probe, will be restarted" in await events(client, "Killing")
                    and "Liveness probe failed: alive: no" in await events(client, "Unhealthy"))
        await eventually(told, 10, 0.1, "Killing and Unhealthy events")
        await wait_pod(client, lambda p: app(p).state.HasField("running") and app(p).ready, "web running again")


async def test_readiness_probe_drives_ready_and_containers_ready(client, tmp_path):
    async with agent_with(client, tmp_path) as health:
        health.sick.add("ready")
        await create(client, """    readinessProbe:
      exec: {command: [ready]}
      periodSeconds: 1
      failureThreshold: 1""")
        pod = await wait_pod(client, lambda p: app(p).state.HasField("running") and health.calls("ready") > 0,
                             "web running and probed")
        assert not app(pod).ready and condition(pod, "Ready") == "False"
        assert condition(pod, "ContainersReady") == "False"
        health.sick.clear()
        pod = await wait_pod(client, lambda p: condition(p, "Ready") == "True", "web Ready")
        assert app(pod).ready and condition(pod, "ContainersReady") == "True"
        health.sick.add("ready")
        pod = await wait_pod(client, lambda p: condition(p, "Ready") == "False", "web not Ready")
        assert app(pod).restart_count == 0 and "Readiness probe failed: ready: no" in await events(client, "Unhealthy")


async def test_startup_probe_gates_readiness_and_liveness(client, tmp_path):
    async with agent_with(client, tmp_path) as health:
        health.sick.update({"started", "alive"})
        await create(client, """    startupProbe:
      exec: {command: [started]}
      periodSeconds: 1
      failureThreshold: 30
    livenessProbe:
      exec: {command: [alive]}
      periodSeconds: 1
      failureThreshold: 1""")
        pod = await wait_pod(client, lambda p: app(p).state.HasField("running") and health.calls("started") >= 2,
                             "web running, startup probed twice")
        assert not app(pod).started and not app(pod).ready and health.calls("alive") == 0
        health.sick.discard("alive")
        health.sick.discard("started")
        pod = await wait_pod(client, lambda p: app(p).started and app(p).ready, "web started")
        assert app(pod).restart_count == 0
