"""hostPID, hostIPC and setHostnameAsFQDN made real by the agent with docker, seen from inside the container, and
a readiness gate holding the pod's Ready condition until its condition is set through pods/status."""
from __future__ import annotations

import os

from nodeagent.runtime.base import LABEL_CONTAINER_NAME
from tests.e2e.agent_fixtures import agent_cluster  # noqa: F401 (fixture)
from tests.fixtures.wait import eventually

GATE = "www.example.com/feature-1"


def _ready(pod):
    return next((c for c in pod.status.conditions if c.type == "Ready"), None)


async def test_host_namespaces_fqdn_hostname_and_a_readiness_gate(agent_cluster):
    host = agent_cluster.add_host()
    await agent_cluster.start_agent(host)
    await agent_cluster.create_pod(f"""
apiVersion: v1
kind: Pod
metadata: {{name: exporter}}
spec:
  hostPID: true
  hostIPC: true
  hostname: exporter
  subdomain: metrics
  setHostnameAsFQDN: true
  readinessGates: [{{conditionType: "{GATE}"}}]
  containers:
  - name: app
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    command: [sleep, "300"]
""", host)
    pod = await agent_cluster.wait_pod(
        "exporter", lambda p: p.status.phase == "Running" and _ready(p) is not None
        and _ready(p).reason == "ReadinessGatesNotReady", 60, "exporter Running, held by its gate")
    running = [c for c in await agent_cluster.containers("exporter")
               if c.labels[LABEL_CONTAINER_NAME] == "app" and c.state == "running"]

    async def run(*command: str) -> str:
        result = await agent_cluster.runtime.exec(running[0].id, list(command), timeout_s=10)
        assert result.exit_code == 0, result.output
        return result.output.decode()

    # The node's own init is PID 1 in there, and the IPC and PID namespaces are the test's (the host's).
    with open("/proc/1/cmdline", "rb") as f:
        assert (await run("cat", "/proc/1/cmdline")).encode() == f.read()
    for ns in ("pid", "ipc"):
        assert (await run("readlink", f"/proc/self/ns/{ns}")).strip() == os.readlink(f"/proc/self/ns/{ns}")
    assert (await run("hostname")).strip() == "exporter.metrics.default.svc.cluster.local"

    pod.status.conditions.add(type=GATE, status="True")
    await agent_cluster.client.update_status(pod)

    async def ready() -> bool:
        found = _ready(await agent_cluster.pod("exporter"))
        return found is not None and found.status == "True"
    await eventually(ready, timeout=30, what="Ready once the gate's condition is True")
    assert any(c.type == GATE and c.status == "True" for c in (await agent_cluster.pod("exporter")).status.conditions)
