"""Benchmark of the metrics path, each part against the real alternative in the same run:

1. one cgroup sampling pass over N containers (CPU time per 100 containers; target < 5 ms) against
   `docker stats --no-stream` for the same containers (needs root and dockerd);
2. `skiff top pods -A` with hollow nodes pushing synthetic usage (1,000 nodes and 30,000 pods by
   default; target p99 < 1 s), against `skiff get pods -A` over the same pods;
3. API server creates per second with metrics on against off (api_vs_etcd's load; target ratio >= 0.95).

    python -m tests.perf.metrics [--containers 100] [--nodes 1000] [--pods 30000] [--smoke]
Last line: one JSON object.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time

from tests.fixtures.apiserver import admin_client
from tests.fixtures.pki import test_pki
from tests.fixtures.objects import pod
from tests.perf.harness import Component, control_plane, interruptible, percentile

BENCH_LABEL = "io.skiff.bench"
SKIFF = os.path.join(os.path.dirname(sys.executable), "skiff")


# ---------------------------------------------------------------- 1. sampling cost

def sampling(count: int, passes: int) -> dict:
    import docker

    from nodeagent.metrics.sampler import CgroupSampler
    from nodeagent.runtime.base import LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID, \
        ContainerInfo
    from nodeagent.runtime.images import ensure_local_images

    client = docker.from_env()
    ensure_local_images(client)
    ids: list[str] = []
    try:
        print(f"sampling: starting {count} containers ...", flush=True)
        for i in range(count):
            labels = {BENCH_LABEL: "metrics", LABEL_CONTAINER_NAME: "main", LABEL_POD_UID: f"bench-{i}",
                      LABEL_POD_NAME: f"bench-{i}", LABEL_POD_NAMESPACE: "default"}
            c = client.containers.run("busybox:latest", ["sleep", "3600"], detach=True, labels=labels,
                                      network_mode="none")
            ids.append(c.id)
        infos = []
        for cid in ids:
            attrs = client.api.inspect_container(cid)
            infos.append(ContainerInfo(cid, attrs["Name"], attrs["Config"]["Labels"], "busybox:latest", "",
                                       "running", pid=attrs["State"]["Pid"]))
        sampler = CgroupSampler("bench", lambda: infos)
        sampler.sample()  # finds each container's cgroup once, as the agent does on its first pass
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for _ in range(passes):
            request = sampler.sample()
        cpu = (time.process_time() - cpu0) / passes
        wall = (time.perf_counter() - wall0) / passes
        assert len(request.pods) == count, f"sampled {len(request.pods)} of {count} containers"
        began = time.perf_counter()
        subprocess.run(["docker", "stats", "--no-stream", *ids], capture_output=True, check=True, timeout=300)
        stats_wall = time.perf_counter() - began
        return {"containers": count, "pass_cpu_ms_per_100": round(cpu * 1000 * 100 / count, 3),
                "pass_wall_ms": round(wall * 1000, 3), "docker_stats_no_stream_ms": round(stats_wall * 1000, 1),
                "speedup_vs_docker_stats": round(stats_wall / wall, 1)}
    finally:
        for cid in ids:
            try:
                client.api.remove_container(cid, force=True)
            except docker.errors.APIError:
                pass
        client.close()


# ---------------------------------------------------------------- 2. top pods -A at scale

def _cli(address: str, *argv: str) -> float:
    began = time.perf_counter()
    env = dict(os.environ, SKIFF_CONFIG=str(test_pki().admin_kubeconfig(address)))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # timed as an installed CLI runs: its bytecode cached
    done = subprocess.run([SKIFF, *argv], capture_output=True, text=True, timeout=120, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"skiff {' '.join(argv)}: {done.stderr[-500:]}")
    return time.perf_counter() - began


async def top_at_scale(nodes: int, pods: int, runs: int, resolution: float = 15.0) -> dict:
    """`skiff top` against hollow nodes; their state lives in a directory removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="skiff-hollow-metrics-") as work:
        return await _top_at_scale(work, nodes, pods, runs, resolution)


async def _top_at_scale(work: str, nodes: int, pods: int, runs: int, resolution: float) -> dict:
    result: dict = {"nodes": nodes, "pods": pods}
    async with control_plane() as (etcd, address):
        hollow = Component("nodeagent.main", "--kubeconfig", str(test_pki().admin_kubeconfig(address)),
                           "--runtime", "fake", "--hollow", str(nodes),
                           "--node-name", "hollow", "--node-ip", "127.0.0.1", "--log-level", "WARNING",
                           "--state-dir", os.path.join(work, "hollow"), "--metrics-resolution", str(resolution),
                           "--metrics-bind-address", "127.0.0.1:0")
        try:
            async with admin_client(address, timeout=60) as client:
                async def wait(condition, timeout, what):
                    deadline = time.monotonic() + timeout
                    while not await condition():
                        if hollow.process.poll() is not None:
                            raise RuntimeError("hollow agents exited:\n" + hollow.output())
                        if time.monotonic() > deadline:
                            raise TimeoutError(f"{what} not within {timeout}s")
                        await asyncio.sleep(5)

                async def registered():
                    return len((await client.list("Node", page_size=500)).items) >= nodes
                await wait(registered, 600, f"{nodes} hollow nodes")
                print(f"top: {nodes} hollow nodes registered; creating {pods} pods ...", flush=True)
                limit = asyncio.Semaphore(64)

                created = 0

                async def create(i: int):
                    nonlocal created
                    async with limit:
                        p = pod(f"p{i}", labels={"app": "bench"}, cpu="100m", memory="64Mi")
                        p.spec.node_name = f"hollow-{i % nodes}"  # placed by hand: the scheduler is not measured
                        await client.create(p)
                        created += 1
                        if created % 5000 == 0:
                            print(f"top: {created} pods created", flush=True)
                await asyncio.gather(*(create(i) for i in range(pods)))

                measured = 0

                async def nearly_all_measured():
                    # hollow agents on a loaded machine lag behind their pods: 98% is enough to measure
                    nonlocal measured
                    measured = len(await client.pod_metrics(""))
                    print(f"top: metrics of {measured} pods", flush=True)
                    return measured >= 0.98 * pods
                began = time.perf_counter()
                await wait(nearly_all_measured, 900, f"metrics of 98% of {pods} pods")
                result["metrics_complete_s"] = round(time.perf_counter() - began, 1)
                result["pods_measured"] = measured
                print(f"top: metrics of {measured} pods after {result['metrics_complete_s']}s; measuring ...",
                      flush=True)
                rpc = []
                for _ in range(runs * 4):
                    t = time.perf_counter()
                    await client.pod_metrics("")
                    rpc.append(time.perf_counter() - t)
            # each first run is a warm-up (bytecode written, files cached), as for a user who ran skiff before
            top = [await asyncio.to_thread(_cli, address, "top", "pods", "-A") for _ in range(runs + 1)][1:]
            get = [await asyncio.to_thread(_cli, address, "get", "pods", "-A") for _ in range(runs + 1)][1:]
            result.update({
                "list_pod_metrics_rpc": {"p50_ms": round(1000 * percentile(rpc, 50), 1),
                                         "p99_ms": round(1000 * percentile(rpc, 99), 1)},
                "top_pods_all": {"p50_ms": round(1000 * percentile(top, 50), 1),
                                 "p99_ms": round(1000 * percentile(top, 99), 1)},
                "get_pods_all": {"p50_ms": round(1000 * percentile(get, 50), 1),
                                 "p99_ms": round(1000 * percentile(get, 99), 1)},
                "top_vs_get_p50": round(percentile(top, 50) / percentile(get, 50), 3),
            })
        finally:
            hollow.stop()
    return result


# ---------------------------------------------------------------- 3. the cost of instrumentation

async def creates_per_s(metrics_on: bool, count: int, concurrency: int = 64) -> float:
    flag = ("--metrics-bind-address", "127.0.0.1:0" if metrics_on else "")
    async with control_plane(apiserver_args=flag) as (etcd, address):
        clients = [admin_client(address) for _ in range(8)]
        try:
            names = itertools.count()

            async def worker(w: int, n: int):
                for _ in range(n):
                    await clients[w % 8].create(pod(f"b-{next(names):07d}", labels={"app": "bench"}, cpu="100m"))
            await asyncio.gather(*(worker(w, 200 // concurrency + 1) for w in range(concurrency)))  # warm up
            began = time.perf_counter()
            await asyncio.gather(*(worker(w, count // concurrency) for w in range(concurrency)))
            return (count // concurrency) * concurrency / (time.perf_counter() - began)
        finally:
            for c in clients:
                await c.close()


async def instrumentation(count: int, rounds: int) -> dict:
    on, off = [], []
    for _ in range(rounds):  # alternated, so a busy moment on a shared machine hits both sides; best of each
        off.append(await creates_per_s(False, count))
        on.append(await creates_per_s(True, count))
        print(f"api creates/s: metrics off {off[-1]:.0f}, on {on[-1]:.0f}", flush=True)
    return {"metrics_off_creates_per_s": round(max(off), 1), "metrics_on_creates_per_s": round(max(on), 1),
            "ratio": round(max(on) / max(off), 3)}


def main() -> None:
    interruptible()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--containers", type=int, default=100, help="containers sampled (default %(default)s)")
    p.add_argument("--nodes", type=int, default=1000, help="hollow nodes (default %(default)s)")
    p.add_argument("--pods", type=int, default=30000, help="pods on them (default %(default)s)")
    p.add_argument("--count", type=int, default=4000, help="creates per api measurement (default %(default)s)")
    p.add_argument("--parts", default="sampling,top,api", help="which parts to run (default %(default)s); "
                   "only `sampling` needs dockerd, so run it alone under the machine's e2e lock")
    p.add_argument("--smoke", action="store_true", help="a tiny run that only proves the benchmark works")
    args = p.parse_args()
    parts = set(args.parts.split(","))
    if args.smoke:
        args.containers, args.nodes, args.pods, args.count = 3, 5, 50, 256
    result: dict = {"benchmark": "metrics"}
    if "sampling" in parts:
        if os.geteuid() == 0 and subprocess.run(["docker", "info"], capture_output=True).returncode == 0:
            result["sampling"] = sampling(args.containers, 5 if args.smoke else 50)
        else:
            result["sampling"] = {"skipped": "needs root and a running dockerd"}
        print(json.dumps({"sampling": result["sampling"]}), flush=True)
    if "top" in parts:
        result["top"] = asyncio.run(top_at_scale(args.nodes, args.pods, 2 if args.smoke else 10, 5.0 if args.smoke else 15.0))
        print(json.dumps({"top": result["top"]}), flush=True)
    if "api" in parts:
        result["api_metrics_on_vs_off"] = asyncio.run(instrumentation(args.count, 1 if args.smoke else 5))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
