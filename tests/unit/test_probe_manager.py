"""The node's probe manager over the fake runtime and a manual clock: readiness, liveness kills, startup
gating, resets on restart, Unhealthy events and the status-sync callback."""
from __future__ import annotations

import pytest

from nodeagent import containers
from nodeagent.probes.clock import ManualClock
from nodeagent.probes.manager import ProbeManager
from nodeagent.probes.results import Kind
from nodeagent.runtime.base import LABEL_POD_UID, ContainerSpec, ExecResult
from nodeagent.runtime.fake import FakeRuntime
from proto import types_pb2


def exec_probe(command: str, **fields) -> types_pb2.Probe:
    values = dict(period_seconds=10, timeout_seconds=1, success_threshold=1, failure_threshold=3)
    values.update(fields)
    return types_pb2.Probe(exec=types_pb2.ExecAction(command=[command]), **values)


def make_pod(**probes) -> types_pb2.Pod:
    pod = types_pb2.Pod(metadata=types_pb2.ObjectMeta(name="web", namespace="default", uid="uid-1"))
    pod.spec.containers.add(name="app", image="busybox:latest", **probes)
    return pod


class Events:
    def __init__(self):
        self.seen: list[tuple[str, str]] = []

    def warning(self, obj, reason, message):
        self.seen.append((reason, message))


class Node:
    """A fake runtime answering probe commands from `healthy`, and a manager on a manual clock."""

    def __init__(self):
        self.runtime = FakeRuntime()
        self.healthy: dict[str, bool] = {}
        self.runtime.exec_handler = lambda info, cmd: ExecResult(
            0 if self.healthy.get(cmd[0], True) else 1, f"{cmd[0]} is unhappy".encode())
        self.clock = ManualClock()
        self.kicks: list[str] = []
        self.events = Events()
        self.manager = ProbeManager(self.runtime, self.kicks.append, self.events, clock=self.clock)
        self.attempt = 0

    async def start_container(self, pod) -> None:
        spec = ContainerSpec(name=f"app-{self.attempt}", image="busybox:latest",
                             labels=containers.labels(pod, "app", "node-1", self.attempt))
        cid = await self.runtime.create(spec)
        await self.runtime.start(cid)
        self.attempt += 1

    async def observed(self, pod):
        return await self.runtime.list({LABEL_POD_UID: pod.metadata.uid})

    async def sync(self, pod) -> None:
        """What the pod worker does after a sync: tell the manager what runs now, let probes run."""
        self.manager.update_pod(pod, await self.observed(pod), pod_ip="10.244.1.5")
        await self.clock.advance(0)

    def probed(self, command: str) -> int:
        return sum(1 for call in self.runtime.calls if call[0] == "exec" and call[2] == (command,))


@pytest.fixture
async def node():
    n = Node()
    n.manager.started_at -= 60  # the agent started long ago: no first-probe jitter
    yield n
    await n.manager.stop()


async def test_readiness_follows_the_probe_and_kicks_the_pod(node):
    pod = make_pod(readiness_probe=exec_probe("ready", failure_threshold=1))
    await node.start_container(pod)
    await node.sync(pod)
    assert node.manager.readiness(pod, await node.observed(pod)) == {"app": True}
    node.healthy["ready"] = False
    kicks = len(node.kicks)
    await node.clock.advance(10)
    assert node.manager.readiness(pod, await node.observed(pod)) == {"app": False}
    assert len(node.kicks) > kicks and set(node.kicks) == {"uid-1"}
    assert ("Unhealthy", "Readiness probe failed: ready is unhappy") in node.events.seen


async def test_a_container_with_a_readiness_probe_is_not_ready_before_its_first_probe(node):
    pod = make_pod(readiness_probe=exec_probe("ready", initial_delay_seconds=30))
    await node.start_container(pod)
    await node.sync(pod)
    assert node.manager.readiness(pod, await node.observed(pod)) == {"app": False}
    assert node.probed("ready") == 0


async def test_liveness_failures_past_the_threshold_ask_for_a_kill_and_a_restart_resets(node):
    pod = make_pod(liveness_probe=exec_probe("live", failure_threshold=3))
    await node.start_container(pod)
    await node.sync(pod)
    node.healthy["live"] = False
    for _ in range(2):
        await node.clock.advance(10)
        assert node.manager.kills(pod, await node.observed(pod)) == []
    await node.clock.advance(10)
    kills = node.manager.kills(pod, await node.observed(pod))
    assert [k.message for k in kills] == ["Container app failed liveness probe, will be restarted"]
    unhealthy = [message for reason, message in node.events.seen if reason == "Unhealthy"]
    assert unhealthy[0] == "Liveness probe failed: live is unhappy"
    probes_before = node.probed("live")
    await node.clock.advance(10)
    assert node.probed("live") == probes_before  # on hold until the container is replaced

    await node.runtime.stop(kills[0].container.id, 0)  # the pod worker kills and restarts it
    node.healthy["live"] = True
    await node.start_container(pod)
    await node.sync(pod)
    assert node.manager.kills(pod, await node.observed(pod)) == []
    assert node.probed("live") == probes_before + 1  # the new container is probed at once


async def test_startup_probe_gates_liveness_and_readiness(node):
    pod = make_pod(startup_probe=exec_probe("startup", failure_threshold=30),
                   liveness_probe=exec_probe("live"))
    node.healthy["startup"] = False
    await node.start_container(pod)
    await node.sync(pod)
    for _ in range(3):
        await node.clock.advance(10)
    observed = await node.observed(pod)
    assert node.manager.started(pod, observed) == {"app": False}
    assert node.manager.readiness(pod, observed) == {"app": False}  # no readiness probe, but not started
    assert node.probed("live") == 0 and node.probed("startup") == 4
    node.healthy["startup"] = True
    await node.clock.advance(10)
    observed = await node.observed(pod)
    assert node.manager.started(pod, observed) == {"app": True}
    assert node.manager.readiness(pod, observed) == {"app": True}
    assert node.probed("live") == 1  # liveness begins as soon as the container has started
    await node.clock.advance(10)
    assert node.probed("startup") == 5  # and the startup probe is over


async def test_a_startup_probe_that_never_succeeds_asks_for_a_kill(node):
    pod = make_pod(startup_probe=exec_probe("startup", failure_threshold=2))
    node.healthy["startup"] = False
    await node.start_container(pod)
    await node.sync(pod)
    await node.clock.advance(10)
    kills = node.manager.kills(pod, await node.observed(pod))
    assert [(k.kind, k.message) for k in kills] == [
        (Kind.STARTUP, "Container app failed startup probe, will be restarted")]


async def test_probe_grace_period_is_handed_to_the_kill(node):
    pod = make_pod(liveness_probe=exec_probe("live", failure_threshold=1, termination_grace_period_seconds=2))
    node.healthy["live"] = False
    await node.start_container(pod)
    await node.sync(pod)
    assert [k.grace_s for k in node.manager.kills(pod, await node.observed(pod))] == [2]


async def test_removing_a_pod_stops_its_probes_and_forgets_results(node):
    pod = make_pod(readiness_probe=exec_probe("ready"), liveness_probe=exec_probe("live"))
    await node.start_container(pod)
    await node.sync(pod)
    assert node.manager.workers() == 2 and len(node.manager.store) == 2
    await node.manager.remove_pod("uid-1")
    probes = node.probed("ready")
    await node.clock.advance(30)
    assert node.manager.workers() == 0 and len(node.manager.store) == 0 and node.probed("ready") == probes


async def test_pods_without_probes_cost_nothing(node):
    pod = make_pod()
    await node.start_container(pod)
    await node.sync(pod)
    assert node.manager.workers() == 0
    assert node.manager.readiness(pod, await node.observed(pod)) == {"app": True}


async def test_http_probe_port_name_that_does_not_exist_is_reported_not_counted(node):
    probe = types_pb2.Probe(http_get=types_pb2.HTTPGetAction(path="/", port=types_pb2.IntOrString(str_value="web")),
                            period_seconds=10, timeout_seconds=1, success_threshold=1, failure_threshold=1)
    pod = make_pod(liveness_probe=probe)
    await node.start_container(pod)
    await node.sync(pod)
    assert node.manager.kills(pod, await node.observed(pod)) == []
    assert ("Unhealthy", "Liveness probe errored: couldn't find port: web in container app") in node.events.seen


async def test_workers_made_just_after_the_agent_starts_spread_their_first_probe():
    node = Node()
    try:
        pods = []
        for i in range(20):
            pod = make_pod(readiness_probe=exec_probe("ready"))
            pod.metadata.uid = f"uid-{i}"
            await node.start_container(pod)
            await node.sync(pod)
            pods.append(pod)
        assert node.probed("ready") == 0
        await node.clock.advance(5)
        assert 0 < node.probed("ready") < 20
        await node.clock.advance(5)
        assert node.probed("ready") == 20
    finally:
        await node.manager.stop()
