"""Shared pieces of the controller tests (no tests here): the controller manager run in-process,
a fake agent that marks pods Running and Ready, and builders of ReplicaSets and Deployments.
"""
from __future__ import annotations

import asyncio
import contextlib

from api import errors, manifest, meta, retry
from controlplane.controllers.manager import ControllerManager
from controlplane.controllers.options import Options

WAIT = 20.0


def replica_set(name: str, replicas: int, labels: dict | None = None, namespace: str = "default",
                min_ready: int = 0):
    labels = labels or {"app": name}
    obj, _ = manifest.from_dict({
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"replicas": replicas, "minReadySeconds": min_ready, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [{"name": "app", "image": "busybox:1.36"}]}}}})
    return obj


def deployment(name: str, replicas: int, image: str = "busybox:1.36", strategy: dict | None = None,
               **spec):
    obj, _ = manifest.from_dict({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "strategy": strategy or {"type": "RollingUpdate"},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [{"name": "app", "image": image}]}}, **spec}})
    return obj


@contextlib.asynccontextmanager
async def running_manager(client, controllers: list[str], leader_elect: bool = False, identity: str = "",
                          **options):
    """A controller manager in this loop, leading, with short lease timings; always stopped."""
    m = ControllerManager(client, Options(**options), controllers, leader_elect=leader_elect, identity=identity,
                          lease_duration=2.0, renew_deadline=1.5, retry_period=0.2)
    await m.start()
    try:
        if not leader_elect:
            await asyncio.wait_for(m.leading.wait(), WAIT)
        yield m
    finally:
        await m.stop()


async def make_ready(client, pod) -> None:
    pod.status.phase = "Running"
    meta.set_condition(pod.status.conditions, "Ready", "True")
    try:
        await client.update_status(pod)
    except (errors.NotFound, errors.Conflict):
        pass


@contextlib.asynccontextmanager
async def fake_agent(client, ready: bool = True, observe=None):
    """Plays every node agent: marks pods Running+Ready (when `ready`), confirms deletions of bound pods.

    `observe(pods)` is called with every listing, so a test can check invariants on each state it sees.
    """
    async def loop():
        while True:
            pods = (await client.list("Pod", "default")).items
            if observe is not None:
                observe(pods)
            for pod in pods:
                if pod.metadata.deletion_timestamp:
                    if pod.spec.node_name:
                        with contextlib.suppress(errors.NotFound, errors.Conflict):
                            await client.delete("Pod", pod.metadata.name, "default", grace_period=0)
                elif ready and pod.status.phase == "Pending":
                    await make_ready(client, pod)
            await asyncio.sleep(0.05)

    task = asyncio.create_task(loop(), name="fake-agent")
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if task.done() and not task.cancelled() and task.exception() is not None:
            raise task.exception()


async def active_pods(client, namespace: str = "default", selector: str = ""):
    pods = (await client.list("Pod", namespace, label_selector=selector)).items
    return [p for p in pods if not p.metadata.deletion_timestamp and p.status.phase not in ("Succeeded", "Failed")]


async def edit(client, kind: str, name: str, change, namespace: str = "default"):
    """Read, change, write, again on conflict: controllers write the same objects concurrently."""
    async def attempt():
        obj = await client.get(kind, name, namespace)
        change(obj)
        return await client.update(obj)
    return await retry.on_conflict(attempt)
