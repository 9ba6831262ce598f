"""Services end to end: agents on two hosts (network namespaces) with real docker, the endpoints
controller, and each agent's service proxy programming nftables; busybox httpd pods answer with their name.

Traffic is sent only from pods and host namespaces of the test, which carry unreachable routes for the
cluster and service CIDRs.
"""
from __future__ import annotations

import asyncio
import subprocess
import time
from collections import Counter

from api import errors, meta, retry
from nodeagent.proxy import nft, render
from tests.e2e.agent_fixtures import agent_cluster  # noqa: F401 (fixture)
from tests.fixtures.agent_pods import exec_in, running
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.objects import from_yaml
from tests.fixtures.wait import eventually

SERVER = """
apiVersion: v1
kind: Pod
metadata: {{name: {name}, labels: {{app: web, pod: {name}}}}}
spec:
  containers:
  - name: app
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'mkdir -p /www; echo $HOSTNAME > /www/index.html; exec httpd -f -p 8080 -h /www']
    ports: [{{name: http, containerPort: 8080}}]
"""
CLIENT = """
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  containers: [{name: app, image: busybox:latest, imagePullPolicy: IfNotPresent, command: [sleep, "3600"]}]
"""


def service(name: str, selector: str, type_: str = "ClusterIP"):
    return from_yaml(f"""
apiVersion: v1
kind: Service
metadata: {{name: {name}}}
spec:
  type: {type_}
  selector: {selector}
  ports: [{{name: http, port: 80, targetPort: http}}]
""")


async def fetch_many(cluster, pod: str, url: str, count: int) -> list[str]:
    """`count` GETs of `url` from `pod`, one exec; a failed request reads as its error line."""
    script = f'for i in $(seq {count}); do wget -qO- {url} 2>&1 || echo FAILED; done'
    result = await exec_in(cluster, pod, "app", ["sh", "-c", script])
    return result.output.decode().split()


async def wait_served(cluster, pod: str, url: str, expect: set[str], count: int = 30) -> Counter:
    """Until every answer comes from `expect` (all of it seen at least once, eventually)."""
    seen: Counter = Counter()

    async def check():
        answers = Counter(await fetch_many(cluster, pod, url, count))
        seen.update(answers)
        return answers if set(answers) <= expect and set(seen) >= expect else None
    return await eventually(check, 40, 0.2, f"answers from {sorted(expect)} at {url}")


def host_fetch(netns: str, url: str) -> tuple[int, str]:
    """GET from a host namespace of the test (busybox-static's wget; never from the root namespace)."""
    proc = subprocess.run(["ip", "netns", "exec", netns, "busybox", "wget", "-qO-", url],
                          capture_output=True, text=True, timeout=10)
    return proc.returncode, (proc.stdout or proc.stderr).strip()


async def two_hosts_with_servers(cluster, servers: dict[str, int]):
    """Two hosts with agents; server pods placed by `servers` (name -> host index); a client on host 0."""
    hosts = [cluster.add_host(), cluster.add_host()]
    for host in hosts:
        await cluster.start_agent(host)
    for name, i in servers.items():
        await cluster.create_pod(SERVER.format(name=name), hosts[i])
    await cluster.create_pod(CLIENT, hosts[0])
    for name in [*servers, "client"]:
        await cluster.wait_pod(name, running, 90, f"{name} Running")
    return hosts


async def test_cluster_ip_spreads_over_hosts_reaches_itself_and_node_ports_answer_on_every_host(agent_cluster):
    c = agent_cluster
    hosts = await two_hosts_with_servers(c, {"web-a": 0, "web-b": 1, "web-c": 1})
    async with running_manager(c.client, ["endpoints"]):
        web = await c.client.create(service("web", "{app: web}", "NodePort"))
        solo = await c.client.create(service("solo", "{pod: web-b}"))
        url = f"http://{web.spec.cluster_ip}/"

        # A client pod on host 0 gets answers from the pods of both hosts.
        answers = await wait_served(c, "client", url, {"web-a", "web-b", "web-c"})
        assert "FAILED" not in answers

        # A pod reaches itself through its own Service (hairpin), on the other host too.
        solo_url = f"http://{solo.spec.cluster_ip}/"
        assert set(await fetch_many(c, "web-b", solo_url, 5)) == {"web-b"}
        assert set(await fetch_many(c, "client", solo_url, 3)) == {"web-b"}  # across hosts

        # The NodePort answers on every host's address, from another host's namespace.
        node_port = web.spec.ports[0].node_port
        for source, target in ((hosts[1], hosts[0]), (hosts[0], hosts[1])):
            code, body = await asyncio.to_thread(host_fetch, source.netns, f"http://{target.node_ip}:{node_port}/")
            assert code == 0 and body in {"web-a", "web-b", "web-c"}, body


async def set_ready(client, name: str, ready: bool) -> None:
    async def write():
        pod = await client.get("Pod", name)
        meta.set_condition(pod.status.conditions, "Ready", "True" if ready else "False")
        await client.update_status(pod)
    await retry.on_conflict(write)


async def test_endpoints_follow_scale_up_and_readiness_and_an_empty_service_refuses_at_once(agent_cluster):
    c = agent_cluster
    hosts = await two_hosts_with_servers(c, {"web-a": 0})
    async with running_manager(c.client, ["endpoints"]):
        web = await c.client.create(service("web", "{app: web}"))
        url = f"http://{web.spec.cluster_ip}/"
        await wait_served(c, "client", url, {"web-a"}, count=5)

        # Scale up: the new pod is in Endpoints and in the host's rules within a second of being Ready.
        await c.create_pod(SERVER.format(name="web-b"), hosts[1])
        ready = await c.wait_pod("web-b", running, 90, "web-b Running")
        started = time.monotonic()
        ip = ready.status.pod_ip

        async def programmed(present=True):
            table = await nft.run(["list", "table", render.FAMILY, render.TABLE], hosts[0].netns)
            return (f"dnat to {ip}:8080" in table) == present
        await eventually(programmed, 10, 0.02, "new endpoint programmed")
        assert time.monotonic() - started < 1.5  # (the pod poll above adds up to 0.1 s)
        await wait_served(c, "client", url, {"web-a", "web-b"})

        # Not ready: no more traffic; ready again: back. Readiness probes are not wired into the agent
        # yet, so web-b's agent is stopped (its pods keep running) and the test writes the condition.
        await c.stop_agent(hosts[1])
        assert not await nft.exists(render.FAMILY, render.TABLE, hosts[1].netns)  # a clean stop cleans up
        await set_ready(c.client, "web-b", False)
        await eventually(lambda: programmed(False), 10, 0.02, "not-ready endpoint removed")
        assert set(await fetch_many(c, "client", url, 20)) == {"web-a"}
        await set_ready(c.client, "web-b", True)
        await wait_served(c, "client", url, {"web-a", "web-b"})

        # No endpoints left: the connection is refused at once, not left to hang.
        for name in ("web-a", "web-b"):
            await c.client.delete("Pod", name, grace_period=0)

        async def empty():
            try:
                ep = await c.client.get("Endpoints", "web")
            except errors.NotFound:
                return False
            return not ep.subsets
        await eventually(empty, 20, 0.05, "endpoints emptied")

        async def refused_fast():
            begin = time.monotonic()
            result = await exec_in(c, "client", "app", ["wget", "-qO-", url])
            took = time.monotonic() - begin
            return took if result.exit_code != 0 and b"refused" in result.output.lower() else None
        assert await eventually(refused_fast, 10, 0.1, "connection refused") < 1.0
