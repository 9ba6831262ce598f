"""Cluster DNS in the lab (two hosts, every component a real process): pods find Services by name on
each host, headless Services give pod IPs, deleted ones NXDOMAIN, and host 2 keeps answering while host 1 is off.
"""
from __future__ import annotations

import os
import re
import subprocess

import pytest

from api import errors, manifest
from api.client import Client
from deploy.lab import cluster, containers, demo
from tests.fixtures.lab import LAB_MARKS, lab, running_lab
from tests.fixtures.wait import eventually

HOSTS = ("skiff-host-1", "skiff-host-2")
pytestmark = LAB_MARKS


@pytest.fixture(scope="module")
def two_hosts(home):
    with running_lab(home, "--nodes", "2", "--ready-timeout", "90") as up:
        yield up


def in_pod(pod: str, *argv: str) -> str:
    """Output (stdout and stderr) of a command in the pod's app container, whatever its exit code."""
    cid = containers.of_pod(pod)
    assert cid, f"pod {pod} has no running container"
    done = subprocess.run(["docker", "exec", cid, *argv], capture_output=True, text=True, timeout=20)
    return done.stdout + done.stderr


async def resolves(pod: str, name: str, address: str) -> None:
    def check():
        return re.search(rf"Address:\s+{re.escape(address)}\s*$", in_pod(pod, "nslookup", name), re.M)
    await eventually(check, timeout=15, interval=0.3, what=f"{name} resolving to {address} in {pod}")


async def create(client: Client, body: dict):
    obj, _ = manifest.from_dict(body)
    try:
        return await client.create(obj)
    except errors.AlreadyExists:
        return await client.get(obj.kind, obj.metadata.name, obj.metadata.namespace or "default")


def web_service(name: str, headless: bool) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "default"},
            "spec": {"selector": {"app": "dns-web"}, "clusterIP": "None" if headless else "",
                     "ports": [{"name": "http", "port": 80}]}}


async def test_pods_on_each_host_find_services_and_host_2_answers_with_host_1_off(two_hosts, home):
    async with cluster.admin_client(os.path.join(home, ".skiff", "config"), timeout=30) as client:
        web = demo.web_deployment(1)["spec"]["template"]
        await create(client, {"apiVersion": "v1", "kind": "Pod",
                              "metadata": {"name": "dns-web", "namespace": "default", "labels": {"app": "dns-web"}},
                              "spec": dict(web["spec"], nodeName=HOSTS[0])})
        svc = await create(client, web_service("dns-web", headless=False))
        await create(client, web_service("dns-web-pods", headless=True))
        for i, host in enumerate(HOSTS, 1):
            await create(client, demo.client_pod(f"dns-client-{i}", node=host))
        (server,) = await demo.wait_pods(client, "", 1, 90, name="dns-web")
        for i in (1, 2):
            await demo.wait_pods(client, "", 1, 90, name=f"dns-client-{i}")
        ip, pod_ip = svc.spec.cluster_ip, server.status.pod_ip

        for pod in ("dns-client-1", "dns-client-2"):
            await resolves(pod, "dns-web", ip)
            await resolves(pod, "dns-web.default.svc.cluster.local", ip)
            await resolves(pod, "dns-web-pods", pod_ip)  # headless: the pod's IP, once the endpoint is ready
            # name.namespace through the C library's search path; the service proxy answers on the ClusterIP.
            await eventually(lambda: "hello from dns-web" in in_pod(pod, "wget", "-qO-", "http://dns-web.default/"),
                             timeout=20, interval=0.5, what=f"GET http://dns-web.default/ from {pod}")

        await client.delete("services", "dns-web")
        await eventually(lambda: "NXDOMAIN" in in_pod("dns-client-2", "nslookup", "dns-web.default.svc.cluster.local"),
                         timeout=10, interval=0.3, what="NXDOMAIN for the deleted Service")

        lab("stop-host", HOSTS[0], home=home)
        try:
            # The headless record of a pod on the powered-off host stays until its endpoint goes:
            # what matters is that host 2 answers from its own cache, with host 1 gone.
            await resolves("dns-client-2", "dns-web-pods.default.svc.cluster.local", pod_ip)
            assert "NXDOMAIN" in in_pod("dns-client-2", "nslookup", "nope.default.svc.cluster.local")
        finally:
            lab("start-host", HOSTS[0], home=home)
        for kind, name in (("services", "dns-web-pods"), ("pods", "dns-web"), ("pods", "dns-client-1"),
                           ("pods", "dns-client-2")):
            await client.delete(kind, name)
