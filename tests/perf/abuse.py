"""Abuse: one object updated in a loop, 10,000 watches, a client that never reads its watch, a LIST of
50,000 objects without a limit. For each: the API server's memory, and a bystander's read latency meanwhile.

    python -m tests.perf.abuse [--smoke]
Last line: one JSON object. The bound: watch history <= 16 MiB of stored bytes per kind, <= 10,000 queued
events per watcher (then it is dropped and told to re-list); a LIST without limit holds its answer once;
<= 16,384 calls at once per client connection (watches included, ~30 KiB each; more wait on the client).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import time

import uvloop

from api import errors
from api.client import Client
from tests.fixtures.apiserver import admin_client
from controlplane.apiserver import watchcache
from tests.fixtures.objects import deployment, pod
from tests.perf.harness import control_plane, cpu_seconds, interruptible, percentile, pid_of, rss_mb

BLOB = "x" * (200 * 1024)


class Bystander:
    """Another client reading one object every 50 ms: its latencies say whether others are still served."""

    def __init__(self, address: str):
        self.client = admin_client(address, timeout=30)
        self.samples: list[float] = []
        self.task: asyncio.Task | None = None

    async def _run(self):
        while True:
            t = time.perf_counter()
            await self.client.get("Pod", "bystander")
            self.samples.append(time.perf_counter() - t)
            await asyncio.sleep(0.05)

    def start(self):
        self.samples = []
        self.task = asyncio.create_task(self._run())

    async def stop(self) -> dict:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)
        return {"reads": len(self.samples), "p99_ms": round(1000 * percentile(self.samples, 99), 1)
                if self.samples else None}


async def _creates(client: Client, count: int, prefix: str, concurrency: int = 64) -> None:
    pending = iter(range(count))

    async def worker():
        for i in pending:
            await client.create(pod(f"{prefix}-{i}"))
    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def update_loop(client: Client, n: int) -> dict:
    d = deployment("big", 1)
    d.metadata.annotations["example.com/blob"] = BLOB
    d = await client.create(d)
    for i in range(n):
        d.spec.template.metadata.annotations["round"] = str(i)
        d = await client.update(d)
    return {"updates": n, "object_kb": len(BLOB) // 1024}


async def cpu_cores(pid: int, seconds: float) -> float:
    """The cores a process used over the next `seconds` (1.0: one core busy all along)."""
    cpu, t = cpu_seconds(pid), time.perf_counter()
    await asyncio.sleep(seconds)  # the measuring window itself
    return round((cpu_seconds(pid) - cpu) / (time.perf_counter() - t), 3)


async def many_watches(client: Client, n: int, pid: int, idle_s: float) -> dict:
    """`n` watches from one client, each counted open at its first event (the cache's bookmark), and each
    one the server ended (refused or cancelled) counted too; the API server's CPU over `idle_s` with
    nothing changing, before the watches and while they are all open (what idle watchers cost)."""
    opened = refused = 0
    all_open = asyncio.Event()
    rss_before = rss_mb(pid)
    cores_before = await cpu_cores(pid, idle_s)

    async def one():
        nonlocal opened, refused
        first = True
        try:
            async for _ in client.watch("Node", resource_version="1"):
                if first:
                    first, opened = False, opened + 1
                    if opened == n:
                        all_open.set()
        except errors.ApiError:
            refused += 1
    tasks = [asyncio.create_task(one()) for _ in range(n)]
    began = time.perf_counter()
    try:
        # until all are open, or their count stops growing for 5 s (a connection's streams are limited)
        last, still_since = -1, time.perf_counter()
        while not all_open.is_set() and time.perf_counter() - still_since < 5:
            if opened != last:
                last, still_since = opened, time.perf_counter()
            await asyncio.sleep(0.2)
        open_s = time.perf_counter() - began
        rss_open = rss_mb(pid)
        began = time.perf_counter()
        await client.create(pod("after-watches"))  # a write still served while they are all open
        create_ms = 1000 * (time.perf_counter() - began)
        cores_open = await cpu_cores(pid, idle_s)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return {"watches": n, "answered": opened, "refused": refused, "open_s": round(open_s, 1),
            "create_while_open_ms": round(create_ms, 1),
            "idle_cpu_cores_before": cores_before, "idle_cpu_cores_open": cores_open,
            "rss_kib_per_watch": round(1024 * (rss_open - rss_before) / max(opened, 1), 1)}


async def never_reading(address: str, client: Client, events: int) -> dict:
    """A watch (on its own connection) read once, then never again while `events` changes happen."""
    async with admin_client(address) as idle:
        stream = idle.watch("Pod", resource_version="")
        await stream.__anext__()
        await _creates(client, events, "unread")
        await stream.aclose()
    return {"events_unread": events, "watcher_queue_limit": watchcache.WATCHER_QUEUE}


async def big_list(client: Client, n: int, have: int) -> dict:
    if n > have:
        await _creates(client, n - have, "bulk")
    t = time.perf_counter()
    first = await client.list_page("Pod")  # no limit asked: the server still cuts its answer by size
    pages = 1
    items, token = len(first.items), first.continue_token
    while token:
        page = await client.list_page("Pod", continue_token=token)
        items, token, pages = items + len(page.items), page.continue_token, pages + 1
    return {"objects": items, "first_answer": len(first.items), "answers": pages,
            "list_s": round(time.perf_counter() - t, 2)}


async def bench(smoke: bool, only: list[str] | None = None) -> dict:
    sizes = {"updates": 100, "watches": 300, "unread": 500, "list": 1000} if smoke else \
        {"updates": 3000, "watches": 10_000, "unread": 12_000, "list": 50_000}
    result: dict = {"sizes": sizes}
    async with control_plane() as (_, address):
        pid = pid_of("controlplane.apiserver.main", address.rpartition(":")[2])
        async with admin_client(address, timeout=120) as client:
            await client.create(pod("bystander"))
            result["rss_mb_idle"] = rss_mb(pid)
            bystander = Bystander(address)
            cases = [
                ("update_loop", lambda: update_loop(client, sizes["updates"])),
                ("watches", lambda: many_watches(client, sizes["watches"], pid, 1 if smoke else 10)),
                ("never_reading", lambda: never_reading(address, client, sizes["unread"])),
                ("list_without_limit", lambda: big_list(client, sizes["list"], sizes["unread"] + 2)),
            ]
            for name, case in cases:
                if only and name not in only:
                    continue
                peak = rss_mb(pid)
                sampling = True

                async def sample():
                    nonlocal peak
                    while sampling:
                        peak = max(peak, rss_mb(pid))
                        await asyncio.sleep(0.1)
                sampler = asyncio.create_task(sample())
                bystander.start()
                t = time.perf_counter()
                figures = await case()
                figures["seconds"] = round(time.perf_counter() - t, 1)
                figures["bystander"] = await bystander.stop()
                sampling = False
                await sampler
                figures["apiserver_rss_mb_peak"] = peak
                figures["apiserver_rss_mb_after"] = rss_mb(pid)
                result[name] = figures
                print(f"{name}: {json.dumps(figures)}", flush=True)
            await bystander.client.close()
    return result


def main(argv: list[str] | None = None) -> int:
    interruptible()
    p = argparse.ArgumentParser(prog="python -m tests.perf.abuse", description=__doc__.split("\n")[0])
    p.add_argument("--smoke", action="store_true", help="small sizes, for CI")
    p.add_argument("--only", nargs="*", default=[], metavar="CASE",
                   help="run only these cases (update_loop, watches, never_reading, list_without_limit)")
    args = p.parse_args(argv)
    uvloop.install()
    print(json.dumps(asyncio.run(bench(args.smoke, args.only))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
