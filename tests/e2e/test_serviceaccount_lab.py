"""ServiceAccounts in the lab, with real docker: a pod finds its token, the cluster CA and its namespace
under /var/run/secrets/kubernetes.io/serviceaccount, and its token calls the API as
system:serviceaccount:default:default, listing pods only once a RoleBinding allows it, from inside the
pod's network too, through kubernetes.default.svc as in-cluster Kubernetes clients do.

Needs root, dockerd and the lab; traffic stays inside lab namespaces and the lab's own addresses.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from pathlib import Path

from api import errors, manifest
from api.client import Client
from api.credentials import Credentials
from deploy import pki
from deploy.lab import cluster
from deploy.lab.plan import ADMIN_KUBECONFIG, PKI_DIR, TOKEN_PORT
from nodeagent.runtime.base import LABEL_CONTAINER_NAME, LABEL_POD_NAME
from tests.fixtures.http import fetch_from_pod
from tests.fixtures.lab import lab_marks, running_lab
from tests.fixtures.wait import eventually

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"

pytestmark = lab_marks()


@pytest.fixture(scope="module")
def lab_up(home):
    with running_lab(home, "--nodes", "1", "--ready-timeout", "90") as up:
        yield up


def _container_pid(pod: str, container: str) -> int:
    found = subprocess.run(["docker", "ps", "-q", "--filter", f"label={LABEL_POD_NAME}={pod}",
                            "--filter", f"label={LABEL_CONTAINER_NAME}={container}"],
                           capture_output=True, text=True, check=True).stdout.split()
    assert len(found) == 1, found
    inspected = subprocess.run(["docker", "inspect", "-f", "{{.State.Pid}}", found[0]],
                               capture_output=True, text=True, check=True)
    return int(inspected.stdout)


def skiff(home: str, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli.main", *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env=dict(os.environ, HOME=home))


async def test_a_pod_calls_the_api_with_its_own_token_once_a_binding_allows(lab_up, home):
    async with cluster.admin_client(ADMIN_KUBECONFIG, timeout=30) as client:
        async def account_ready():
            try:
                await client.get("ServiceAccount", "default")
                await client.get("ConfigMap", "kube-root-ca.crt")
                return True
            except Exception:
                return False
        await eventually(account_ready, 60, interval=0.5, what="the default account and the root CA")
        pod, _ = manifest.from_dict({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "caller"},
                                     "spec": {"containers": [{"name": "app", "image": "busybox:latest",
                                                              "command": ["sleep", "3600"]}]}})
        created = await client.create(pod)
        assert created.spec.service_account_name == "default"

        async def running():
            return (await client.get("Pod", "caller")).status.phase == "Running"
        await eventually(running, 90, interval=0.5, what="the pod running")
        shown = skiff(home, "exec", "caller", "--", "sh", "-c", f"cat {MOUNT}/namespace; echo; head -1 {MOUNT}/ca.crt")
        assert shown.stdout.splitlines() == ["default", "-----BEGIN CERTIFICATE-----"], shown.stderr
        token = skiff(home, "exec", "caller", "--", "cat", f"{MOUNT}/token").stdout.strip()
        ca = Path(pki.cert(PKI_DIR, "ca")).read_bytes()
        # The lab's API server takes bearer tokens on its gRPC token port (skiff's own clients).
        async with Client(f"10.250.0.1:{TOKEN_PORT}", 30, credentials=Credentials(ca, token=token)) as in_pod:
            with pytest.raises(errors.Forbidden, match='User "system:serviceaccount:default:default" cannot list'):
                await in_pod.list("Pod", "default")
            binding, _ = manifest.from_dict({
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                "metadata": {"name": "default-view", "namespace": "default"},
                "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": "default"}],
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"}})
            await client.create(binding)

            async def listed():
                try:
                    return "caller" in [p.metadata.name for p in (await in_pod.list("Pod", "default")).items]
                except errors.Forbidden:
                    return False
            await eventually(listed, 30, interval=1, what="the pod's token listing pods")

        # From inside the pod's network, as client-go in the pod would: https://kubernetes.default.svc
        # (the first service IP, port 443) leads to the REST API, which takes the pod's token.
        pid = _container_pid("caller", "app")
        status, body = fetch_from_pod(pid, "10.96.0.1", "kubernetes.default.svc", "/api/v1/namespaces/default/pods",
                                      443, ca, token, timeout=10)
        assert status == 200, body
        assert "caller" in [item["metadata"]["name"] for item in json.loads(body)["items"]]
        await client.delete("RoleBinding", "default-view")
        await client.delete("Pod", "caller", grace_period=0)
