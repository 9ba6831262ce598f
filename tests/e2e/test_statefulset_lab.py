"""A StatefulSet on the 3-host lab with real containers: three pods reach Ready one after another under
stable names, each its own hostname, and named in DNS under the headless Service (web-N.nginx).

Needs root, dockerd, and the agent, scheduler and controller manager; traffic stays inside lab namespaces.
(No CronJob here: the lab's controller runs on real time, and `*/1` fires up to a minute later.)
"""
from __future__ import annotations

import os

import pytest

from api import manifest, meta
from deploy.lab import cluster
from tests.fixtures.lab import LAB_MARKS, running_lab, skiff_in_lab
from tests.fixtures.wait import eventually

pytestmark = LAB_MARKS

SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "nginx", "namespace": "default"},
           "spec": {"clusterIP": "None", "selector": {"app": "nginx"}, "ports": [{"port": 80, "name": "web"}]}}
WEB = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web", "namespace": "default"},
       "spec": {"serviceName": "nginx", "replicas": 3, "selector": {"matchLabels": {"app": "nginx"}},
                "template": {"metadata": {"labels": {"app": "nginx"}},
                             "spec": {"terminationGracePeriodSeconds": 1,
                                      "containers": [{"name": "web", "image": "busybox:latest",
                                                      "command": ["httpd", "-f", "-p", "80"],
                                                      "readinessProbe": {"tcpSocket": {"port": 80},
                                                                         "periodSeconds": 1}}]}}}}


@pytest.fixture(scope="module")
def three_hosts(home):
    with running_lab(home, "--nodes", "3", "--ready-timeout", "90") as up:
        yield up


async def test_a_statefulset_reaches_ready_in_order_with_stable_names(three_hosts, home):
    async with cluster.admin_client(os.path.join(home, ".skiff", "config"), timeout=30) as client:
        for data in (SERVICE, WEB):
            obj, _ = manifest.from_dict(data)
            await client.create(obj)

        async def all_ready():
            sts = await client.get("StatefulSet", "web")
            return sts if sts.status.ready_replicas == 3 else None
        try:
            await eventually(all_ready, timeout=150, interval=0.5, what="3 ready replicas")
        except AssertionError as e:  # say what the pods were doing
            raise AssertionError(f"{e}\n{skiff_in_lab(home, 'get', 'pods', '-o', 'wide').stdout}\n"
                                 f"{skiff_in_lab(home, 'describe', 'pods').stdout}") from None
        pods = {p.metadata.name: p for p in (await client.list("Pod", "default", label_selector="app=nginx")).items}
        assert sorted(pods) == ["web-0", "web-1", "web-2"]
        for i in (1, 2):  # each pod was made only once the one before it was Ready
            before = meta.get_condition(pods[f"web-{i - 1}"].status.conditions, "Ready")
            created = meta.parse_time(pods[f"web-{i}"].metadata.creation_timestamp)
            assert created >= meta.parse_time(before.last_transition_time), (i, created, before)
        row = skiff_in_lab(home, "get", "sts", "web", "--no-headers").stdout.split()
        assert row[:2] == ["web", "3/3"]
        hostname = skiff_in_lab(home, "exec", "web-1", "--", "hostname")
        assert hostname.stdout.strip() == "web-1", hostname.stderr

        async def resolves():
            done = skiff_in_lab(home, "exec", "web-0", "--", "nslookup", "web-2.nginx.default.svc.cluster.local")
            return done if pods["web-2"].status.pod_ip in done.stdout else None
        await eventually(resolves, timeout=30, interval=1, what="web-2.nginx in DNS")
        await client.delete("StatefulSet", "web", propagation="Foreground")
        await client.delete("Service", "nginx")
