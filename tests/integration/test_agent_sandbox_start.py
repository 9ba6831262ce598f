"""The node agent (fake runtime, real API server) starting a new pod: its containers are created while the
sandbox starts, none starts before the sandbox runs, and they carry the address the sandbox is wired with."""
from __future__ import annotations

import asyncio

from api import events, retry
from nodeagent.runtime import base
from nodeagent.runtime.fake import FakeRuntime
from nodeagent.runtime.images import PAUSE_IMAGE
from tests.fixtures.fake_runtime_agent import agent_config, running_agent
from tests.fixtures.objects import from_yaml
from tests.fixtures.wait import eventually

POD = """
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default}
spec:
  nodeName: node-a
  initContainers:
  - {name: proxy, image: busybox:latest, restartPolicy: Always}
  containers:
  - name: app
    image: busybox:latest
    env:
    - name: POD_IP
      valueFrom: {fieldRef: {fieldPath: status.podIP}}
"""


class HeldSandbox(FakeRuntime):
    """A runtime whose sandbox start waits until the test lets it go; it notes the order of finished starts."""

    def __init__(self):
        super().__init__()
        self.release = asyncio.Event()
        self.started: list[str] = []  # container names (POD: the sandbox), as their starts return

    async def start(self, container_id: str) -> None:
        if self.spec_of(container_id).image == PAUSE_IMAGE:
            await self.release.wait()
        await super().start(container_id)
        self.started.append(self.spec_of(container_id).labels[base.LABEL_CONTAINER_NAME])


async def give_pod_cidr(client, agent, cidr: str) -> None:
    async def update():
        node = await client.get("Node", "node-a")
        node.spec.pod_cidr = cidr
        await client.update(node)
    await eventually(lambda: client.get("Node", "node-a"), 10, what="node-a registered")
    await retry.on_conflict(update)
    await eventually(lambda: agent.network.pod_cidr == cidr, 10, what="the agent's network has the podCIDR")


async def test_a_new_pods_containers_are_created_while_its_sandbox_starts_and_start_only_after_it(client, tmp_path):
    runtime = HeldSandbox()
    async with running_agent(client, agent_config(client.server, tmp_path), runtime) as agent:
        await give_pod_cidr(client, agent, "10.244.7.0/24")
        await client.create(from_yaml(POD))

        def created() -> list[str]:
            return [name.split("_")[1] for verb, name in runtime.calls if verb == "create"]
        await eventually(lambda: len(created()) == 3, 10, what="sandbox, sidecar and app created")
        assert sorted(created()) == ["POD", "app", "proxy"]
        assert runtime.started == []  # the sandbox still starting: nothing else has started

        runtime.release.set()

        async def running():
            pod = await client.get("Pod", "web")
            return pod if pod.status.phase == "Running" else None
        pod = await eventually(running, 10, what="web Running")
        assert runtime.started == ["POD", "proxy", "app"]  # the sandbox, then the sidecar, then the app
        assert pod.status.pod_ip.startswith("10.244.7.")
        app = next(c for c in await runtime.list({base.LABEL_POD_UID: pod.metadata.uid})
                   if c.labels[base.LABEL_CONTAINER_NAME] == "app")
        assert runtime.spec_of(app.id).env["POD_IP"] == pod.status.pod_ip
        assert [c.name for c in pod.status.container_statuses if c.state.HasField("running")] == ["app"]


async def test_a_starting_pods_events_are_written_once_its_containers_have_started(client, tmp_path, monkeypatch):
    monkeypatch.setattr(events, "HOLD_MAX_S", 60.0)  # the hold ends with the start, not with the cap
    runtime = HeldSandbox()
    async with running_agent(client, agent_config(client.server, tmp_path), runtime) as agent:
        await give_pod_cidr(client, agent, "10.244.8.0/24")
        await client.create(from_yaml(POD))

        async def reasons() -> set[str]:
            found = await client.list("Event", "default", field_selector="involvedObject.name=web")
            return {e.reason for e in found.items if e.source.component != "default-scheduler"}
        await eventually(lambda: len([c for c in runtime.calls if c[0] == "create"]) == 3, 10,
                         what="sandbox, sidecar and app created")
        assert await reasons() == set()  # Pulling, Pulled and Created are recorded, and wait while the pod starts

        runtime.release.set()
        await eventually(lambda: _phase(client, "web", "Running"), 10, what="web Running")
        await eventually(lambda: _reasons_are(reasons, {"Pulling", "Pulled", "Created", "Started"}), 10,
                         what="the pod's events written once it started")


async def _phase(client, name: str, phase: str) -> bool:
    return (await client.get("Pod", name)).status.phase == phase


async def _reasons_are(reasons, expected: set[str]) -> bool:
    return await reasons() == expected
