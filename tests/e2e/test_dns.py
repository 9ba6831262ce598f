"""Cluster DNS for real: agents in namespaces standing in for two hosts answer at their bridge address,
and pods (busybox, real docker) find Services by short, namespaced and full name through resolv.conf.
"""
from __future__ import annotations

import re

from api import manifest
from tests.e2e.agent_fixtures import agent_cluster  # noqa: F401 (fixture)
from tests.fixtures.wait import eventually

SERVE = 'mkdir -p /www && echo hello-from-$(hostname) > /www/index.html && exec httpd -f -p 8080 -h /www'


def pod_manifest(name: str, command: str, labels: str = "{}") -> str:
    return f"""
apiVersion: v1
kind: Pod
metadata: {{name: {name}, labels: {labels}}}
spec:
  terminationGracePeriodSeconds: 0
  containers: [{{name: app, image: busybox:latest, command: [sh, -c, '{command}']}}]
"""


def service(name: str, headless: bool = False):
    obj, _ = manifest.from_dict({
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "default"},
        "spec": {"selector": {"app": "web"}, "clusterIP": "None" if headless else "",
                 "ports": [{"name": "http", "port": 8080, "targetPort": 8080}]}})
    return obj


def endpoints(name: str, ip: str):
    # No controller manager runs here: the Endpoints the endpoints controller would write.
    obj, _ = manifest.from_dict({
        "apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name, "namespace": "default"},
        "subsets": [{"addresses": [{"ip": ip}], "ports": [{"name": "http", "port": 8080}]}]})
    return obj


async def running_pod(cluster, name: str, host, command: str, labels: str = "{}"):
    await cluster.create_pod(pod_manifest(name, command, labels), host)
    pod = await cluster.wait_pod(name, lambda p: p.status.phase == "Running" and p.status.pod_ip, 60,
                                 f"pod {name} running")
    [app] = [c for c in await cluster.containers(name) if c.labels.get("io.skiff.container.name") == "app"]
    return pod, app.id


async def run_in(cluster, container: str, *command: str) -> tuple[int, str]:
    result = await cluster.runtime.exec(container, list(command), timeout_s=10)
    return result.exit_code, result.output.decode(errors="replace")


async def resolves(cluster, container: str, name: str, address: str, timeout: float = 10) -> None:
    """`nslookup name` in the pod shows `address` (busybox also tries the other search domains)."""
    async def check():
        _, out = await run_in(cluster, container, "nslookup", name)
        return re.search(rf"Address:\s+{re.escape(address)}\s*$", out, re.M)
    await eventually(check, timeout, 0.2, f"{name} resolving to {address}")


async def test_pods_on_both_hosts_find_services_by_name(agent_cluster):
    cluster = agent_cluster
    host1, host2 = cluster.add_host(), cluster.add_host()
    await cluster.start_agent(host1)
    await cluster.start_agent(host2)
    web, _ = await running_pod(cluster, "web-0", host1, SERVE, "{app: web}")
    svc = await cluster.client.create(service("web"))
    await cluster.client.create(service("web-pods", headless=True))
    await cluster.client.create(endpoints("web-pods", web.status.pod_ip))
    clients = [(await running_pod(cluster, f"client-{i}", host, "exec sleep 600"))[1]
               for i, host in enumerate((host1, host2), 1)]

    for (container, host) in zip(clients, (host1, host2)):
        _, conf = await run_in(cluster, container, "cat", "/etc/resolv.conf")
        gateway = host.pod_cidr.replace(".0/24", ".1")
        assert f"nameserver {gateway}\n" in conf
        assert "search default.svc.cluster.local svc.cluster.local cluster.local" in conf
        assert "options ndots:5" in conf
        await resolves(cluster, container, "web", svc.spec.cluster_ip)
        await resolves(cluster, container, "web.default.svc.cluster.local", svc.spec.cluster_ip)
        # name.namespace through the C library's search path (busybox nslookup only searches dotless
        # names): wget prints the address it connects to, whether or not a proxy answers there.
        _, out = await run_in(cluster, container, "wget", "-O-", "http://web.default:8080/")
        assert f"({svc.spec.cluster_ip}:8080)" in out, out
        # A headless Service is its pods' IPs: reachable across hosts by name.namespace.
        await resolves(cluster, container, "web-pods", web.status.pod_ip)
        code, out = await run_in(cluster, container, "wget", "-qO-", "http://web-pods.default:8080/")
        assert code == 0 and out.startswith("hello-from-web-0"), out

    await cluster.client.delete("Service", "web")

    async def nxdomain():
        _, out = await run_in(cluster, clients[1], "nslookup", "web.default.svc.cluster.local")
        return "NXDOMAIN" in out and svc.spec.cluster_ip not in out
    await eventually(nxdomain, 10, 0.2, "the deleted Service giving NXDOMAIN")

    await cluster.stop_agent(host1)  # host 2 answers from its own cache
    await resolves(cluster, clients[1], "web-pods.default.svc.cluster.local", web.status.pod_ip)
