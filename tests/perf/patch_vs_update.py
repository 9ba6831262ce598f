"""Benchmark: the Patch verb against Update on the same Pods through the API server, same run.

Each operation changes one label of one of N Pods from 64 clients: Update sends the whole object,
Patch a strategic merge patch of the label (applied on the server in the same guaranteed-update loop).
The verbs take turns in short slices; `ratio` is patch/s over update/s, each over all its slices.
Last line: one JSON object. `python -m tests.perf.patch_vs_update [--count N] [--clients C] [--smoke]`
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics

import uvloop

from tests.fixtures.apiserver import admin_client
from tests.perf.api_vs_etcd import CHANNELS, run_concurrently, sample_pod
from tests.perf.harness import control_plane, interruptible, percentile

# The two verbs take turns in short slices (each slice's first verb alternating), and each rate is its
# operations over its summed time: load from elsewhere on a shared machine falls on both alike.
SLICES = 16


async def bench(count: int, clients: int, pods: int, slices: int = SLICES) -> dict:
    async with control_plane() as (_, address):
        api = [admin_client(address) for _ in range(CHANNELS)]
        try:
            created = []
            for i in range(pods):
                created.append(await api[i % CHANNELS].create(sample_pod(f"bench-{i:05d}")))

            async def update(w, i, mark="u"):
                obj = type(created[0])()
                obj.CopyFrom(created[i % pods])
                obj.metadata.resource_version = ""  # any version: the same guarantee a patch has
                obj.metadata.labels["round"] = f"{mark}{i}"
                await api[w % CHANNELS].update(obj)

            async def patch(w, i, mark="p"):
                await api[w % CHANNELS].patch("Pod", f"bench-{i % pods:05d}",
                                              {"metadata": {"labels": {"round": f"{mark}{i}"}}})

            await run_concurrently(min(count, 200), clients, lambda w, i: update(w, i, "warm"))
            seconds = {"update": 0.0, "patch": 0.0}
            latencies: dict[str, list[float]] = {"update": [], "patch": []}
            ops = {"update": update, "patch": patch}
            per_slice = max(count // slices, 1)
            slice_ratios = []
            for n in range(slices):
                rates = {}
                for name in (("update", "patch") if n % 2 == 0 else ("patch", "update")):
                    rate, lat = await run_concurrently(per_slice, clients,
                                                       lambda w, i, op=ops[name]: op(w, i, f"{name}{n}-"))
                    seconds[name] += per_slice / rate
                    latencies[name] += lat
                    rates[name] = rate
                slice_ratios.append(rates["patch"] / rates["update"])
                print(f"slice {n + 1}/{slices}: update {rates['update']:.1f}/s, patch {rates['patch']:.1f}/s",
                      flush=True)
            results = {name: {"per_s": round(per_slice * slices / seconds[name], 1),
                              "p50_ms": round(percentile(latencies[name], 50), 2),
                              "p99_ms": round(percentile(latencies[name], 99), 2)} for name in ops}
        finally:
            for c in api:
                await c.close()
    return {"clients": clients, "pods": pods, "count": count, "update": results["update"],
            "patch": results["patch"], "ratio": round(results["patch"]["per_s"] / results["update"]["per_s"], 3),
            "slice_ratio_median": round(statistics.median(slice_ratios), 3)}


def main() -> None:
    interruptible()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", type=int, default=8000,
                   help="operations of each verb, over all slices (default %(default)s)")
    p.add_argument("--slices", type=int, default=SLICES, help="turns each verb takes (default %(default)s)")
    p.add_argument("--clients", type=int, default=64, help="concurrent clients (default %(default)s)")
    p.add_argument("--pods", type=int, default=500, help="pods the operations spread over (default %(default)s)")
    p.add_argument("--smoke", action="store_true", help="a tiny run that only proves the benchmark works")
    args = p.parse_args()
    uvloop.install()
    count, pods, slices = (100, 20, 2) if args.smoke else (args.count, args.pods, args.slices)
    print(json.dumps(asyncio.run(bench(count, args.clients, pods, slices))))


if __name__ == "__main__":
    main()
