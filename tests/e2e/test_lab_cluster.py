"""The whole lab: three Ready nodes, pods reaching each other across hosts, failover after a power cut.

Needs root, dockerd, and the agent, scheduler and controller manager; traffic stays inside lab namespaces.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from api import manifest
from api.client import Client
from deploy.lab import cluster, containers, demo
from deploy.lab.down import leftovers
from tests.fixtures.lab import LAB_MARKS, lab, running_lab
from tests.fixtures.wait import eventually

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
pytestmark = LAB_MARKS


@pytest.fixture(scope="module")
def three_hosts(home):
    with running_lab(home, "--nodes", "3", "--ready-timeout", "90") as up:
        yield up


async def create(client: Client, body: dict):
    obj, _ = manifest.from_dict(body)
    return await client.create(obj)


def test_up_brings_three_ready_nodes_that_the_cli_shows(three_hosts, home):
    got = subprocess.run([os.path.join(os.path.dirname(sys.executable), "skiff"), "get", "nodes"],
                         capture_output=True, text=True, timeout=30, env=dict(os.environ, HOME=home))
    assert got.returncode == 0, got.stderr
    rows = [line.split() for line in got.stdout.splitlines()[1:]]
    assert sorted((r[0], r[1]) for r in rows) == [
        ("skiff-host-1", "Ready"), ("skiff-host-2", "Ready"), ("skiff-host-3", "Ready")]


async def test_a_pod_on_host_1_fetches_from_a_pod_on_host_3_by_ip(three_hosts, home):
    async with cluster.admin_client(os.path.join(home, ".skiff", "config"), timeout=30) as client:
        server = demo.web_deployment(1)["spec"]["template"]
        await create(client, {"apiVersion": "v1", "kind": "Pod",
                              "metadata": {"name": "web-on-3", "namespace": "default", "labels": {"e2e": "x"}},
                              "spec": dict(server["spec"], nodeName="skiff-host-3")})
        await create(client, demo.client_pod("client-on-1", node="skiff-host-1"))
        (web,) = await demo.wait_pods(client, "", 1, 90, name="web-on-3")
        await demo.wait_pods(client, "", 1, 90, name="client-on-1")
        assert web.spec.node_name == "skiff-host-3" and web.status.pod_ip.startswith("10.244.")
        code, body = await eventually(lambda: (r := demo.fetch("client-on-1", web.status.pod_ip))[0] == 0 and r,
                                      timeout=30, interval=0.5, what=f"a fetch of http://{web.status.pod_ip}/")
        assert "hello from" in body
        for name in ("web-on-3", "client-on-1"):
            await client.delete("pods", name)


async def test_stop_host_turns_the_node_not_ready_and_its_replicaset_pods_move(three_hosts, home):
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
          "metadata": {"name": "failover", "namespace": "default"},
          "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "failover"}},
                   "template": {"metadata": {"labels": {"app": "failover"}},
                                "spec": {"terminationGracePeriodSeconds": 1,
                                         "containers": [{"name": "main", "image": "busybox:latest",
                                                         "command": ["sleep", "2147483647"]}]}}}}
    async with cluster.admin_client(os.path.join(home, ".skiff", "config"), timeout=30) as client:
        await create(client, rs)
        pods = await demo.wait_pods(client, "app=failover", 3, 90)
        victim = pods[0].spec.node_name
        lab("stop-host", victim, home=home)
        try:
            async def not_ready():
                return (await cluster.readiness(os.path.join(home, ".skiff", "config"))).get(victim) is False
            await eventually(not_ready, timeout=45, interval=0.5, what=f"{victim} NotReady")

            async def moved():
                running = await demo.running_pods(client, "app=failover")
                return len(running) == 3 and all(p.spec.node_name != victim for p in running) and running
            running = await eventually(moved, timeout=90, interval=1, what="3 pods Running off " + victim)
            assert {p.spec.node_name for p in running} <= {"skiff-host-1", "skiff-host-2", "skiff-host-3"} - {victim}
            assert containers.of_nodes(victim, running_only=True) == [], "a powered-off host runs nothing"
        finally:
            lab("start-host", victim, home=home)
        await client.delete("replicasets", "failover")


def test_down_leaves_no_process_namespace_link_route_table_or_container(three_hosts, home):
    lab("down", home=home)
    assert leftovers() == []
