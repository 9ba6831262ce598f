"""Ephemeral containers (`kubectl debug`): which to start, once and never again, and in whose process namespace.
Pure decisions over the pod's spec and its runtime containers; the worker starts them as any container."""
from __future__ import annotations

from dataclasses import replace

from nodeagent.containers import instances
from nodeagent.runtime.base import ContainerInfo, ContainerSpec
from nodeagent.status import AgentView, Waiting, container_status
from proto import types_pb2


def as_container(ec: types_pb2.EphemeralContainer) -> types_pb2.Container:
    """The ephemeral container as a Container (the same fields under the same numbers, less the target), so
    the code that makes a container's image, env, mounts and security serves it unchanged."""
    container = types_pb2.Container.FromString(ec.SerializeToString())
    container.DiscardUnknownFields()  # target_container_name: decided here, not by the container code
    return container


def starts(pod: types_pb2.Pod, observed: list[ContainerInfo]) -> tuple[list[tuple[types_pb2.Container, str]],
                                                                     dict[str, Waiting]]:
    """The ephemeral containers to start now, each with the runtime id of the container whose processes it
    joins ("" for the pod's default), and the ones that wait (for their target to run).

    Each starts once: one that ran, or runs, is never started again, whatever its exit (as the kubelet).
    One created but never started (the agent stopped half-way) is made again by the caller's removal."""
    start, waiting = [], {}
    for ec in pod.spec.ephemeral_containers:
        found = instances(observed, ec.name)
        if found and found[0].state != "created":
            continue
        target = ""
        if ec.target_container_name:
            running = [i for i in instances(observed, ec.target_container_name) if i.state == "running"]
            if not running:
                waiting[ec.name] = Waiting("ContainerCreating", f'target container "{ec.target_container_name}" '
                                                                f"is not running")
                continue
            target = running[0].id
        start.append((as_container(ec), target))
    return start, waiting


def leftovers(pod: types_pb2.Pod, observed: list[ContainerInfo]) -> list[str]:
    """Ids of ephemeral containers created but never started: removed before they are made again."""
    return [found[0].id for ec in pod.spec.ephemeral_containers
            if (found := instances(observed, ec.name)) and found[0].state == "created"]


def joined(spec: ContainerSpec, target_id: str) -> ContainerSpec:
    """The container's spec in the target's process namespace (`kubectl debug --target`); without a target it
    keeps the pod's (its sandbox's when shareProcessNamespace, else its own)."""
    return replace(spec, pid_mode=f"container:{target_id}") if target_id else spec


def statuses(pod: types_pb2.Pod, observed: list[ContainerInfo], view: AgentView) -> list[types_pb2.ContainerStatus]:
    """status.ephemeralContainerStatuses: waiting, running or terminated as a container's; never ready (nothing
    serves from a debugging container) and never restarted."""
    out = []
    for ec in pod.spec.ephemeral_containers:
        s = container_status(as_container(ec), observed, view, "ContainerCreating")
        s.ready = False
        out.append(s)
    return out
