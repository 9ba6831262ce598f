"""`lab demo`: busybox web servers spread over the hosts, and a client pod fetching from each by pod IP.

Services come later, so the client reaches the servers at their pod IPs across the hosts' routes.
"""
from __future__ import annotations

import asyncio
import time
from pathlib import Path

import yaml

from api import errors, manifest
from api.client import Client
from deploy.lab import cluster, containers, state as S
from deploy.lab import plan as P
from deploy.lab.shell import LabError

WEB_MANIFEST = Path(__file__).resolve().parent.parent / "examples" / "web.yaml"


def web_deployment(replicas: int) -> dict:
    """deploy/examples/web.yaml (what the README applies on real VMs), one replica per host."""
    body = yaml.safe_load(WEB_MANIFEST.read_text())
    body["spec"]["replicas"] = replicas
    return body


def client_pod(name: str = "client", node: str = "") -> dict:
    spec = {"containers": [{"name": "client", "image": "busybox:latest",
                            "command": ["sleep", "2147483647"]}], "terminationGracePeriodSeconds": 1}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"},
            "spec": spec}


async def create(client: Client, body: dict) -> None:
    obj, _ = manifest.from_dict(body)
    try:
        await client.create(obj)
    except errors.AlreadyExists:
        pass


async def running_pods(client: Client, label_selector: str = "", name: str = "") -> list:
    pods = (await client.list("pods", "default", label_selector=label_selector)).items
    return [p for p in pods if p.status.phase == "Running" and p.status.pod_ip
            and (not name or p.metadata.name == name) and not p.metadata.deletion_timestamp]


async def wait_pods(client: Client, selector: str, count: int, timeout: float, name: str = "") -> list:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        pods = await running_pods(client, selector, name)
        if len(pods) >= count:
            return pods
        if loop.time() > deadline:
            raise LabError(f"only {len(pods)} of {count} pods Running after {timeout:g}s; "
                           f"see `skiff get pods -o wide` and `skiff describe pod`")
        await asyncio.sleep(0.5)


def fetch(client_pod_name: str, ip: str, attempts: int = 10) -> tuple[int, str]:
    """From inside the client pod: GET http://IP/ (traffic stays within the lab's namespaces).

    Retried for a few seconds: a pod is Running a moment before its server listens.
    """
    for attempt in range(attempts):
        # No `-T`: Debian's static busybox wget crashes with it; docker exec's own timeout applies.
        code, body = containers.exec_in_pod(client_pod_name, ["wget", "-qO-", f"http://{ip}/"], timeout=10)
        if code == 0 or attempt == attempts - 1:
            return code, body
        time.sleep(0.5 * (attempt + 1))
    return code, body


async def _demo(lab: P.Lab, timeout: float) -> int:
    replicas = len(lab.hosts)
    async with cluster.admin_client(lab.admin_kubeconfig, timeout=10) as client:
        print(f"demo: Deployment web ({replicas} busybox httpd replicas) and Pod client")
        await create(client, web_deployment(replicas))
        await create(client, client_pod())
        web = await wait_pods(client, "app=skiff-demo-web", replicas, timeout)
        (cli,) = await wait_pods(client, "", 1, timeout, name="client")
    failures = 0
    print(f"demo: client runs on {cli.spec.node_name} at {cli.status.pod_ip}")
    for pod in sorted(web, key=lambda p: p.spec.node_name):
        where = "same host" if pod.spec.node_name == cli.spec.node_name else "across hosts"
        code, body = fetch("client", pod.status.pod_ip)
        failures += code != 0
        print(f"  client -> {pod.metadata.name} {pod.status.pod_ip} on {pod.spec.node_name} ({where}): "
              f"{body.strip() if code == 0 else 'FAILED: ' + body.strip()}")
    print("\nlook at it:")
    print("  .venv/bin/skiff get pods -o wide")
    print("  .venv/bin/skiff get deployments,replicasets")
    print("  .venv/bin/skiff describe pod client")
    print(f"  .venv/bin/python -m deploy.lab exec {lab.hosts[0].name} -- ip route")
    print(f"  .venv/bin/python -m deploy.lab stop-host {lab.hosts[-1].name}   "
          f"# then watch: .venv/bin/skiff get nodes,pods -o wide -w")
    print("  .venv/bin/skiff delete deployment web; .venv/bin/skiff delete pod client")
    return 1 if failures else 0


def demo(timeout: float = 180) -> int:
    st = S.load()
    if st is None:
        raise LabError("no lab is up; run `python -m deploy.lab up` first")
    return asyncio.run(_demo(P.plan(st.settings), timeout))
