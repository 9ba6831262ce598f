"""Metrics in the lab: usage sampled from real cgroups reaches `skiff top`, every component's /metrics parses
and has Kubernetes' names, and the lab's Prometheus scrapes them all.

Needs root, dockerd and Debian's prometheus (`make setup-prometheus`); traffic stays on lab addresses.
"""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import urllib.parse

import pytest

from api import manifest, pki
from deploy.lab import cluster, demo
from deploy.lab import plan as P
from tests.fixtures import prometheus
from tests.fixtures.lab import lab, lab_marks, running_lab
from tests.fixtures.wait import eventually

API = "10.250.0.1:6443"
RESOLUTION = 5.0  # the lab's --metrics-resolution
SKIFF = os.path.join(os.path.dirname(sys.executable), "skiff")
MiB = 2**20

pytestmark = lab_marks(
    pytest.mark.skipif(not os.path.exists(P.PROMETHEUS_BINARY), reason="needs Debian's prometheus: "
                                                                          "make setup-prometheus"))


@pytest.fixture(scope="module")
def two_hosts(home):
    with running_lab(home, "--nodes", "2", "--prometheus", "--ready-timeout", "90") as up:
        yield up


def pod(name: str, script: str, node: str | None = "skiff-host-1") -> dict:
    body = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"},
            "spec": {"terminationGracePeriodSeconds": 1,
                     "containers": [{"name": "main", "image": "busybox:latest", "command": ["sh", "-c", script]}]}}
    if node:
        body["spec"]["nodeName"] = node
    return body


def top(home: str, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([SKIFF, "top", *argv], capture_output=True, text=True, timeout=30,
                          env=dict(os.environ, HOME=home))


@pytest.fixture(scope="module")
def workload(two_hosts):
    async def start():
        async with cluster.admin_client(P.ADMIN_KUBECONFIG, timeout=30) as client:
            for body in (pod("burner", "while :; do :; done"),
                         # dd holds its 64 MiB block while the pipe to a sleeper that never reads stays full
                         pod("hog", "dd if=/dev/zero bs=64M count=1 | sleep 2147483647"),
                         pod("placed", "sleep 2147483647", node=None)):  # one for the scheduler to place
                obj, _ = manifest.from_dict(body)
                await client.create(obj)
            await demo.wait_pods(client, "", 1, 90, name="burner")
            await demo.wait_pods(client, "", 1, 90, name="hog")
            await demo.wait_pods(client, "", 1, 90, name="placed")
    asyncio.run(start())
    yield
    async def stop():
        async with cluster.admin_client(P.ADMIN_KUBECONFIG, timeout=30) as client:
            for name in ("burner", "hog", "placed"):
                await client.delete("pods", name)
    asyncio.run(stop())


def _row(out: str, name: str) -> list[str] | None:
    for line in out.splitlines()[1:]:
        cells = line.split()
        if cells and cells[0] == name:
            return cells
    return None


async def test_a_pod_burning_one_cpu_shows_about_1000m_within_two_resolutions(workload, home):
    # One busy loop is at most one core; on a loaded 2-core CI box it gets less, so "about" is 400m-1100m.
    async def shown():
        row = _row(top(home, "pods").stdout, "burner")
        return row if row and int(row[1].rstrip("m")) >= 400 else None
    row = await eventually(shown, timeout=2 * RESOLUTION + 15, interval=1, what="burner in `skiff top pods`")
    assert 400 <= int(row[1].rstrip("m")) <= 1100, row


async def test_a_pod_holding_64_mib_shows_it(workload, home):
    async def shown():
        row = _row(top(home, "pods").stdout, "hog")
        return row if row and int(row[2].rstrip("Mi")) >= 64 else None
    row = await eventually(shown, timeout=2 * RESOLUTION + 15, interval=1, what="hog's 64Mi in `skiff top pods`")
    assert 64 <= int(row[2].rstrip("Mi")) <= 80, row


async def test_top_nodes_covers_its_pods(workload, home):
    async def both():
        pods, nodes = top(home, "pods").stdout, top(home, "nodes").stdout
        burner, hog, node = _row(pods, "burner"), _row(pods, "hog"), _row(nodes, "skiff-host-1")
        return (burner, hog, node) if burner and hog and node and node[1] != "<unknown>" else None
    burner, hog, node = await eventually(both, timeout=2 * RESOLUTION + 15, interval=1, what="top pods and nodes")
    # A lab host is a namespace on one machine: its node usage is the machine's, so at least its pods'.
    assert int(node[1].rstrip("m")) >= 0.9 * (int(burner[1].rstrip("m")) + int(hog[1].rstrip("m")))
    assert int(node[3].rstrip("Mi")) >= int(burner[2].rstrip("Mi")) + int(hog[2].rstrip("Mi"))
    assert node[2].endswith("%") and node[4].endswith("%")


def test_top_pod_missing_is_not_found(two_hosts, home):
    done = top(home, "pod", "missing")
    assert done.returncode == 1
    assert 'podmetrics.metrics.k8s.io "default/missing" not found' in done.stderr


async def test_every_components_metrics_parse_and_have_the_names(workload, home):
    plan = P.plan(P.Settings(nodes=2, prometheus=True))
    status = lab("status", home=home).stdout
    # as the lab's Prometheus scrapes: the cluster CA, and its skiff:prometheus certificate
    scraper = prometheus.client_context(pki.cert_file(P.PKI_DIR, "ca"), pki.cert_file(P.PKI_DIR, "prometheus"),
                                        pki.key_file(P.PKI_DIR, "prometheus"))
    anonymous = prometheus.client_context(pki.cert_file(P.PKI_DIR, "ca"))
    for proc in plan.processes:
        if not proc.metrics:
            continue
        assert f"https://{proc.metrics}/metrics" in status
        component = "agent" if proc.kind == "agent" else proc.name
        wanted = prometheus.EXPECTED[component]
        if proc.name != "agent-skiff-host-1":  # only host 1 runs pods: container metrics need some
            wanted = [n for n in wanted if not n.startswith(("container_", "kubelet_runtime"))]

        async def complete():
            samples = await asyncio.to_thread(prometheus.scrape, f"https://{proc.metrics}/metrics", scraper)
            return samples if all(n in samples for n in wanted) else None
        samples = await eventually(complete, timeout=30, interval=1, what=f"{proc.name}'s metrics {wanted}")
        if proc.name == "agent-skiff-host-1":
            labels = samples["container_cpu_usage_seconds_total"]
            assert {"container": "main", "pod": "burner", "namespace": "default"} in labels
        assert await asyncio.to_thread(prometheus.get, f"https://{proc.metrics}/healthz", anonymous) == (200, "ok")
        assert (await asyncio.to_thread(prometheus.get, f"https://{proc.metrics}/metrics", anonymous))[0] == 401


async def test_the_labs_prometheus_scrapes_every_component(two_hosts):
    url = P.prometheus_url(P.plan(P.Settings(nodes=2, prometheus=True)))

    async def all_up():
        status, body = await asyncio.to_thread(prometheus.get, url + "/api/v1/query?" +
                                               urllib.parse.urlencode({"query": "up"}))
        if status != 200:
            return None
        results = json.loads(body)["data"]["result"]
        jobs = {r["metric"]["job"] for r in results if r["value"][1] == "1"}
        return jobs if {"apiserver", "scheduler", "controller-manager", "agent"} <= jobs and len(
            [r for r in results if r["metric"]["job"] == "agent" and r["value"][1] == "1"]) == 2 else None
    await eventually(all_up, timeout=60, interval=2, what="every component up in Prometheus")
