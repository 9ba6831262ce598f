"""Pod priority in the 3-host lab: hosts filled by a low-priority Deployment, a pod of a higher PriorityClass
preempts one of its pods (the host's agent stops it) and runs in its place; the replacement waits.

Needs root, dockerd and the lab; traffic stays inside lab namespaces.
"""
from __future__ import annotations

import os

import pytest
import yaml

from api import manifest
from deploy.lab import cluster
from tests.fixtures.lab import lab_marks, running_lab
from tests.fixtures.wait import eventually

pytestmark = lab_marks()

# Each lab host offers its machine's CPUs (2 here): a pod of 1500m leaves no room for a second one.
MANIFESTS = """
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: low-priority}
value: 10
description: "Fillers that may be preempted."
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high-priority}
value: 1000000
description: "This priority class should be used for XYZ service pods only."
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: filler, namespace: default}
spec:
  replicas: {hosts}
  selector: {matchLabels: {app: filler}}
  template:
    metadata: {labels: {app: filler}}
    spec:
      priorityClassName: low-priority
      terminationGracePeriodSeconds: 0
      containers:
      - name: sleep
        image: busybox:latest
        imagePullPolicy: IfNotPresent
        command: [sleep, "3600"]
        resources: {requests: {cpu: "{cpu}m"}}
"""
URGENT = """
apiVersion: v1
kind: Pod
metadata: {name: urgent, namespace: default}
spec:
  priorityClassName: high-priority
  terminationGracePeriodSeconds: 0
  containers:
  - name: sleep
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    command: [sleep, "3600"]
    resources: {requests: {cpu: "{cpu}m"}}
"""


@pytest.fixture(scope="module")
def three_hosts(home):
    with running_lab(home, "--nodes", "3", "--ready-timeout", "90") as up:
        yield up


async def _create(client, text: str) -> None:
    for doc in yaml.safe_load_all(text):
        obj, _ = manifest.from_dict(doc)
        await client.create(obj)


async def test_a_high_priority_pod_preempts_a_filler_and_runs(three_hosts, home):
    async with cluster.admin_client(os.path.join(home, ".skiff", "config"), timeout=30) as client:
        nodes = (await client.list("Node")).items
        cpu = min(int(n.status.allocatable["cpu"]) for n in nodes) * 1000 * 3 // 4  # room for one such pod each
        await _create(client, MANIFESTS.replace("{hosts}", str(len(nodes))).replace("{cpu}", str(cpu)))

        async def fillers_running():
            pods = (await client.list("Pod", "default", label_selector="app=filler")).items
            return len([p for p in pods if p.status.phase == "Running"]) == len(nodes)
        await eventually(fillers_running, 120, 0.5, "a filler Running on every host")
        await _create(client, URGENT.replace("{cpu}", str(cpu)))

        async def urgent_running():
            pod = await client.get("Pod", "urgent")
            return pod.status.phase == "Running" and pod
        urgent = await eventually(urgent_running, 120, 0.5, "urgent Running after preempting a filler")
        assert urgent.spec.priority == 1000000
        events = (await client.list("Event", "default")).items
        preempted = [e for e in events if e.reason == "Preempted"]
        assert [e.message for e in preempted] == \
            [f"Preempted by pod {urgent.metadata.uid} on node {urgent.spec.node_name}"]

        async def replacement_waits():
            pods = (await client.list("Pod", "default", label_selector="app=filler")).items
            pending = [p for p in pods if not p.spec.node_name]
            return len(pods) == len(nodes) and len(pending) == 1 and pending[0]
        waiting = await eventually(replacement_waits, 60, 0.5, "the filler's replacement Pending")
        condition = next(c for c in waiting.status.conditions if c.type == "PodScheduled")
        assert condition.message.endswith(
            f"preemption: 0/{len(nodes)} nodes are available: {len(nodes)} No preemption victims found for "
            f"incoming pod."), condition.message
        await client.delete("Deployment", "filler", "default")
        await client.delete("Pod", "urgent", "default")
