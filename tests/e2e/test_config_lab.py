"""ConfigMaps and Secrets in the lab, with real docker: a mounted ConfigMap updated under a reader that
sees only whole versions, a secret volume on tmpfs, ciphertext in etcd, immutability, and Kubernetes'
own configure-pod-configmap example.

Needs root, dockerd and the lab; traffic stays inside lab namespaces.
"""
from __future__ import annotations

import collections
import os
import subprocess
import sys

import docker
import pytest

from api import errors, manifest
from api.client import Client
from deploy.lab import cluster
from controlplane.apiserver.etcdclient import EtcdTLS
from deploy import pki
from deploy.lab.plan import ADMIN_KUBECONFIG, PKI_DIR
from tests.fixtures.etcd import raw_get
from tests.fixtures.lab import lab_marks, running_lab
from tests.fixtures.wait import eventually

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
API = "10.250.0.1:6443"
ETCD = "10.250.0.2:2379"  # the lab's first etcd member

pytestmark = lab_marks()


@pytest.fixture(scope="module")
def lab_up(home):
    with running_lab(home, "--nodes", "2", "--ready-timeout", "90") as up:
        yield up


async def apply(client: Client, text: str):
    import yaml
    created = []
    for doc in yaml.safe_load_all(text):
        obj, _ = manifest.from_dict(doc)
        created.append(await client.create(obj))
    return created


def logs(home: str, pod: str) -> str:
    done = subprocess.run([sys.executable, "-m", "cli.main", "logs", pod], cwd=ROOT, capture_output=True,
                          text=True, timeout=30, env=dict(os.environ, HOME=home))
    return done.stdout


async def running(client: Client, name: str) -> bool:
    return (await client.get("Pod", name)).status.phase == "Running"


async def test_a_reader_of_an_updated_config_map_sees_old_or_new_never_a_mix(lab_up, home):
    def version(letter: str) -> dict:
        return {"a": letter * 50_000, "b": letter * 50_000}
    async with cluster.admin_client(ADMIN_KUBECONFIG, timeout=30) as client:
        cm = manifest.from_dict({"apiVersion": "v1", "kind": "ConfigMap",
                                 "metadata": {"name": "swap", "namespace": "default"}, "data": version("A")})[0]
        await client.create(cm)
        # Resolve ..data once per read, as an application reading a consistent set does; a read that
        # races the removal of the old directory fails and is skipped, it never mixes.
        script = ("cd /etc/cfg; while true; do d=$(readlink ..data); "
                  "if cat $d/a $d/b > /tmp/x 2>/dev/null; then echo \"$(head -c1 /tmp/x)$(tail -c1 /tmp/x)"
                  "$(wc -c < /tmp/x)\"; fi; done")
        await apply(client, f"""
apiVersion: v1
kind: Pod
metadata: {{name: reader, namespace: default}}
spec:
  nodeName: skiff-host-1
  containers:
  - {{name: app, image: busybox:latest, command: [sh, -c, '{script}'],
     volumeMounts: [{{name: cfg, mountPath: /etc/cfg}}]}}
  volumes: [{{name: cfg, configMap: {{name: swap}}}}]
""")
        await eventually(lambda: running(client, "reader"), 90, interval=0.5, what="reader running")
        await eventually(lambda: "AA100000" in logs(home, "reader"), 60, interval=0.5, what="first reads")
        for letter in "BCDE":
            current = await client.get("ConfigMap", "swap")
            current.data.clear()
            current.data.update(version(letter))
            await client.update(current)
            await eventually(lambda: f"{letter}{letter}100000" in logs(home, "reader"), 60, interval=0.5,
                             what=f"version {letter} seen")
        seen = collections.Counter(line.strip() for line in logs(home, "reader").splitlines() if line.strip())
        assert set(seen) <= {f"{c}{c}100000" for c in "ABCDE"}, f"torn reads: {seen}"
        await client.delete("Pod", "reader")
        await client.delete("ConfigMap", "swap")


async def test_a_secret_volume_is_a_tmpfs_and_etcd_holds_only_ciphertext(lab_up, home):
    async with cluster.admin_client(ADMIN_KUBECONFIG, timeout=30) as client:
        await apply(client, """
apiVersion: v1
kind: Secret
metadata: {name: db-creds, namespace: default}
stringData: {password: plaintext-hunter2}
---
apiVersion: v1
kind: Pod
metadata: {name: secret-reader, namespace: default}
spec:
  nodeName: skiff-host-2
  restartPolicy: Never
  containers:
  - {name: app, image: busybox:latest, command: [sh, -c, 'grep " /etc/secret " /proc/mounts; cat /etc/secret/password'],
     volumeMounts: [{name: s, mountPath: /etc/secret}]}
  volumes: [{name: s, secret: {secretName: db-creds}}]
""")
        await eventually(lambda: "plaintext-hunter2" in logs(home, "secret-reader"), 90, interval=0.5,
                         what="the secret read")
        mount_line = logs(home, "secret-reader").splitlines()[0].split()
        assert (mount_line[0], mount_line[2], mount_line[3].split(",")[0]) == ("tmpfs", "tmpfs", "ro")
        lab_tls = EtcdTLS.from_files(*pki.etcd_client_files(PKI_DIR))  # the lab's etcd trusts the lab's CA
        raw = await raw_get(ETCD, b"/registry/secrets/default/db-creds", lab_tls)
        assert raw.startswith(b"k8s:enc:aesgcm:v1:") and b"hunter2" not in raw
        pod = await client.get("Pod", "secret-reader")
        await client.delete("Pod", "secret-reader")
        await client.delete("Secret", "db-creds")

        def unmounted():
            with open("/proc/self/mountinfo") as f:
                return pod.metadata.uid not in f.read()
        await eventually(unmounted, 60, interval=0.5, what="the tmpfs unmounted with the pod")


async def test_an_immutable_config_map_refuses_a_data_change(lab_up):
    async with cluster.admin_client(ADMIN_KUBECONFIG, timeout=30) as client:
        [cm] = await apply(client, """
apiVersion: v1
kind: ConfigMap
metadata: {name: frozen, namespace: default}
data: {k: v}
immutable: true
""")
        cm.data["k"] = "changed"
        with pytest.raises(errors.Invalid, match="data: Forbidden: field is immutable when `immutable` is set"):
            await client.update(cm)
        assert (await client.get("ConfigMap", "frozen")).data["k"] == "v"
        await client.delete("ConfigMap", "frozen")


# Kubernetes' docs, "Configure a Pod to Use a ConfigMap": Add ConfigMap data to a Volume, unchanged.
CONFIGURE_POD_CONFIGMAP = """
apiVersion: v1
kind: ConfigMap
metadata:
  name: special-config
  namespace: default
data:
  SPECIAL_LEVEL: very
  SPECIAL_TYPE: charm
---
apiVersion: v1
kind: Pod
metadata:
  name: dapi-test-pod
spec:
  containers:
    - name: test-container
      image: registry.k8s.io/busybox
      command: [ "/bin/sh", "-c", "ls /etc/config/" ]
      volumeMounts:
      - name: config-volume
        mountPath: /etc/config
  volumes:
    - name: config-volume
      configMap:
        # Provide the name of the ConfigMap containing the files you want
        # to add to the container
        name: special-config
  restartPolicy: Never
"""


@pytest.fixture
def k8s_busybox():
    """No registry is reachable: the example's image is the lab's busybox under the example's name."""
    client = docker.from_env()
    client.images.get("busybox:latest").tag("registry.k8s.io/busybox", "latest")
    try:
        yield
    finally:
        client.images.remove("registry.k8s.io/busybox:latest", noprune=True)
        client.close()


async def test_kubernetes_configure_pod_configmap_example_runs(lab_up, home, k8s_busybox):
    async with cluster.admin_client(ADMIN_KUBECONFIG, timeout=30) as client:
        await apply(client, CONFIGURE_POD_CONFIGMAP)
        await eventually(lambda: _succeeded(client), 90, interval=0.5, what="dapi-test-pod Succeeded")
        assert logs(home, "dapi-test-pod").split() == ["SPECIAL_LEVEL", "SPECIAL_TYPE"]
        await client.delete("Pod", "dapi-test-pod")
        await client.delete("ConfigMap", "special-config")


async def _succeeded(client):
    return (await client.get("Pod", "dapi-test-pod")).status.phase == "Succeeded"
