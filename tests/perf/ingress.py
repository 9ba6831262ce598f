"""Ingress benchmark: HTTP request rate through the lab's ingress (nginx) against straight to the backend,
keep-alive and new connection, in one run; time from an Ingress change to traffic following it; and
render plus reload of nginx with 1,000 Ingress rules.

    python -m tests.perf.ingress [--seconds S] [--changes N] [--rules N] [--smoke]

Needs root and nginx. The data path runs in a 3-host lab (`deploy.lab up --ingress`): the backend is a
small HTTP server in host 2's namespace, behind a selector-less Service whose Endpoints name it; the load
comes from host 3's namespace, to host 2 directly and to the ingress on host 1. Lab addresses only.
The load is one request at a time, so the keep-alive ratio compares latencies (two hops through nginx,
one straight); `upstream_connections` counts the backend connections nginx opened (a handful: kept alive).
The render/reload part runs nginx on 127.0.0.1. `--smoke` does only that part, small. Last line: JSON.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time

from api import manifest
from controlplane.ingress import model, render
from controlplane.ingress.nginx import Nginx
from deploy.lab import cluster
from deploy.lab import plan as P
from tests.fixtures.etcd import free_port
from tests.fixtures.http import fetch
from tests.perf.harness import interruptible, percentile
from tests.perf.httpload import exchange_load, serve, summary

BACKEND_PORT = 8080
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def build(data: dict):
    obj, _ = manifest.from_dict(data)
    return obj


# ---------------------------------------------------------------- render + reload at scale (no lab)

def many_rules(count: int) -> model.Snapshot:
    # Backends on loopback addresses where nothing listens: nginx gets "refused" at once, and no packet
    # can leave the machine (this part runs in the root namespace).
    services, endpoints, ingresses = {}, {}, []
    for i in range(count):
        name = f"svc-{i}"
        services[f"default/{name}"] = build({"apiVersion": "v1", "kind": "Service",
                                             "metadata": {"name": name, "namespace": "default"},
                                             "spec": {"ports": [{"port": 80}]}})
        endpoints[f"default/{name}"] = build({"apiVersion": "v1", "kind": "Endpoints",
                                              "metadata": {"name": name, "namespace": "default"},
                                              "subsets": [{"addresses": [{"ip": f"127.1.{i // 250}.{i % 250 + 2}"}],
                                                           "ports": [{"port": 8080}]}]})
        ingresses.append(build({
            "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": f"ing-{i}", "namespace": "default"},
            "spec": {"ingressClassName": "nginx", "rules": [{"host": f"host-{i}.example.com", "http": {"paths": [
                {"path": "/", "pathType": "Prefix",
                 "backend": {"service": {"name": name, "port": {"number": 80}}}}]}}]}}))
    cls = build({"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": "nginx"},
                 "spec": {"controller": "skiff.io/ingress-nginx"}})
    return model.Snapshot(ingresses=ingresses, classes=[cls], services=services, endpoints=endpoints, secrets={})


async def render_and_reload(count: int) -> dict:
    """Plan + render + nginx -t + reload of `count` rules, with nginx serving on 127.0.0.1 throughout."""
    with tempfile.TemporaryDirectory(prefix="skiff-ingress-bench-") as work:
        nginx = Nginx(work)
        settings = render.Settings(listen_address="127.0.0.1", http_port=free_port(), https_port=free_port(),
                                   work_dir=work, worker_processes="1")
        try:
            await nginx.apply(render.nginx_conf(model.Plan(), settings), {})
            snapshot = many_rules(count)
            t0 = time.perf_counter()
            plan = model.plan(snapshot, "skiff.io/ingress-nginx")
            text = render.nginx_conf(plan, settings)
            t1 = time.perf_counter()
            await nginx.apply(text, plan.certificates)
            t2 = time.perf_counter()
            # The reload is done when a worker of the new generation answers the last host.
            host = f"host-{count - 1}.example.com"
            while True:
                try:
                    status, _ = fetch("127.0.0.1", host, port=settings.http_port, timeout=1)
                except OSError:
                    status = 0
                if status not in (0, 404):  # routed by the new config (502: its loopback upstream refused)
                    break
                if time.perf_counter() - t2 > 30:
                    raise RuntimeError(f"nginx did not route {host} within 30 s of the reload")
                await asyncio.sleep(0.005)
            t3 = time.perf_counter()
        finally:
            await nginx.stop()
    return {"rules": count, "render_s": round(t1 - t0, 4), "test_and_reload_s": round(t2 - t1, 4),
            "serving_s": round(t3 - t0, 4), "config_bytes": len(text)}


# ---------------------------------------------------------------- the data path and change latency (lab)

def lab(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deploy.lab", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def in_netns(netns: str, *args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(["ip", "netns", "exec", netns, sys.executable, "-m", "tests.perf.ingress", *args],
                            cwd=ROOT, **kw)


def measure(netns: str, ip: str, port: int, mode: str, seconds: float) -> dict:
    # subprocess.run kills the load generator when interrupted (Popen would leave it running in the netns)
    done = subprocess.run(["ip", "netns", "exec", netns, sys.executable, "-m", "tests.perf.ingress", "--load", ip,
                           str(port), mode, str(seconds)], cwd=ROOT, capture_output=True, text=True,
                          timeout=seconds + 30)
    if done.returncode != 0:
        raise RuntimeError(f"load generator against {ip}:{port} failed: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def backend_connections(backend_ip: str) -> int:
    """How many connections the backend has accepted so far (this question's own included)."""
    status, body = fetch(backend_ip, "bench", "/connections", port=BACKEND_PORT)
    if status != 200:
        raise RuntimeError(f"the backend answered {status} to /connections")
    return int(body)


def bench_objects(backend_ip: str) -> list[dict]:
    return [
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "bench"},
         "spec": {"ports": [{"name": "http", "port": 80, "targetPort": BACKEND_PORT}]}},
        {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "bench"},
         "subsets": [{"addresses": [{"ip": backend_ip}], "ports": [{"name": "http", "port": BACKEND_PORT}]}]},
        {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "bench"},
         "spec": {"ingressClassName": P.INGRESS_CLASS, "rules": [{"http": {"paths": [
             {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "bench", "port": {"number": 80}}}}]}}]}},
    ]


async def change_latency(client, ingress_ip: str, changes: int) -> dict:
    """Add a path to the Ingress and time until a request for it is routed (the backend answers 200)."""
    def status_of(path: str) -> int:
        try:
            return fetch(ingress_ip, "bench", path, timeout=1)[0]
        except OSError:
            return 0

    # First narrow the catch-all path, so that a new path is answered only once its own route is live.
    # Right after a graceful reload an old nginx worker may still accept a connection and answer from the
    # old configuration: wait until the narrowed one answers alone (1 s of 404s in a row).
    ing = await client.get("ingresses", "bench")
    ing.spec.rules[0].http.paths[0].path = "/root"
    await client.update(ing)
    deadline = time.perf_counter() + 30
    steady_since = None
    while steady_since is None or time.perf_counter() - steady_since < 1.0:
        if status_of("/v0") == 404:
            steady_since = steady_since or time.perf_counter()
        else:
            steady_since = None
        if time.perf_counter() > deadline:
            raise RuntimeError("the narrowed catch-all was not the only configuration served within 30 s")
        await asyncio.sleep(0.01)
    samples = []
    for i in range(changes):
        ing = await client.get("ingresses", "bench")
        path = f"/v{i}"
        if status_of(path) != 404:
            raise RuntimeError(f"{path} answered before its route was added")
        ing.spec.rules[0].http.paths.add(path=path, path_type="Exact").backend.service.name = "bench"
        ing.spec.rules[0].http.paths[-1].backend.service.port.number = 80
        t0 = time.perf_counter()
        await client.update(ing)
        while True:
            if status_of(path) == 200:
                break
            if time.perf_counter() - t0 > 10:
                raise RuntimeError(f"{path} not routed within 10 s")
            await asyncio.sleep(0.005)
        samples.append(time.perf_counter() - t0)
    return {"changes": changes, "p50_s": round(percentile(samples, 50), 3), "p99_s": round(percentile(samples, 99), 3)}


async def data_path(seconds: float, changes: int) -> dict:
    lab_plan = P.plan(P.Settings(nodes=3, ingress=True))
    ingress_host, backend_host, client_host = lab_plan.hosts
    server = None
    try:  # from `lab up` on: an interrupted or failed start is taken down too
        if lab("up", "--nodes", "3", "--ingress", "--ready-timeout", "120").returncode != 0:
            raise RuntimeError("lab up failed; see `python -m deploy.lab status`")
        server = in_netns(backend_host.netns, "--serve", str(BACKEND_PORT))
        async with cluster.admin_client(lab_plan.admin_kubeconfig, timeout=30) as client:
            for body in bench_objects(backend_host.ip):
                await client.create(build(body))
            deadline = time.monotonic() + 60
            while True:
                try:
                    if fetch(ingress_host.ip, "bench")[0] == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the ingress did not route to the backend within 60 s")
                await asyncio.sleep(0.1)
            result = {}
            for mode in ("keepalive", "new"):
                runs = {"direct": [], "ingress": []}
                upstream = 0  # connections nginx opened to the backend: a handful when it keeps them alive
                for _ in range(2):  # interleaved, so drift in the machine's load hits both alike
                    runs["direct"].append(measure(client_host.netns, backend_host.ip, BACKEND_PORT, mode, seconds / 4))
                    before = backend_connections(backend_host.ip)
                    runs["ingress"].append(measure(client_host.netns, ingress_host.ip, 80, mode, seconds / 4))
                    upstream += backend_connections(backend_host.ip) - before - 1  # less our own question
                direct, via = summary(runs["direct"]), summary(runs["ingress"])
                result[mode] = {"direct": direct, "ingress": via, "ratio": round(via["rps"] / direct["rps"], 3),
                                "upstream_connections": upstream}
            result["change_to_traffic"] = await change_latency(client, ingress_host.ip, changes)
            return result
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        lab("down")


async def bench(seconds: float, changes: int, rules: int, smoke: bool) -> dict:
    result = {"render_reload": await render_and_reload(rules)}
    if not smoke:
        result["data_path"] = await data_path(seconds, changes)
    return result


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m tests.perf.ingress", description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=8.0, help="load time per mode, split over both targets")
    p.add_argument("--changes", type=int, default=20, help="Ingress changes timed until traffic follows")
    p.add_argument("--rules", type=int, default=1000, help="Ingress rules rendered and reloaded")
    p.add_argument("--smoke", action="store_true", help="only a small render and reload (no lab)")
    p.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    p.add_argument("--load", nargs=4, metavar=("IP", "PORT", "MODE", "SECONDS"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(args.serve))
        return
    if args.load:
        ip, port, mode, seconds = args.load
        print(json.dumps(exchange_load(ip, int(port), mode, float(seconds))))
        return
    interruptible()  # the orchestrating run only: its helper processes end by SIGTERM as they are
    if os.geteuid() != 0:
        raise SystemExit("ingress benchmark: needs root (nginx, the lab's network namespaces)")
    rules = 50 if args.smoke else args.rules
    result = asyncio.run(bench(args.seconds, args.changes, rules, args.smoke))
    rr = result["render_reload"]
    print(f"render {rr['render_s']}s + nginx -t and reload {rr['test_and_reload_s']}s for {rr['rules']} rules; "
          f"serving the new config after {rr['serving_s']}s")
    if "data_path" in result:
        dp = result["data_path"]
        for mode in ("keepalive", "new"):
            print(f"{mode}: direct {dp[mode]['direct']}, ingress {dp[mode]['ingress']}, ratio {dp[mode]['ratio']}")
        print(f"Ingress change to traffic: {dp['change_to_traffic']}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
