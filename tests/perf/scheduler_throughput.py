"""Benchmark: pods scheduled per second through the real API server and etcd, with the scheduler as a process.

Creates Node objects (no agents), then pods; measures from the first pod create to the last binding seen
in a watch, and each pod's created-to-bound latency. Last line: one JSON object.
    python -m tests.perf.scheduler_throughput [--nodes N] [--pods N] [--smoke]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import time

import uvloop

from api import errors
from tests.fixtures.apiserver import admin_client
from api.leaderelection import LEASE_NAMESPACE
from controlplane.scheduler.leader import LEASE_NAME
from controlplane.scheduler.scheduler import Config
from tests.fixtures.objects import node, pod
from tests.perf.harness import control_plane, interruptible, percentile, wait_until

CHANNELS = 8
CREATORS = 64


async def run_workers(count: int, workers: int, one) -> None:
    indices = iter(range(count))

    async def worker():
        for i in indices:
            await one(i)
    await asyncio.gather(*(worker() for _ in range(workers)))


async def bench(nodes: int, pods: int, parallelism: int) -> dict:
    scheduler = ("controlplane.scheduler.main", "--log-level", "WARNING", "--parallelism", str(parallelism))
    async with control_plane(scheduler) as (_, address):
        clients = [admin_client(address, timeout=60) for _ in range(CHANNELS)]
        watcher = admin_client(address, timeout=60)
        try:
            await run_workers(nodes, 32, lambda i: clients[i % CHANNELS].create(
                node(f"node-{i:05d}", cpu="8", memory="32Gi", pods="110")))

            async def leading():
                try:
                    return (await watcher.get("Lease", LEASE_NAME, LEASE_NAMESPACE)).spec.holder_identity
                except errors.NotFound:
                    return False
            await wait_until(leading, 60, "scheduler leader election")
            await clients[0].create(pod("warm-up"))

            async def warmed_up():
                return (await watcher.get("Pod", "warm-up")).spec.node_name
            await wait_until(warmed_up, 60, "the warm-up pod binding")

            created: dict[str, float] = {}
            bound: dict[str, float] = {}
            all_bound = asyncio.Event()
            start_version = (await watcher.list_page("Pod", "default", limit=1)).resource_version

            async def watch():
                async for event in watcher.watch("Pod", "default", resource_version=start_version):
                    obj = event.object
                    if obj is not None and obj.spec.node_name and obj.metadata.name.startswith("bench-"):
                        bound.setdefault(obj.metadata.name, time.perf_counter())
                        if len(bound) == pods:
                            all_bound.set()
                            return

            async def create(i: int):
                name = f"bench-{i:06d}"
                created[name] = time.perf_counter()
                await clients[i % CHANNELS].create(pod(name, cpu="100m", memory="64Mi"))

            watching = asyncio.create_task(watch())
            try:
                began = time.perf_counter()
                await run_workers(pods, CREATORS, create)
                created_in = time.perf_counter() - began
                await asyncio.wait_for(all_bound.wait(), timeout=600)
                elapsed = max(bound.values()) - began
            finally:
                watching.cancel()
                await asyncio.gather(watching, return_exceptions=True)
            latencies = [(bound[n] - created[n]) * 1000 for n in bound]
            return {"nodes": nodes, "pods": pods, "creates_per_s": round(pods / created_in, 1),
                    "p50_schedule_ms": round(percentile(latencies, 50), 1),
                    "pods_per_s": round(pods / elapsed, 1), "p99_schedule_ms": round(percentile(latencies, 99), 1)}
        finally:
            for c in (*clients, watcher):
                await c.close()


def main() -> None:
    interruptible()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--nodes", type=int, default=1000, help="Node objects to create (default %(default)s)")
    p.add_argument("--pods", type=int, default=10000, help="pods to schedule (default %(default)s)")
    p.add_argument("--parallelism", type=int, default=Config.parallelism,
                   help="the scheduler's binds in flight (default: the scheduler's own, %(default)s)")
    p.add_argument("--smoke", action="store_true", help="a tiny run that only proves the benchmark works")
    args = p.parse_args()
    nodes, pods = (20, 200) if args.smoke else (args.nodes, args.pods)
    uvloop.install()
    result = asyncio.run(bench(nodes, pods, args.parallelism))
    print(json.dumps({"nodes": result.pop("nodes"), "pods": result.pop("pods"), "pods_per_s": result.pop("pods_per_s"),
                      "p99_schedule_ms": result.pop("p99_schedule_ms"), **result}))


if __name__ == "__main__":
    main()
