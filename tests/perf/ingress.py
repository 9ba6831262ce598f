"""Ingress benchmark: HTTP requests/s through the lab's ingress (nginx) against straight to the backend,
keep-alive and new connection, in one run; time from an Ingress change to traffic following it; and
render plus reload of nginx with 1,000 Ingress rules.

    python -m tests.perf.ingress [--seconds S] [--connections N] [--changes N] [--rules N] [--smoke]

Needs root, nginx and wrk (`make setup` installs both). The data path runs in a 3-host lab (`deploy.lab up
--ingress`): the backend is a small HTTP server in host 2's namespace, behind a selector-less Service whose
Endpoints name it; the load comes from host 3's namespace, to host 2 directly and to the ingress on host 1.
Load is generated as ingress benchmarks do: wrk, one thread keeping N connections (64) busy for S seconds,
either kept alive or with `Connection: close` (a new connection per request); direct and ingress runs
alternate (direct, ingress, ingress, direct) and the ratio is of requests/s. The backend runs on uvloop.
`upstream_connections` counts the backend connections nginx opened (few: kept alive); `*_cpu_us_per_request`
is the CPU time wrk, the backend and nginx spent per request, `*_system_share` the kernel's part of it, and
`cores_used` how much of the machine the three had (the lab's hosts share its cores, so the ratio follows
from these: with the same cores used, `cpu_ratio`, direct over ingress CPU per request). `sequential` is
one request at a time, without wrk: the latency one nginx hop adds. `change_to_traffic.probes` counts what
the probes got while waiting for a change (404s, one 200 each; a refused, reset or timeout is a connection a
reload lost). Lab addresses only. The render/reload part runs nginx on 127.0.0.1. `--smoke` does that part
small, and the wrk runs for 1 s on 127.0.0.1 (no lab). Last line: JSON.
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

import uvloop

from api import manifest
from controlplane.ingress import model, render
from controlplane.ingress.nginx import Nginx
from deploy.lab import cluster
from deploy.lab import plan as P
from tests.fixtures.etcd import free_port
from tests.fixtures.http import fetch
from tests.perf.harness import cpu_times, interruptible, percentile
from tests.perf import wrk
from tests.perf.httpload import exchange_load, serve, summary

BACKEND_PORT = 8080
CONTROLLER = "skiff.io/ingress-nginx"
# Runs of wrk per mode, direct and ingress interleaved mirror-wise, so a drift of the machine's load over
# the run weighs on both sides alike.
ORDER = ("direct", "ingress", "ingress", "direct")
SEQUENTIAL_SECONDS = 1.0
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
                 "spec": {"controller": CONTROLLER}})
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
            plan = model.plan(snapshot, CONTROLLER)
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


# ---------------------------------------------------------------- the data path on loopback (smoke, no lab)

def bench_snapshot(backend_ip: str, backend_port: int) -> model.Snapshot:
    """The lab's benchmark objects as the controller would see them, for a backend at backend_ip:port."""
    objects = {}
    for body in bench_objects(backend_ip, backend_port):
        body["metadata"]["namespace"] = "default"
        objects[body["kind"]] = build(body)
    cls = build({"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": P.INGRESS_CLASS},
                 "spec": {"controller": CONTROLLER}})
    return model.Snapshot(ingresses=[objects["Ingress"]], classes=[cls], services={"default/bench": objects["Service"]},
                          endpoints={"default/bench": objects["Endpoints"]}, secrets={})


async def loopback_data_path(seconds: int, connections: int) -> dict:
    """The lab's throughput measurement with the backend and nginx on 127.0.0.1 and wrk in this namespace:
    the smoke run's proof that the pieces work together (its figures share the machine, not judged)."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "tests.perf.ingress", "--serve", str(port),
                               "--serve-address", "127.0.0.1"], cwd=ROOT)
    try:
        with tempfile.TemporaryDirectory(prefix="skiff-ingress-bench-") as work:
            nginx = Nginx(work)
            settings = render.Settings(listen_address="127.0.0.1", http_port=free_port(), https_port=free_port(),
                                       work_dir=work)
            try:
                plan = model.plan(bench_snapshot("127.0.0.1", port), CONTROLLER)
                await nginx.apply(render.nginx_conf(plan, settings), plan.certificates)
                await wait_routed("127.0.0.1", settings.http_port)
                urls = {"direct": f"http://127.0.0.1:{port}/", "ingress": f"http://127.0.0.1:{settings.http_port}/"}
                servers = {"backend": lambda: [server.pid], "nginx": lambda: nginx_pids(f"{work}/nginx.pid")}
                return {mode: throughput(None, urls, lambda: backend_connections("127.0.0.1", port), servers, mode,
                                         seconds, connections) for mode in ("keepalive", "new")}
            finally:
                await nginx.stop()
    finally:
        server.terminate()
        server.wait(timeout=10)


async def wait_routed(ip: str, port: int = 80) -> None:
    """Until the ingress at ip:port answers 200 from the backend (60 s at most)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            if fetch(ip, "bench", port=port)[0] == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("the ingress did not route to the backend within 60 s")
        await asyncio.sleep(0.1)


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


def throughput(netns: str | None, urls: dict[str, str], upstream_count, servers: dict, mode: str, seconds: int,
               connections: int) -> dict:
    """wrk from `netns` (None: here) against urls["direct"] (the backend) and urls["ingress"]: requests/s of
    each and their ratio. `upstream_count()` is how many connections the backend has accepted so far;
    `servers` names a function giving each server's pids, whose CPU time per request is reported."""
    runs = {"direct": [], "ingress": []}
    cpu = {side: {name: (0.0, 0.0) for name in servers} for side in runs}  # user and system seconds
    upstream = 0  # connections nginx opened to the backend: few when it keeps them alive
    for side in ORDER:
        before = upstream_count() if side == "ingress" else 0
        pids = {name: find() for name, find in servers.items()}
        cpu_before = {name: cpu_of(p) for name, p in pids.items()}
        runs[side].append(wrk.run(netns, urls[side], mode, seconds, connections))
        for name, p in pids.items():
            cpu[side][name] = tuple(total + now - then for total, now, then
                                    in zip(cpu[side][name], cpu_of(p), cpu_before[name]))
        if side == "ingress":
            upstream += upstream_count() - before - 1  # less the count's own question
    direct, via = wrk.summary(runs["direct"]), wrk.summary(runs["ingress"])
    for side, s in (("direct", direct), ("ingress", via)):
        # What each request cost the machine's CPUs: on 2 shared cores, requests/s follow from it. The system
        # share is the kernel's part: mostly the TCP/IP stack (veth, bridge, conntrack) of what a process sends.
        requests = max(s["requests"], 1)
        for name, (user, system) in cpu[side].items():
            s[f"{name}_cpu_us_per_request"] = round((user + system) / requests * 1e6, 1)
            s[f"{name}_system_share"] = round(system / (user + system), 2) if user + system else 0.0
        s["cpu_us_per_request"] = round(s["wrk_cpu_us_per_request"] + sum(
            s[f"{name}_cpu_us_per_request"] for name in servers), 1)
        # How much of the machine the three had: below the core count, others' processes held the rest.
        s["cores_used"] = round(s["cpu_us_per_request"] * s["rps"] / 1e6, 2)
    for side, s in (("direct", direct), ("ingress", via)):
        if sum(s.get("errors", {}).values()) > s["requests"] / 100:
            raise RuntimeError(f"wrk saw errors {s['errors']} against the {side} target ({mode})")
    per_connection = round(via["requests"] / max(upstream, 1))
    if per_connection < 10:  # one without keep-alive
        raise RuntimeError(f"nginx opened {upstream} connections to the backend for {via['requests']} requests: "
                           "its upstream keep-alive is not in use")
    # The lab's hosts share this machine's cores: when both paths get the same share of them (`cores_used`),
    # requests/s go as 1 / CPU per request, and `cpu_ratio` is the ratio that allows, however little latency
    # nginx adds.
    return {"direct": direct, "ingress": via, "ratio": round(via["rps"] / direct["rps"], 3),
            "cpu_ratio": round(direct["cpu_us_per_request"] / max(via["cpu_us_per_request"], 0.1), 3),
            "upstream_connections": upstream, "requests_per_upstream_connection": per_connection}


def cpu_of(pids: list[int]) -> tuple[float, float]:
    """User and system CPU seconds these processes have used so far."""
    times = [cpu_times(pid) for pid in pids]
    return sum(t[0] for t in times), sum(t[1] for t in times)


def sequential(netns: str, backend_ip: str, ingress_ip: str, mode: str) -> dict:
    """One request at a time, on one connection or a new one each: the latency one nginx hop adds."""
    direct = summary([measure(netns, backend_ip, BACKEND_PORT, mode, SEQUENTIAL_SECONDS)])
    via = summary([measure(netns, ingress_ip, 80, mode, SEQUENTIAL_SECONDS)])
    return {"direct_p50_ms": direct["p50_ms"], "ingress_p50_ms": via["p50_ms"],
            "direct_p99_ms": direct["p99_ms"], "ingress_p99_ms": via["p99_ms"]}


def nginx_pids(pid_file: str) -> list[int]:
    """nginx's master (from its pid file) and its workers."""
    with open(pid_file) as f:
        master = int(f.read())
    with open(f"/proc/{master}/task/{master}/children") as f:
        return [master, *map(int, f.read().split())]


def backend_connections(backend_ip: str, port: int = BACKEND_PORT) -> int:
    """How many connections the backend has accepted so far (this question's own included)."""
    status, body = fetch(backend_ip, "bench", "/connections", port=port)
    if status != 200:
        raise RuntimeError(f"the backend answered {status} to /connections")
    return int(body)


def bench_objects(backend_ip: str, backend_port: int = BACKEND_PORT) -> list[dict]:
    return [
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "bench"},
         "spec": {"ports": [{"name": "http", "port": 80, "targetPort": backend_port}]}},
        {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "bench"},
         "subsets": [{"addresses": [{"ip": backend_ip}], "ports": [{"name": "http", "port": backend_port}]}]},
        {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "bench"},
         "spec": {"ingressClassName": P.INGRESS_CLASS, "rules": [{"http": {"paths": [
             {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "bench", "port": {"number": 80}}}}]}}]}},
    ]


async def change_latency(client, ingress_ip: str, changes: int) -> dict:
    """Add a path to the Ingress and time until a request for it is routed (the backend answers 200)."""
    def status_of(path: str) -> int | str:
        """The status the ingress answers, or how the request failed: a reload that lost a connection shows."""
        try:
            return fetch(ingress_ip, "bench", path, timeout=1)[0]
        except ConnectionRefusedError:
            return "refused"
        except ConnectionResetError:
            return "reset"
        except TimeoutError:
            return "timeout"
        except OSError as e:
            return type(e).__name__

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
    probes: dict[str, int] = {}  # what the probes got while waiting: 404 until the reload, then one 200 each
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
            outcome = status_of(path)
            probes[str(outcome)] = probes.get(str(outcome), 0) + 1
            if outcome == 200:
                break
            if time.perf_counter() - t0 > 10:
                raise RuntimeError(f"{path} not routed within 10 s")
            await asyncio.sleep(0.005)
        samples.append(time.perf_counter() - t0)
    return {"changes": changes, "p50_s": round(percentile(samples, 50), 3), "p99_s": round(percentile(samples, 99), 3),
            "max_s": round(max(samples), 3), "probes": probes}


async def data_path(seconds: int, connections: int, changes: int) -> dict:
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
            await wait_routed(ingress_host.ip)
            result = {}
            urls = {"direct": f"http://{backend_host.ip}:{BACKEND_PORT}/", "ingress": f"http://{ingress_host.ip}/"}
            # `ip netns exec` becomes the backend's Python; the lab's controller keeps nginx's pid file.
            servers = {"backend": lambda: [server.pid],
                       "nginx": lambda: nginx_pids(str(P.STATE_DIR / "ingress" / "nginx.pid"))}
            for mode in ("keepalive", "new"):
                # One at a time first: wrk's thousands of closed connections would leave it a TIME_WAIT maze.
                one_at_a_time = sequential(client_host.netns, backend_host.ip, ingress_host.ip, mode)
                result[mode] = throughput(client_host.netns, urls, lambda: backend_connections(backend_host.ip),
                                          servers, mode, seconds, connections)
                result[mode]["sequential"] = one_at_a_time
            result["change_to_traffic"] = await change_latency(client, ingress_host.ip, changes)
            return result
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        lab("down")


async def bench(seconds: int, connections: int, changes: int, rules: int, smoke: bool) -> dict:
    result = {"render_reload": await render_and_reload(rules)}
    if smoke:
        result["loopback_data_path"] = await loopback_data_path(1, 8)
    else:
        result["data_path"] = await data_path(seconds, connections, changes)
    return result


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m tests.perf.ingress", description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=int, default=3, help="seconds of each wrk run (4 runs per mode)")
    p.add_argument("--connections", type=int, default=64, help="concurrent connections wrk keeps busy")
    p.add_argument("--changes", type=int, default=60,
                   help="Ingress changes timed until traffic follows (default %(default)s)")
    p.add_argument("--rules", type=int, default=1000, help="Ingress rules rendered and reloaded")
    p.add_argument("--smoke", action="store_true",
                   help="only a small render and reload, and 1 s wrk runs on 127.0.0.1 (no lab)")
    p.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    p.add_argument("--serve-address", default="0.0.0.0", help=argparse.SUPPRESS)
    p.add_argument("--load", nargs=4, metavar=("IP", "PORT", "MODE", "SECONDS"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve:
        # On uvloop, as the project's own servers run: Python's default loop would make the pod's accepting
        # of new connections the weak link of the direct runs (half the rate), flattering the ingress.
        with contextlib.suppress(KeyboardInterrupt):
            uvloop.run(serve(args.serve, args.serve_address))
        return
    if args.load:
        ip, port, mode, seconds = args.load
        print(json.dumps(exchange_load(ip, int(port), mode, float(seconds))))
        return
    interruptible()  # the orchestrating run only: its helper processes end by SIGTERM as they are
    if os.geteuid() != 0:
        raise SystemExit("ingress benchmark: needs root (nginx, the lab's network namespaces)")
    rules = 50 if args.smoke else args.rules
    if not wrk.available():
        raise SystemExit("ingress benchmark: needs wrk (Debian's package; `make setup` installs it)")
    result = asyncio.run(bench(args.seconds, args.connections, args.changes, rules, args.smoke))
    rr = result["render_reload"]
    print(f"render {rr['render_s']}s + nginx -t and reload {rr['test_and_reload_s']}s for {rr['rules']} rules; "
          f"serving the new config after {rr['serving_s']}s")
    if "data_path" in result:
        dp = result["data_path"]
        for mode in ("keepalive", "new"):
            m = dp[mode]
            print(f"{mode}: direct {m['direct']}, ingress {m['ingress']}, ratio {m['ratio']} (of CPU per request: "
                  f"{m['cpu_ratio']}); "
                  f"{m['requests_per_upstream_connection']} requests per upstream connection; "
                  f"one at a time: {m['sequential']}")
        print(f"Ingress change to traffic: {dp['change_to_traffic']}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
