"""The agent's server finds pods and containers through a narrow lookup: plain fakes stand in for the agent."""
from __future__ import annotations

import grpc
import pytest

from nodeagent.config import AgentConfig
from nodeagent.runtime.base import LABEL_CONTAINER_NAME, ContainerInfo
from nodeagent.server import AgentService, TargetError
from proto import types_pb2


class Pods:
    """A PodLookup over fixed pods and containers."""

    def __init__(self, pods: list[types_pb2.Pod], containers: dict[str, list[ContainerInfo]]):
        self.pods = {f"{p.metadata.namespace}/{p.metadata.name}": p for p in pods}
        self.by_uid = containers

    def pod(self, namespace: str, name: str) -> types_pb2.Pod | None:
        return self.pods.get(f"{namespace}/{name}")

    async def containers(self, pod_uid: str) -> list[ContainerInfo]:
        return self.by_uid.get(pod_uid, [])


def _pod() -> types_pb2.Pod:
    pod = types_pb2.Pod(metadata=types_pb2.ObjectMeta(name="web", namespace="default", uid="u1"))
    pod.spec.containers.add(name="app", image="busybox")
    return pod


def _container(attempt_id: str, started: str) -> ContainerInfo:
    return ContainerInfo(attempt_id, attempt_id, {LABEL_CONTAINER_NAME: "app"}, "busybox", "sha", "running",
                         started_at=started)


def _service(containers: list[ContainerInfo]) -> AgentService:
    return AgentService(AgentConfig(server="", node_name="node-a", node_ip="127.0.0.1"),
                        Pods([_pod()], {"u1": containers}), runtime=None)


async def test_a_pod_not_on_this_node_is_not_found_and_names_the_node():
    with pytest.raises(TargetError) as e:
        await _service([])._target("default", "other", "")
    assert e.value.code == grpc.StatusCode.NOT_FOUND and "node-a" in e.value.message


async def test_the_default_container_is_the_first_and_a_wrong_name_lists_the_choices():
    service = _service([_container("c1", "2026-01-01T00:00:00Z")])
    _, name, info = await service._target("default", "web", "")
    assert (name, info.id) == ("app", "c1")
    with pytest.raises(TargetError) as e:
        await service._target("default", "web", "db")
    assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT and "choose one of: app" in e.value.message


async def test_a_container_not_started_yet_is_a_failed_precondition():
    with pytest.raises(TargetError) as e:
        await _service([])._target("default", "web", "app")
    assert e.value.code == grpc.StatusCode.FAILED_PRECONDITION
