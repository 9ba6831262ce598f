"""NetworkPolicy enforced by the agents in the lab (two hosts, real nftables): the docs' default-deny and
"Declare Network Policy" nginx tutorial (busybox httpd) across hosts, then default-deny-egress and DNS."""
from __future__ import annotations

import os

import pytest

from api import errors, manifest
from api.client import Client
from deploy.lab import cluster, containers, demo
from tests.fixtures.lab import LAB_MARKS, running_lab
from tests.fixtures.wait import eventually

NS = "policy-demo"
HOSTS = ("skiff-host-1", "skiff-host-2")
pytestmark = LAB_MARKS

NGINX = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "nginx", "namespace": NS, "labels": {"app": "nginx"}},
         "spec": {"nodeName": HOSTS[0], "terminationGracePeriodSeconds": 1, "containers": [{
             "name": "httpd", "image": "busybox:latest", "ports": [{"containerPort": 80, "name": "http"}],
             "command": ["sh", "-c", 'echo "hello from nginx" > /tmp/index.html && exec httpd -f -p 80 -h /tmp']}]}}
SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "nginx", "namespace": NS},
           "spec": {"selector": {"app": "nginx"}, "ports": [{"port": 80, "targetPort": "http"}]}}
# kubernetes/website content/en/examples/service/networking/network-policy-default-deny-ingress.yaml
DEFAULT_DENY_INGRESS = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                        "metadata": {"name": "default-deny-ingress", "namespace": NS},
                        "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}
# ... service/networking/nginx-policy.yaml
ACCESS_NGINX = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                "metadata": {"name": "access-nginx", "namespace": NS},
                "spec": {"podSelector": {"matchLabels": {"app": "nginx"}},
                         "ingress": [{"from": [{"podSelector": {"matchLabels": {"access": "true"}}}]}]}}

# ... service/networking/network-policy-default-deny-egress.yaml
DEFAULT_DENY_EGRESS = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                       "metadata": {"name": "default-deny-egress", "namespace": NS},
                       "spec": {"podSelector": {}, "policyTypes": ["Egress"]}}
# The usual companion: DNS to kube-system's kube-dns pods, which is the node's cluster DNS in skiff.
ALLOW_DNS = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
             "metadata": {"name": "allow-dns", "namespace": NS},
             "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
                 "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                         "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                 "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]}}


@pytest.fixture(scope="module")
def two_hosts(home):
    with running_lab(home, "--nodes", "2", "--ready-timeout", "90") as up:
        yield up


def client_pod(name: str, node: str, labels: dict) -> dict:
    body = demo.client_pod(name, node)
    body["metadata"].update(namespace=NS, labels=labels)
    return body


async def create(client: Client, body: dict) -> None:
    obj, _ = manifest.from_dict(body)
    try:
        await client.create(obj)
    except errors.AlreadyExists:
        pass


def reaches(pod: str, address: str) -> bool:
    """One GET from inside the pod (a dropped connection is cut off by busybox's timeout after 3 s)."""
    code, out = containers.exec_in_pod(pod, ["timeout", "3", "wget", "-qO-", f"http://{address}/"], NS, timeout=10)
    return code == 0 and "hello from nginx" in out


def resolves(pod: str, name: str, address: str) -> bool:
    code, out = containers.exec_in_pod(pod, ["timeout", "3", "nslookup", name], NS, timeout=10)
    return code == 0 and f"Address: {address}" in out


async def test_default_deny_then_access_only_from_labelled_pods_and_egress_with_dns(two_hosts, home):
    async with cluster.admin_client(os.path.join(home, ".skiff", "config"), timeout=30) as client:
        await create(client, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}})
        await create(client, NGINX)
        svc = await client.create(manifest.from_dict(SERVICE)[0])
        # "access" on the other host (routed) and "nope" beside the server (bridged): both kinds of path
        clients = {"access": client_pod("access", HOSTS[1], {"access": "true"}),
                   "nope": client_pod("nope", HOSTS[0], {"run": "nope"})}
        for body in clients.values():
            await create(client, body)

        async def running(name):
            pod = await client.get("pods", name, NS)
            return pod.status.phase == "Running" and pod.status.pod_ip and containers.of_pod(name, NS)
        for name in ("nginx", *clients):
            await eventually(lambda: running(name), timeout=90, interval=0.5, what=f"pod {name} running")
        ip = svc.spec.cluster_ip
        for name in clients:
            await eventually(lambda: reaches(name, ip), timeout=30, interval=0.5, what=f"{name} reaching nginx")

        await create(client, DEFAULT_DENY_INGRESS)
        for name in clients:
            await eventually(lambda: not reaches(name, ip), timeout=30, interval=0.5,
                             what=f"{name} cut off by default-deny-ingress")

        await create(client, ACCESS_NGINX)
        await eventually(lambda: reaches("access", ip), timeout=30, interval=0.5, what="access: true let through")
        assert not reaches("nope", ip)
        nginx = await client.get("pods", "nginx", NS)
        assert reaches("access", nginx.status.pod_ip)  # straight to the pod, as through its Service


        # Egress: denied, DNS included (the node's DNS is judged like any destination), until a rule allows it
        name = f"nginx.{NS}.svc.cluster.local"
        assert resolves("access", name, ip)
        await create(client, DEFAULT_DENY_EGRESS)
        await eventually(lambda: not resolves("access", name, ip), timeout=30, interval=0.5, what="DNS cut off")
        assert not reaches("access", ip)
        await create(client, ALLOW_DNS)
        await eventually(lambda: resolves("access", name, ip), timeout=30, interval=0.5, what="DNS let through")
        assert not reaches("access", ip)

        for policy in ("default-deny-ingress", "access-nginx", "default-deny-egress", "allow-dns"):
            await client.delete("networkpolicies", policy, NS)
        await eventually(lambda: reaches("nope", ip), timeout=30, interval=0.5, what="nope let through again")
        assert reaches("access", ip)
