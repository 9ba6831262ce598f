"""Probes with real containers: exec liveness restarts, HTTP readiness against busybox httpd, TCP readiness,
a startup probe holding liveness back, and a slow probe timing out. Probes are sent from the host's netns."""
from __future__ import annotations

from nodeagent.runtime.base import LABEL_CONTAINER_NAME
from tests.e2e.agent_fixtures import agent_cluster  # noqa: F401 (fixture)
from tests.fixtures.wait import eventually


def app(pod):
    return pod.status.container_statuses[0] if pod.status.container_statuses else None


def condition(pod, type_: str) -> str:
    return next((c.status for c in pod.status.conditions if c.type == type_), "")


async def exec_in(cluster, pod_name: str, command: list[str]):
    found = [c for c in await cluster.containers(pod_name)
             if c.labels[LABEL_CONTAINER_NAME] == "app" and c.state == "running"]
    return await cluster.runtime.exec(found[0].id, command, timeout_s=10)


async def event_messages(cluster, pod_name: str, reason: str) -> list[str]:
    events = await cluster.client.list("Event", "default")
    return [e.message for e in events.items if e.involved_object.name == pod_name and e.reason == reason]


async def wait_event(cluster, pod_name: str, reason: str, text: str, timeout: float = 30) -> None:
    async def seen():
        return any(text in m for m in await event_messages(cluster, pod_name, reason))
    await eventually(seen, timeout, 0.2, f"{reason} event of {pod_name} saying {text!r}")


async def test_failing_exec_liveness_probe_restarts_the_container_and_a_slow_one_times_out(agent_cluster):
    host = agent_cluster.add_host()
    await agent_cluster.start_agent(host)
    slow = "exec: {command: [sleep, '5']}\n      timeoutSeconds: 1\n      initialDelaySeconds: 1"
    for name, probe in (("alive", "exec: {command: [cat, /tmp/healthy]}"), ("slow", slow)):
        await agent_cluster.create_pod(f"""
apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    command: [sh, -c, "touch /tmp/healthy; exec sleep 3600"]
    livenessProbe:
      {probe}
      periodSeconds: 1
      failureThreshold: 2
""", host)
    pod = await agent_cluster.wait_pod("alive", lambda p: app(p) and app(p).ready, 60, "alive ready")
    assert app(pod).restart_count == 0

    await exec_in(agent_cluster, "alive", ["rm", "/tmp/healthy"])
    pod = await agent_cluster.wait_pod("alive", lambda p: app(p) and app(p).restart_count >= 1, 30,
                                       "alive restarted after failing its liveness probe")
    await wait_event(agent_cluster, "alive", "Killing", "Container app failed liveness probe, will be restarted")
    await wait_event(agent_cluster, "alive", "Unhealthy", "Liveness probe failed: cat: can't open '/tmp/healthy'")
    # The new container made /tmp/healthy again: it stays up.
    await agent_cluster.wait_pod("alive", lambda p: app(p).state.HasField("running") and app(p).ready, 30)

    await agent_cluster.wait_pod("slow", lambda p: app(p) and app(p).restart_count >= 1, 40,
                                 "slow restarted: its probe timed out")
    await wait_event(agent_cluster, "slow", "Unhealthy", 'Liveness probe failed: command "sleep 5" timed out')


async def test_http_readiness_follows_the_served_file_and_tcp_readiness_the_listener(agent_cluster):
    host = agent_cluster.add_host()
    await agent_cluster.start_agent(host)
    await agent_cluster.create_pod("""
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    command: [sh, -c, "mkdir -p /www && echo ok > /www/ready.html && exec httpd -f -p 8080 -h /www"]
    ports: [{name: http, containerPort: 8080}]
    readinessProbe:
      httpGet: {path: /ready.html, port: http, httpHeaders: [{name: X-Probe, value: skiff}]}
      periodSeconds: 1
      failureThreshold: 1
""", host)
    await agent_cluster.create_pod("""
apiVersion: v1
kind: Pod
metadata: {name: late}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    command: [sh, -c, "sleep 3; exec nc -ll -p 9000 -e true"]
    readinessProbe:
      tcpSocket: {port: 9000}
      periodSeconds: 1
      failureThreshold: 1
""", host)
    ready = lambda p: condition(p, "Ready") == "True"  # noqa: E731
    unready = lambda p: condition(p, "Ready") == "False" and app(p) is not None and not app(p).ready  # noqa: E731
    await agent_cluster.wait_pod("web", ready, 60, "web Ready")

    await exec_in(agent_cluster, "web", ["rm", "/www/ready.html"])
    pod = await agent_cluster.wait_pod("web", unready, 20, "web not Ready once the file is gone")
    assert condition(pod, "ContainersReady") == "False" and app(pod).state.HasField("running")
    await wait_event(agent_cluster, "web", "Unhealthy",
                     "Readiness probe failed: HTTP probe failed with statuscode: 404")
    await exec_in(agent_cluster, "web", ["sh", "-c", "echo ok > /www/ready.html"])
    await agent_cluster.wait_pod("web", ready, 20, "web Ready again once the file is back")
    assert app(await agent_cluster.pod("web")).restart_count == 0  # readiness never restarts anything

    # The TCP listener comes up three seconds after the container: not ready first, ready after.
    await wait_event(agent_cluster, "late", "Unhealthy", "Readiness probe failed: dial tcp", 30)
    await agent_cluster.wait_pod("late", ready, 30, "late Ready once it listens")


async def test_startup_probe_holds_liveness_back_until_the_app_has_started(agent_cluster):
    host = agent_cluster.add_host()
    await agent_cluster.start_agent(host)
    await agent_cluster.create_pod("""
apiVersion: v1
kind: Pod
metadata: {name: slowstart}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    command: [sh, -c, "sleep 4; touch /tmp/started; exec sleep 3600"]
    startupProbe:
      exec: {command: [test, -f, /tmp/started]}
      periodSeconds: 1
      failureThreshold: 30
    livenessProbe:
      exec: {command: [test, -f, /tmp/started]}
      periodSeconds: 1
      failureThreshold: 1
""", host)
    pod = await agent_cluster.wait_pod("slowstart", lambda p: app(p) and app(p).state.HasField("running"), 60)
    assert not app(pod).started and not app(pod).ready
    pod = await agent_cluster.wait_pod("slowstart", lambda p: app(p).started and app(p).ready, 30,
                                       "slowstart started and ready")
    # Without the startup probe the liveness probe would have failed during the first four seconds.
    assert app(pod).restart_count == 0
    assert await event_messages(agent_cluster, "slowstart", "Killing") == []
