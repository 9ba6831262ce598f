"""LoadBalancer Services in the lab: the address from the pool answers from this machine's root namespace,
announced by one node; `stop-host` of that node moves it to another; externalTrafficPolicy: Local keeps
the client's address (Cluster masquerades). Traffic goes only to the lab's underlay addresses."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time

import pytest

from deploy.lab import cluster, demo
from tests.fixtures.http import fetch
from tests.fixtures.lab import lab, running_lab
from tests.fixtures.wait import eventually

ROOT_IP = "10.250.0.1"  # this machine's address on the lab underlay


pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.geteuid() != 0, reason="the lab needs root"),
    pytest.mark.skipif(shutil.which("docker") is None or subprocess.run(
        ["docker", "info"], capture_output=True).returncode != 0, reason="needs a running dockerd"),
]

# Each pod answers "/" with "web <pod>" and logs each client's address (busybox httpd -vv).
COMMAND = 'mkdir -p /tmp/w && echo "web $(hostname)" > /tmp/w/index.html && exec httpd -f -vv -p 8080 -h /tmp/w'


def objects() -> list[dict]:
    labels = {"app": "web"}
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": 3, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels}, "spec": {
                     "terminationGracePeriodSeconds": 1,
                     "containers": [{"name": "httpd", "image": "busybox:latest", "command": ["sh", "-c", COMMAND],
                                     "ports": [{"containerPort": 8080, "name": "http"}]}]}}}}

    def service(name, policy):
        return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
                "spec": {"type": "LoadBalancer", "selector": labels, "externalTrafficPolicy": policy,
                         "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}}
    return [deployment, service("web", "Cluster"), service("local", "Local")]


def answer(ip: str, path: str = "/") -> str:
    try:
        status, body = fetch(ip, "lb.example.com", path, timeout=2.0)
    except OSError:
        return ""
    return body.strip() if status == 200 else ""


@pytest.fixture(scope="module")
def lab3(home):
    with running_lab(home, "--nodes", "3", "--ready-timeout", "90") as up:
        yield up


async def test_load_balancer_address_answers_keeps_client_ip_and_moves_when_its_node_stops(lab3, home):
    async with cluster.admin_client(os.path.join(home, ".skiff", "config"), timeout=30) as client:
        for body in objects():
            await demo.create(client, body)

        async def address(name):
            svc = await client.get("services", name)
            return [i.ip for i in svc.status.load_balancer.ingress]
        [ip] = await eventually(lambda: address("web"), timeout=30, what="an address for web")
        [local_ip] = await eventually(lambda: address("local"), timeout=30, what="an address for local")
        assert {ip, local_ip} <= {f"10.250.0.{n}" for n in range(200, 251)}

        started = time.monotonic()
        await eventually(lambda: answer(ip).startswith("web "), timeout=120, interval=0.3,
                         what=f"{ip} answering from the root namespace")
        print(f"web answered on {ip} {time.monotonic() - started:.1f}s after its pods were asked for")

        async def announcer(name):
            events = (await client.list("events", "default")).items
            found = sorted((e.last_timestamp, e.message) for e in events
                           if e.involved_object.name == name and e.reason == "nodeAssigned")
            return found[-1][1].split('"')[1] if found else None
        node = await eventually(lambda: announcer("web"), timeout=30, what="a nodeAssigned event")

        # Local: announced from a node holding an endpoint, which answers and sees this machine's address.
        await eventually(lambda: answer(local_ip).startswith("web "), timeout=60, interval=0.3,
                         what=f"{local_ip} (externalTrafficPolicy: Local) answering")
        answer(local_ip, "/seen-through-local")
        answer(ip, "/seen-through-cluster")

        def clients(path):
            logs = subprocess.run([os.path.join(os.path.dirname(sys.executable), "skiff"), "logs", "-l", "app=web",
                                   "--tail=-1"], capture_output=True, text=True, timeout=60,
                                  env=dict(os.environ, HOME=home)).stdout
            # busybox httpd -vv logs "[::ffff:10.250.0.1]:51982: url:/path"
            return {m.group(1) for line in logs.splitlines() if f"url:{path}" in line
                    for m in [re.search(r"(\d+\.\d+\.\d+\.\d+)\]?:\d+", line)] if m}
        assert await eventually(lambda: clients("/seen-through-local"), timeout=20) == {ROOT_IP}
        seen = await eventually(lambda: clients("/seen-through-cluster"), timeout=20)
        assert ROOT_IP not in seen, "Cluster policy masquerades"

        assert ip in held(node), f"{node} said it announces {ip}"

        lab("stop-host", node, home=home)
        stopped = time.monotonic()
        new_node = await eventually(lambda: _other(announcer("web"), node), timeout=90, interval=0.3,
                                    what="a nodeAssigned event from another node")
        moved = time.monotonic() - stopped
        assert ip in held(new_node) and ip not in held(node)
        await eventually(lambda: answer(ip).startswith("web "), timeout=60, interval=0.3,
                         what=f"{ip} answering from {new_node}")
        print(f"{ip} moved from {node} to {new_node} {moved:.1f}s after stop-host; "
              f"answering {time.monotonic() - stopped:.1f}s after")


def held(host: str) -> set[str]:
    """The /32 load-balancer addresses on a lab host's eth0 (the host's namespace is named after it)."""
    out = subprocess.run(["ip", "-n", host, "-4", "-o", "addr", "show", "dev", "eth0", "label", "eth0:lb"],
                         capture_output=True, text=True, check=True).stdout
    return {line.split()[3].split("/")[0] for line in out.splitlines() if line.strip()}


async def _other(pending, node):
    found = await pending
    return found if found not in (None, node) else None
