"""Benchmark: Pod creates through the API server against raw etcd puts of the same size, with one and
with two API servers (the clients spread over them) on the same etcd; and what security costs: the
same creates over TLS with authentication and authorization against a benchmark-only plaintext server.

Same machine, same run, same concurrency (1 and 64 clients). Last line: one JSON object.
    python -m tests.perf.api_vs_etcd [--count N] [--smoke]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import time

import uvloop

from api.client import Client
from tests.fixtures.apiserver import admin_client
from tests.fixtures.etcd import etcd_client
from tests.fixtures.pki import test_pki
from tests.fixtures.objects import pod
from tests.perf import plaintext_apiserver_for_benchmarks_only as plaintext
from tests.perf.harness import Component, control_plane, free_port, interruptible, percentile, wait_until

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
        etcd_clients = [etcd_client(etcd.endpoint) for _ in range(CHANNELS)]  # TLS, as the API server's
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


async def security_cost(count: int, concurrency: int = 64) -> dict:
    """Creates/s over TLS with authentication and authorization, and through the plaintext server, on
    one etcd: the ratio is what security leaves of the throughput."""
    async with control_plane() as (etcd, address):
        bare_address = f"127.0.0.1:{free_port()}"
        ca, cert, key = test_pki().etcd_client_files()
        bare = Component("tests.perf.plaintext_apiserver_for_benchmarks_only", "--listen", bare_address,
                         "--etcd-servers", etcd.endpoint, "--etcd-cafile", ca, "--etcd-certfile", cert,
                         "--etcd-keyfile", key)
        secure = [admin_client(address) for _ in range(CHANNELS)]
        unchecked = [Client(bare_address, 30, credentials=plaintext.LOOPBACK_CREDENTIALS) for _ in range(CHANNELS)]
        try:
            async def answers():
                if bare.process.poll() is not None:
                    raise RuntimeError("the plaintext server exited:\n" + bare.output())
                try:
                    await unchecked[0].version()
                    return True
                except Exception:
                    return False
            await wait_until(answers, 30, "the plaintext server")
            rates = {}
            for label, clients in (("warm", secure), ("tls", secure), ("plain", unchecked), ("tls2", secure)):
                async def create(w, i, label=label, clients=clients):
                    await clients[w % CHANNELS].create(sample_pod(f"{label}-{i:06d}"))
                rates[label], _ = await run_concurrently(count if label != "warm" else min(count, 200),
                                                         concurrency, create)
        finally:
            for c in secure + unchecked:
                await c.close()
            bare.stop()
    tls = (rates["tls"] + rates["tls2"]) / 2  # before and after the plaintext run: drift evens out
    return {"tls_authz_creates_per_s": round(tls, 1), "plaintext_creates_per_s": round(rates["plain"], 1),
            "ratio_tls_authz_vs_plaintext": round(tls / rates["plain"], 3)}


def main() -> None:
    interruptible()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", type=int, default=4000, help="operations per measurement (default %(default)s)")
    p.add_argument("--smoke", action="store_true", help="a tiny run that only proves the benchmark works")
    args = p.parse_args()
    uvloop.install()
    count = 200 if args.smoke else args.count
    one = asyncio.run(bench(count, apiservers=1))
    two = asyncio.run(bench(count, apiservers=2))
    security = asyncio.run(security_cost(count))
    print(f"security: {json.dumps(security)}", flush=True)
    print(json.dumps({**one, "two_apiservers": two, "ratio_two_apiservers": two["ratio"], "security": security,
                      "ratio_tls_authz_vs_plaintext": security["ratio_tls_authz_vs_plaintext"],
                      "scaling_two_vs_one": round(two["api_creates_per_s"] / one["api_creates_per_s"], 2)}))


if __name__ == "__main__":
    main()
