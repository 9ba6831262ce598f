"""Service proxy benchmark: HTTP request rate and latency from a client pod to a server pod by pod IP and
by ClusterIP through the nftables rules, and the time to program N Services of M endpoints and to apply
one endpoint change among them.

    python -m tests.perf.service_proxy [--seconds S] [--services N] [--endpoints M] [--smoke]

Needs root. Pods here are network namespaces wired to a host namespace's bridge exactly as the agent wires
them (nodeagent.network), holding a Python server and load generator; the rules come from a real
ServiceProxy watching a real API server. Traffic stays inside the benchmark's namespaces. Last line: JSON.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from ipaddress import IPv4Interface

from tests.fixtures.apiserver import admin_client
from nodeagent.network import bridge, netns
from nodeagent.network import pod as podnet
from nodeagent.proxy import nft, render, transaction
from nodeagent.proxy.model import service_ports
from nodeagent.proxy.proxier import ProxyConfig, ServiceProxy
from tests.fixtures.objects import from_yaml
from tests.perf.harness import control_plane, interruptible, wait_until
from tests.perf.httpload import exchange_load as _load, serve as _serve, summary

POD_CIDR = "10.244.1.0/24"
GUARDED = ("10.244.0.0/16", "10.96.0.0/16")
PORT = 8080
# ---------------------------------------------------------------- the setting: a host, two pods, a Service

class Lab:
    """A host namespace with the pod bridge and guard routes; pods are `unshare -n` processes wired to it."""

    def __init__(self):
        self.tag = uuid.uuid4().hex[:6]
        self.host = f"skiff-perf-{self.tag}"
        self.pauses: list[subprocess.Popen] = []
        self.procs: list[subprocess.Popen] = []
        self.namespaces: list[str] = []

    def netns(self, name: str) -> str:
        subprocess.run(["ip", "netns", "add", name], check=True)
        self.namespaces.append(name)
        subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
        for cidr in GUARDED:  # nothing for a pod or service address leaves this namespace
            subprocess.run(["ip", "-n", name, "route", "add", "unreachable", cidr], check=True)
        return name

    def build_host(self) -> None:
        self.netns(self.host)
        bridge.ensure_bridge("skiff0", IPv4Interface("10.244.1.1/24"), self.host)

    def pod(self, ip: str) -> str:
        """A namespace held by a sleeping process, wired as the agent wires a pause container's."""
        pause = subprocess.Popen(["unshare", "--net", "sleep", "3600"])
        self.pauses.append(pause)
        ns = netns.pid_ns(pause.pid)
        deadline = time.monotonic() + 5
        while os.readlink(ns) == os.readlink("/proc/self/ns/net"):  # until unshare has happened
            if time.monotonic() > deadline:
                raise RuntimeError("unshare did not make a network namespace")
            time.sleep(0.01)
        podnet.attach(pause.pid, f"perf-{self.tag}-{ip}", IPv4Interface(f"{ip}/24"),
                      IPv4Interface("10.244.1.1/24").ip, "skiff0", self.host)
        return ns

    def run_in(self, ns: str, *args: str, **kw) -> subprocess.Popen:
        proc = subprocess.Popen(["nsenter", f"--net={ns}", sys.executable, "-m", "tests.perf.service_proxy", *args],
                                **kw)
        self.procs.append(proc)
        return proc

    def cleanup(self) -> None:
        for proc in self.procs + self.pauses:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        for name in self.namespaces:
            subprocess.run(["ip", "netns", "del", name], capture_output=True)


SERVICE = """
apiVersion: v1
kind: Service
metadata: {name: bench}
spec: {ports: [{name: http, port: 80, targetPort: 8080}]}
"""


def endpoints_of(ip: str):
    return from_yaml(f"""
apiVersion: v1
kind: Endpoints
metadata: {{name: bench}}
subsets: [{{addresses: [{{ip: {ip}}}], ports: [{{name: http, port: {PORT}}}]}}]
""")


def measure(lab: Lab, client_ns: str, ip: str, port: int, mode: str, seconds: float) -> dict:
    proc = lab.run_in(client_ns, "--load", ip, str(port), mode, str(seconds), stdout=subprocess.PIPE, text=True)
    out, _ = proc.communicate(timeout=seconds + 30)
    if proc.returncode != 0:
        raise RuntimeError(f"load generator against {ip}:{port} failed")
    return json.loads(out.strip().splitlines()[-1])


async def data_path(api: str, seconds: float) -> dict:
    lab = Lab()
    try:
        # pyroute2's synchronous calls need a thread of their own, as in the agent
        await asyncio.to_thread(lab.build_host)
        server_ns = await asyncio.to_thread(lab.pod, "10.244.1.2")
        client_ns = await asyncio.to_thread(lab.pod, "10.244.1.3")
        lab.run_in(server_ns, "--serve", str(PORT))
        async with admin_client(api, timeout=10) as client:
            svc = await client.create(from_yaml(SERVICE))
            await client.create(endpoints_of("10.244.1.2"))
            proxy = ServiceProxy(client, ProxyConfig(node_name="bench", host_netns=lab.host, docker_user=False))
            proxy.set_pod_cidr(POD_CIDR)
            await proxy.start()
            try:
                await wait_until(lambda: proxy.synced.is_set(), 20, "first proxy sync")
                cluster_ip = svc.spec.cluster_ip
                await wait_until(lambda: asyncio.to_thread(_answers, lab, client_ns, cluster_ip, 80), 20,
                                 "service answers")
                result = {}
                for mode in ("keepalive", "new"):
                    runs = {"pod_ip": [], "cluster_ip": []}
                    for _ in range(2):  # interleaved, so drift in the machine's load hits both alike
                        for target, ip, port in (("pod_ip", "10.244.1.2", PORT), ("cluster_ip", cluster_ip, 80)):
                            runs[target].append(await asyncio.to_thread(measure, lab, client_ns, ip, port, mode,
                                                                        seconds / 2))
                    direct, proxied = summary(runs["pod_ip"]), summary(runs["cluster_ip"])
                    result[mode] = {"pod_ip": direct, "cluster_ip": proxied,
                                    "ratio": round(proxied["rps"] / direct["rps"], 3) if direct["rps"] else 0.0}
                return result
            finally:
                await proxy.stop()
    finally:
        lab.cleanup()


def _answers(lab: Lab, ns: str, ip: str, port: int) -> bool:
    proc = lab.run_in(ns, "--load", ip, str(port), "new", "0.01", stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    proc.communicate(timeout=30)
    return proc.returncode == 0


# ---------------------------------------------------------------- programming many Services

def many_services(count: int, per: int):
    services, endpoints = [], {}
    for i in range(count):
        name = f"s{i}"
        services.append(from_yaml(f"""
apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: default}}
spec: {{clusterIP: 10.96.{i // 250}.{i % 250 + 1}, ports: [{{name: http, port: 80, targetPort: 8080}}]}}
"""))
        addresses = ", ".join(f"{{ip: 10.244.{(i * per + j) // 250 % 250}.{(i * per + j) % 250 + 2}}}"
                              for j in range(per))
        endpoints[f"default/{name}"] = from_yaml(f"""
apiVersion: v1
kind: Endpoints
metadata: {{name: {name}, namespace: default}}
subsets: [{{addresses: [{addresses}], ports: [{{name: http, port: 8080}}]}}]
""")
    return services, endpoints


async def programming(count: int, per: int) -> dict:
    lab = Lab()
    node = render.NodeNetwork(POD_CIDR, "10.96.0.0/16")
    try:
        lab.netns(lab.host)
        services, endpoints = many_services(count, per)
        t0 = time.perf_counter()
        first = render.render(service_ports(services, endpoints), node)
        text = transaction.script(first)
        t1 = time.perf_counter()
        await nft.apply(text, lab.host)
        t2 = time.perf_counter()
        # One endpoint of one Service moves to another address.
        changed = endpoints["default/s0"]
        changed.subsets[0].addresses[0].ip = "10.244.250.250"
        t3 = time.perf_counter()
        second = render.render(service_ports(services, endpoints), node)
        delta = transaction.script(second, first)
        t4 = time.perf_counter()
        await nft.apply(delta, lab.host)
        t5 = time.perf_counter()
        listing = await nft.run(["list", "chain", render.FAMILY, render.TABLE,
                                 "ep-default/s0/tcp/http__10.244.250.250/8080"], lab.host)
        assert "dnat to 10.244.250.250:8080" in listing
        return {"services": count, "endpoints_per_service": per, "script_lines": text.count("\n"),
                "full_render_s": round(t1 - t0, 3), "full_apply_s": round(t2 - t1, 3),
                "change_render_s": round(t4 - t3, 3), "change_apply_s": round(t5 - t4, 3),
                "change_total_s": round(t5 - t3, 3), "change_script_lines": delta.count("\n")}
    finally:
        lab.cleanup()


async def bench(seconds: float, count: int, per: int) -> dict:
    async with control_plane() as (_, api):
        path = await data_path(api, seconds)
    return {"data_path": path, "programming": await programming(count, per)}


def main() -> None:
    interruptible()
    p = argparse.ArgumentParser(prog="python -m tests.perf.service_proxy", description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=6.0, help="load time per mode, split over both targets")
    p.add_argument("--services", type=int, default=1000)
    p.add_argument("--endpoints", type=int, default=10, help="endpoints per Service")
    p.add_argument("--smoke", action="store_true", help="a tiny run that only proves the benchmark works")
    p.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    p.add_argument("--load", nargs=4, metavar=("IP", "PORT", "MODE", "SECONDS"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_serve(args.serve))
        return
    if args.load:
        ip, port, mode, seconds = args.load
        result = _load(ip, int(port), mode, float(seconds))
        print(json.dumps(result))
        return
    if os.geteuid() != 0:
        raise SystemExit("service_proxy benchmark: needs root (network namespaces, nftables)")
    seconds, count, per = (1.0, 50, 3) if args.smoke else (args.seconds, args.services, args.endpoints)
    result = asyncio.run(bench(seconds, count, per))
    path = result["data_path"]
    print(f"keep-alive: pod IP {path['keepalive']['pod_ip']}, ClusterIP {path['keepalive']['cluster_ip']}, "
          f"ratio {path['keepalive']['ratio']}")
    print(f"new connection: pod IP {path['new']['pod_ip']}, ClusterIP {path['new']['cluster_ip']}, "
          f"ratio {path['new']['ratio']}")
    print(f"programming: {result['programming']}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
