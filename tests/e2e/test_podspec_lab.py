"""The pod spec people write, in the 3-host lab: required anti-affinity spreading replicas one per host
(the fourth Pending with the scheduler's reason in describe), the downward API in env and in a volume
that follows `skiff label`.

Needs root, dockerd and the lab; traffic stays inside lab namespaces.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

from api import manifest
from api.client import Client
from deploy.lab import cluster
from tests.fixtures.lab import lab_marks, running_lab
from tests.fixtures.wait import eventually

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

pytestmark = lab_marks()


@pytest.fixture(scope="module")
def three_hosts(home):
    with running_lab(home, "--nodes", "3", "--ready-timeout", "90") as up:
        yield up


def skiff(home: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env=dict(os.environ, HOME=home))


async def apply(client: Client, text: str) -> None:
    for doc in yaml.safe_load_all(text):
        obj, _ = manifest.from_dict(doc)
        await client.create(obj)


async def test_anti_affinity_puts_one_replica_per_host_and_the_fourth_waits_with_the_reason(three_hosts, home):
    async with cluster.admin_client(os.path.join(home, ".skiff", "config"), timeout=30) as client:
        await apply(client, """
apiVersion: apps/v1
kind: Deployment
metadata: {name: cache, namespace: default}
spec:
  replicas: 4
  selector: {matchLabels: {app: store}}
  template:
    metadata: {labels: {app: store}}
    spec:
      terminationGracePeriodSeconds: 0
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: store}}
            topologyKey: kubernetes.io/hostname
      containers:
      - {name: cache, image: busybox:latest, imagePullPolicy: IfNotPresent, command: [sleep, "3600"]}
""")

        async def placed():
            pods = (await client.list("Pod", "default", label_selector="app=store")).items
            running = [p for p in pods if p.status.phase == "Running"]
            pending = [p for p in pods if not p.spec.node_name and any(
                c.type == "PodScheduled" and c.reason == "Unschedulable" for c in p.status.conditions)]
            return (running, pending) if len(running) == 3 and len(pending) == 1 else None
        running, pending = await eventually(placed, 120, 0.5, "3 replicas Running, 1 Unschedulable")
        assert len({p.spec.node_name for p in running}) == 3
        reason = ("0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes "
                  "are available: 3 No preemption victims found for incoming pod.")
        condition = next(c for c in pending[0].status.conditions if c.type == "PodScheduled")
        assert condition.message == reason

        def described():
            out = skiff(home, "describe", "pod", pending[0].metadata.name).stdout
            return out if "FailedScheduling" in out and reason in out else None
        await eventually(described, 30, 0.5, "describe shows FailedScheduling with the reason")
        await client.delete("Deployment", "cache", "default")


async def test_downward_api_env_and_volume_follow_the_pod(three_hosts, home):
    async with cluster.admin_client(os.path.join(home, ".skiff", "config"), timeout=30) as client:
        await apply(client, """
apiVersion: v1
kind: Pod
metadata: {name: downward, namespace: default, labels: {tier: one}}
spec:
  terminationGracePeriodSeconds: 0
  volumes:
  - name: podinfo
    downwardAPI:
      items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]
  containers:
  - name: app
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    command: [sh, -c, "echo MEM=$MEM_LIMIT CPU=$CPU_REQUEST TIER=$TIER HOST=$HOST_IP; sleep 3600"]
    resources: {limits: {memory: 64Mi, cpu: 500m}, requests: {cpu: 250m}}
    volumeMounts: [{name: podinfo, mountPath: /etc/podinfo}]
    env:
    - name: MEM_LIMIT
      valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}
    - name: CPU_REQUEST
      valueFrom: {resourceFieldRef: {resource: requests.cpu, divisor: 1m}}
    - name: TIER
      valueFrom: {fieldRef: {fieldPath: "metadata.labels['tier']"}}
    - name: HOST_IP
      valueFrom: {fieldRef: {fieldPath: status.hostIP}}
""")

        async def running():
            pod = await client.get("Pod", "downward")
            return pod if pod.status.phase == "Running" else None
        pod = await eventually(running, 90, 0.5, "downward Running")
        logs = await eventually(lambda: "MEM=" in skiff(home, "logs", "downward").stdout and
                                skiff(home, "logs", "downward").stdout, 30, 0.5, "env printed")
        assert f"MEM=64 CPU=250 TIER=one HOST={pod.status.host_ip}" in logs
        labelled = skiff(home, "label", "pod", "downward", "tier=two", "--overwrite")
        assert labelled.returncode == 0, labelled.stderr

        def updated():
            out = skiff(home, "exec", "downward", "--", "cat", "/etc/podinfo/labels").stdout
            return 'tier="two"' in out
        await eventually(updated, 90, 1, "downwardAPI volume shows the new label")
        await client.delete("Pod", "downward", "default", grace_period=0)
