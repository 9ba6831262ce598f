"""LoadBalancer Services in the lab: the address from the pool answers from this machine's root namespace,
announced by one node; `stop-host` of that node moves it to another; externalTrafficPolicy: Local keeps
the client's address (Cluster masquerades); loadBalancerSourceRanges (field or annotation) let in only
clients of the ranges. Traffic goes only to the lab's underlay addresses."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import pytest

from deploy.lab import cluster, demo
from tests.fixtures.http import fetch, fetch_from
from tests.fixtures.lab import lab, lab_marks, running_lab, underlay_client
from tests.fixtures.wait import eventually

ROOT_IP = "10.250.0.1"  # this machine's address on the lab underlay


pytestmark = lab_marks()

# Each pod answers "/" with "web <pod>" and logs each client's address (busybox httpd -vv).
COMMAND = 'mkdir -p /tmp/w && echo "web $(hostname)" > /tmp/w/index.html && exec httpd -f -vv -p 8080 -h /tmp/w'


def deployment(name: str, replicas: int) -> dict:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels}, "spec": {
                     "terminationGracePeriodSeconds": 1,
                     "containers": [{"name": "httpd", "image": "busybox:latest", "command": ["sh", "-c", COMMAND],
                                     "ports": [{"containerPort": 8080, "name": "http"}]}]}}}}


def load_balancer(name: str, app: str, **spec) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"type": "LoadBalancer", "selector": {"app": app}, **spec,
                     "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}}


def objects() -> list[dict]:
    return [deployment("web", 3), load_balancer("web", "web", externalTrafficPolicy="Cluster"),
            load_balancer("local", "web", externalTrafficPolicy="Local")]


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


def ranged_objects() -> list[dict]:
    return [deployment("ranged", 1), load_balancer("ranged", "ranged", loadBalancerSourceRanges=["10.250.0.180/32"])]


def answer_from(netns: str, ip: str) -> str:
    try:
        status, body = fetch_from(netns, ip, "lb.example.com", timeout=2.0)
    except OSError:
        return ""
    return body.strip() if status == 200 else ""


# Runs before the test that stops a host, on the whole lab.
async def test_source_ranges_let_in_only_clients_inside_them(lab3, home):
    async with cluster.admin_client(os.path.join(home, ".skiff", "config"), timeout=30) as client:
        for body in ranged_objects():
            await demo.create(client, body)

        async def address():
            svc = await client.get("services", "ranged")
            return [i.ip for i in svc.status.load_balancer.ingress]
        [ip] = await eventually(address, timeout=30, what="an address for ranged")
        with underlay_client("in", "10.250.0.180") as inside, underlay_client("out", "10.250.0.181") as outside:
            await eventually(lambda: answer_from(inside, ip).startswith("web "), timeout=120, interval=0.3,
                             what=f"{ip} answering a client inside the range")
            assert answer_from(outside, ip) == "", "a client outside the range is dropped"
            assert answer(ip) == "", "so is this machine (10.250.0.1)"

            # The annotation says the same when the field is empty; the rules follow the change.
            await client.patch("services", "ranged", {
                "metadata": {"annotations": {"service.beta.kubernetes.io/load-balancer-source-ranges":
                                             "10.250.0.181/32, 10.250.0.1/32"}},
                "spec": {"loadBalancerSourceRanges": None}})
            await eventually(lambda: answer_from(outside, ip).startswith("web "), timeout=30, interval=0.3,
                             what=f"{ip} answering the client the annotation names")
            assert answer(ip).startswith("web ")
            assert answer_from(inside, ip) == "", "the first client is now outside"
        await client.delete("services", "ranged")
        await client.delete("deployments", "ranged")


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
        await health_checks_answer_where_endpoints_are(client)
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


async def health_checks_answer_where_endpoints_are(client) -> None:
    """healthCheckNodePort of the Local Service: every node answers at its address, 200 with its count of
    ready local endpoints where it has some, 503 elsewhere."""
    svc = await client.get("services", "local")
    port = svc.spec.health_check_node_port
    assert port, "a Local LoadBalancer gets a healthCheckNodePort"
    eps = await client.get("endpoints", "local")
    local = {}
    for subset in eps.subsets:
        for a in subset.addresses:
            local[a.node_name] = local.get(a.node_name, 0) + 1
    for node in (await client.list("nodes")).items:
        [ip] = [a.address for a in node.status.addresses if a.type == "InternalIP"]
        expected = (200, local.get(node.metadata.name, 0)) if node.metadata.name in local else (503, 0)

        def probe():
            try:
                status, body = fetch(ip, "lb.example.com", "/healthz", port=port, timeout=2.0)
            except OSError:
                return None
            return status, json.loads(body)["localEndpoints"]
        await eventually(lambda: probe() == expected, timeout=30, interval=0.3,
                         what=f"{node.metadata.name} at {ip}:{port} answering {expected}")


def held(host: str) -> set[str]:
    """The /32 load-balancer addresses on a lab host's eth0 (the host's namespace is named after it)."""
    out = subprocess.run(["ip", "-n", host, "-4", "-o", "addr", "show", "dev", "eth0", "label", "eth0:lb"],
                         capture_output=True, text=True, check=True).stdout
    return {line.split()[3].split("/")[0] for line in out.splitlines() if line.strip()}


async def _other(pending, node):
    found = await pending
    return found if found not in (None, node) else None
