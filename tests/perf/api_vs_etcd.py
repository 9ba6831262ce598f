"""Benchmark: Pod creates through the API server against raw etcd puts of the same size, with one and
with two API servers (the clients spread over them) on the same etcd.

Same machine, same run, same concurrency (1 and 64 clients). Last line: one JSON object.
    python -m tests.perf.api_vs_etcd [--count N] [--smoke]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import time

import aetcd
import uvloop

from tests.fixtures.apiserver import admin_client
from tests.fixtures.objects import pod
from tests.perf.harness import control_plane, percentile

CHANNELS = 8


async def run_concurrently(count: int, concurrency: int, one) -> tuple[float, list[float]]:
    """Call one(i) `count` times from `concurrency` workers: (ops per second, latencies in ms)."""
    latencies: list[float] = []
    next_index = iter(range(count))

    async def worker(w: int):
        for i in next_index:
            start = time.perf_counter()
            await one(w, i)
            latencies.append((time.perf_counter() - start) * 1000)

    began = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    return count / (time.perf_counter() - began), latencies


def sample_pod(name: str):
    p = pod(name, labels={"app": "bench", "tier": "web"})
    p.spec.containers[0].resources.requests["cpu"] = "100m"
    p.spec.containers[0].resources.requests["memory"] = "64Mi"
    return p


async def bench(count: int, apiservers: int = 1) -> dict:
    results: dict = {}
    async with control_plane(apiservers=apiservers) as (etcd, address):
        servers = address.split(",")
        etcd_clients = [aetcd.Client(etcd.host, etcd.port) for _ in range(CHANNELS)]
        # each client starts on its own API server (and would fail over to the others)
        api_clients = [admin_client(servers[i % len(servers):] + servers[:i % len(servers)]) for i in range(CHANNELS)]
        try:
            # raw puts write what the API server stores for such a pod (defaulted, with metadata)
            value = (await api_clients[0].create(sample_pod("size-probe"))).SerializeToString()
            for concurrency in (1, 64):
                n = count if concurrency > 1 else max(count // 4, 50)

                async def put(w, i, c=concurrency):
                    await etcd_clients[w % CHANNELS].put(f"/bench/{c}/{i:08d}".encode(), value)

                async def create(w, i, c=concurrency):
                    await api_clients[w % CHANNELS].create(sample_pod(f"bench-{c}-{i:06d}"))

                await run_concurrently(min(n, 200), concurrency, lambda w, i: put(w, i + 10**7))  # warm up
                etcd_rate, etcd_lat = await run_concurrently(n, concurrency, put)
                api_rate, api_lat = await run_concurrently(n, concurrency, create)
                results[concurrency] = {
                    "etcd_puts_per_s": round(etcd_rate, 1), "api_creates_per_s": round(api_rate, 1),
                    "ratio": round(api_rate / etcd_rate, 3),
                    "etcd_put_p99_ms": round(percentile(etcd_lat, 99), 2),
                    "api_create_p50_ms": round(percentile(api_lat, 50), 2),
                    "api_create_p99_ms": round(percentile(api_lat, 99), 2),
                }
                print(f"{apiservers} API server(s), {concurrency:>2} clients: {json.dumps(results[concurrency])}",
                      flush=True)
        finally:
            for c in etcd_clients:
                await c.close()
            for c in api_clients:
                await c.close()
    top = results[64]
    return {**top, "count": count, "value_bytes": len(value), "one_client": results[1]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", type=int, default=4000, help="operations per measurement (default %(default)s)")
    p.add_argument("--smoke", action="store_true", help="a tiny run that only proves the benchmark works")
    args = p.parse_args()
    uvloop.install()
    count = 200 if args.smoke else args.count
    one = asyncio.run(bench(count, apiservers=1))
    two = asyncio.run(bench(count, apiservers=2))
    print(json.dumps({**one, "two_apiservers": two, "ratio_two_apiservers": two["ratio"],
                      "scaling_two_vs_one": round(two["api_creates_per_s"] / one["api_creates_per_s"], 2)}))


if __name__ == "__main__":
    main()
