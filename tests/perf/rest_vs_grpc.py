"""Benchmark: the Kubernetes REST API against the gRPC API of the same API server, in one run.

Pod creates per second (64 concurrent callers) and the latency of listing every pod of a namespace
through each (REST until its last byte arrived, the client's JSON decoding reported apart); then
`kubectl get pods -A` against `skiff get pods -A` over all of them. Ratios are REST / gRPC speed
(>= 0.7 is the target). Last line: one JSON object.
    python -m tests.perf.rest_vs_grpc [--count N] [--smoke]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import uvloop

from api import kinds, manifest
from api.client import Client
from api import kubeconfig
from proto import types_pb2
from tests.fixtures.apiserver import admin_client
from tests.fixtures.pki import test_pki
from tests.fixtures.rest import trust
from tests.perf.api_vs_etcd import run_concurrently, sample_pod
from tests.perf.harness import control_plane, cpu_seconds, free_port, interruptible, percentile, pid_of

CONCURRENCY = 64
CHANNELS = 8
LIST_ROUNDS = 5
CLI_ROUNDS = 3


async def _namespace(client: Client, name: str) -> None:
    await client.create(kinds.BY_NAME["Namespace"].new(metadata=types_pb2.ObjectMeta(name=name)))


def _timed_run(argv: list[str], env: dict) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {done.stderr[-2000:]}")
    return elapsed, done.stdout


async def bench(count: int, workdir: Path) -> dict:
    cert = test_pki().ca.cert_pem  # the REST listener serves the API server's certificate of the cluster CA
    rest_address = f"127.0.0.1:{free_port()}"
    args = ("--rest-listen", rest_address)
    results: dict = {"count": count}
    async with control_plane(apiserver_args=args) as (_, address):
        clients = [admin_client(address) for _ in range(CHANNELS)]
        connector = aiohttp.TCPConnector(ssl=trust(cert, "admin"), limit=CONCURRENCY)  # gRPC's user, too
        session = aiohttp.ClientSession(f"https://{rest_address}", connector=connector)
        try:
            await _namespace(clients[0], "bench-grpc")
            await _namespace(clients[0], "bench-rest")

            async def grpc_create(w, i):
                await clients[w % CHANNELS].create(_in(f"g-{i:06d}", "bench-grpc"))

            async def rest_create(w, i):
                body = manifest.to_dict(_in(f"r-{i:06d}", "bench-rest"))
                async with session.post("/api/v1/namespaces/bench-rest/pods", json=body) as r:
                    if r.status != 201:
                        raise RuntimeError(f"REST create answered {r.status}: {await r.text()}")
                    await r.read()

            print(f"creating {count} pods through each API ...", file=sys.stderr, flush=True)
            # The API server's own CPU per create too: throughput on a shared 2-core machine swings with
            # whatever else runs, CPU time per request much less.
            server = pid_of("controlplane.apiserver.main", rest_address)
            cpu = cpu_seconds(server)
            grpc_rate, grpc_lat = await run_concurrently(count, CONCURRENCY, grpc_create)
            grpc_cpu, cpu = cpu_seconds(server) - cpu, cpu_seconds(server)
            rest_rate, rest_lat = await run_concurrently(count, CONCURRENCY, rest_create)
            rest_cpu = cpu_seconds(server) - cpu
            results["creates"] = {
                "grpc_per_s": round(grpc_rate, 1), "rest_per_s": round(rest_rate, 1),
                "ratio": round(rest_rate / grpc_rate, 3),
                "grpc_p99_ms": round(percentile(grpc_lat, 99), 2), "rest_p99_ms": round(percentile(rest_lat, 99), 2),
                "grpc_server_cpu_ms": round(grpc_cpu * 1000 / count, 3),
                "rest_server_cpu_ms": round(rest_cpu * 1000 / count, 3),
                "server_cpu_ratio": round(grpc_cpu / rest_cpu, 3) if rest_cpu else None}
            print(f"creates: {json.dumps(results['creates'])}", file=sys.stderr, flush=True)

            # REST: until the last byte is in (kubectl decodes JSON in Go; Python's json.loads of megabytes
            # would measure this client, not the server), its decoding reported on its own; gRPC: the
            # decoded list, its protobuf parsed in C.
            grpc_ms, rest_ms, decode_ms = [], [], []
            for _ in range(LIST_ROUNDS):
                start = time.perf_counter()
                listed = await clients[0].list("Pod", "bench-grpc")
                grpc_ms.append((time.perf_counter() - start) * 1000)
                assert len(listed.items) == count
                start = time.perf_counter()
                async with session.get("/api/v1/namespaces/bench-rest/pods") as r:
                    raw = await r.read()
                rest_ms.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                body = json.loads(raw)
                decode_ms.append((time.perf_counter() - start) * 1000)
                assert len(body["items"]) == count
            results["list"] = {"grpc_ms": round(statistics.median(grpc_ms), 1),
                               "rest_ms": round(statistics.median(rest_ms), 1),
                               "rest_python_json_decode_ms": round(statistics.median(decode_ms), 1),
                               "ratio": round(statistics.median(grpc_ms) / statistics.median(rest_ms), 3)}
            print(f"list: {json.dumps(results['list'])}", file=sys.stderr, flush=True)
        finally:
            await session.close()
            for c in clients:
                await c.close()

        results["cli"] = await asyncio.to_thread(_cli, address, rest_address, cert, workdir, 2 * count)
        print(f"cli: {json.dumps(results['cli'])}", file=sys.stderr, flush=True)
    results["ratio"] = results["creates"]["ratio"]
    return results


def _in(name: str, namespace: str):
    p = sample_pod(name)
    p.metadata.namespace = namespace
    return p


def _cli(grpc_address: str, rest_address: str, cert: bytes, workdir: Path, pods: int) -> dict:
    """`kubectl get pods -A` and `skiff get pods -A` over every pod: median wall time of a few runs."""
    config = workdir / "kubeconfig"
    pki = test_pki()
    config.write_text(kubeconfig.render(rest_address, cert, pki.cert("admin").read_bytes(),
                                        pki.key("admin").read_bytes()))
    skiff_config = test_pki().admin_kubeconfig(grpc_address)
    env = dict(os.environ, KUBECONFIG=str(config), KUBECACHEDIR=str(workdir / "kube-cache"),
               SKIFF_CONFIG=str(skiff_config))
    skiff = str(Path(sys.executable).parent / "skiff")
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        return {"skipped": "kubectl not on PATH"}
    times: dict[str, list[float]] = {"kubectl_s": [], "skiff_s": []}
    for _ in range(CLI_ROUNDS):
        elapsed, out = _timed_run([kubectl, "get", "pods", "-A"], env)
        times["kubectl_s"].append(elapsed)
        assert len(out.splitlines()) == pods + 1, "kubectl printed every pod"
        elapsed, out = _timed_run([skiff, "get", "pods", "-A"], env)
        times["skiff_s"].append(elapsed)
        assert len(out.splitlines()) == pods + 1, "skiff printed every pod"
    out = {k: round(statistics.median(v), 3) for k, v in times.items()}
    out["ratio"] = round(out["skiff_s"] / out["kubectl_s"], 3)
    return out


def main() -> None:
    interruptible()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", type=int, default=10_000, help="pods created through each API (default %(default)s)")
    p.add_argument("--smoke", action="store_true", help="a tiny run that only proves the benchmark works")
    args = p.parse_args()
    uvloop.install()
    with tempfile.TemporaryDirectory(prefix="rest-vs-grpc-") as workdir:
        print(json.dumps(asyncio.run(bench(100 if args.smoke else args.count, Path(workdir)))))


if __name__ == "__main__":
    main()
