"""What the lab asks the running cluster: does the API answer, which nodes are Ready.

Small synchronous wrappers over the shared async client, for a command-line tool.
"""
from __future__ import annotations

import asyncio
import time

from api import errors, manifest
from api.client import Client
from api.meta import get_condition


async def _version(address: str) -> bool:
    async with Client(address, timeout=2) as client:
        await client.version()
    return True


async def readiness(address: str) -> dict[str, bool]:
    async with Client(address, timeout=3) as client:
        nodes = await client.list("nodes")
    ready = {}
    for node in nodes.items:
        cond = get_condition(node.status.conditions, "Ready")
        ready[node.metadata.name] = cond is not None and cond.status == "True"
    return ready


async def _ensure_ingress_class(address: str, name: str, controller: str) -> None:
    cls, _ = manifest.from_dict({
        "apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
        "metadata": {"name": name, "annotations": {"ingressclass.kubernetes.io/is-default-class": "true"}},
        "spec": {"controller": controller}})
    async with Client(address, timeout=5) as client:
        try:
            await client.create(cls)
        except errors.AlreadyExists:
            pass


def ensure_ingress_class(address: str, name: str, controller: str) -> None:
    """The default IngressClass of the lab's ingress controller, made if missing."""
    asyncio.run(_ensure_ingress_class(address, name, controller))


def api_answers(address: str) -> bool:
    try:
        return asyncio.run(_version(address))
    except Exception:
        return False


def node_readiness(address: str) -> dict[str, bool] | None:
    """Node name -> Ready; None when the API server does not answer."""
    try:
        return asyncio.run(readiness(address))
    except Exception:
        return None


def wait_for(condition, timeout: float, interval: float = 0.2):
    """Poll until `condition()` is truthy; returns its last value (falsy when the deadline passed)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)
