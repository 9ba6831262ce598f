"""What the lab asks the running cluster: does the API answer, which nodes are Ready.

Small synchronous wrappers over the shared async client, for a command-line tool.
"""
from __future__ import annotations

import asyncio
import time

from api import errors, kubeconfig, manifest
from api.client import Client
from api.meta import get_condition


def admin_client(config: str, timeout: float, server: str | None = None) -> Client:
    """A client as the lab's admin (the kubeconfig `up` wrote); `server` picks one API server."""
    conn = kubeconfig.load(config, server=server)
    return Client(conn.server, timeout, credentials=conn.credentials)


async def _version(config: str, server: str | None) -> bool:
    async with admin_client(config, timeout=2, server=server) as client:
        await client.version()
    return True


async def readiness(config: str) -> dict[str, bool]:
    async with admin_client(config, timeout=3) as client:
        nodes = await client.list("nodes")
    ready = {}
    for node in nodes.items:
        cond = get_condition(node.status.conditions, "Ready")
        ready[node.metadata.name] = cond is not None and cond.status == "True"
    return ready


async def _ensure_ingress_class(config: str, name: str, controller: str) -> None:
    cls, _ = manifest.from_dict({
        "apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
        "metadata": {"name": name, "annotations": {"ingressclass.kubernetes.io/is-default-class": "true"}},
        "spec": {"controller": controller}})
    async with admin_client(config, timeout=5) as client:
        try:
            await client.create(cls)
        except errors.AlreadyExists:
            pass


def ensure_ingress_class(config: str, name: str, controller: str) -> None:
    """The default IngressClass of the lab's ingress controller, made if missing (`config`: admin kubeconfig)."""
    asyncio.run(_ensure_ingress_class(config, name, controller))


def api_answers(config: str, server: str | None = None) -> bool:
    try:
        return asyncio.run(_version(config, server))
    except Exception:
        return False


def node_readiness(config: str) -> dict[str, bool] | None:
    """Node name -> Ready; None when the API server does not answer (`config`: the admin kubeconfig)."""
    try:
        return asyncio.run(readiness(config))
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
