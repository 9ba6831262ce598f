"""ServiceAccounts in the lab, with real docker: a pod finds its token, the cluster CA and its namespace
under /var/run/secrets/kubernetes.io/serviceaccount, and with the token calls the REST API as
system:serviceaccount:default:default, listing pods only once a RoleBinding allows it.

Needs root, dockerd and the lab; traffic stays inside lab namespaces (the pod calls the lab's API server).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from api import manifest
from deploy.lab import cluster
from deploy.lab.plan import ADMIN_KUBECONFIG, REST_PORT
from tests.fixtures.lab import running_lab
from tests.fixtures.wait import eventually

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"
# busybox's wget speaks TLS but checks no certificate; the pod's ca.crt is read to prove it is the CA.
CALL = (f'wget -qO- --header "Authorization: Bearer $(cat {MOUNT}/token)" '
        f'https://10.250.0.1:{REST_PORT}/api/v1/namespaces/$(cat {MOUNT}/namespace)/pods')

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.geteuid() != 0, reason="the lab needs root"),
    pytest.mark.skipif(shutil.which("docker") is None or subprocess.run(
        ["docker", "info"], capture_output=True).returncode != 0, reason="needs a running dockerd"),
]


@pytest.fixture(scope="module")
def lab_up(home):
    with running_lab(home, "--nodes", "1", "--ready-timeout", "90") as up:
        yield up


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
        refused = skiff(home, "exec", "caller", "--", "sh", "-c", CALL)
        assert refused.returncode != 0 and "403" in refused.stdout + refused.stderr
        binding, _ = manifest.from_dict({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "default-view", "namespace": "default"},
            "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": "default"}],
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"}})
        await client.create(binding)

        async def listed():
            done = skiff(home, "exec", "caller", "--", "sh", "-c", CALL)
            return done.returncode == 0 and '"name":"caller"' in done.stdout.replace(" ", "")
        await eventually(listed, 30, interval=1, what="the pod listing pods with its token")
        await client.delete("RoleBinding", "default-view")
        await client.delete("Pod", "caller", grace_period=0)
