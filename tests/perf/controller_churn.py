"""Benchmark: ReplicaSet churn through the real API server and etcd, with the controller manager and
the scheduler as processes and a fake agent (in here) marking bound pods Running and Ready.

Creates RS ReplicaSets of N replicas at once; measures until every pod exists, is bound and is Ready.
    python -m tests.perf.controller_churn [--replicasets 100] [--replicas 50] [--nodes 50] [--smoke]
Last line: one JSON object with pods_per_s (pods created by the controller per second).
"""
from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import time

import uvloop

from api import errors, manifest, meta
from api.client import Client
from tests.fixtures.apiserver import admin_client
from tests.perf.harness import control_plane, interruptible, wait_until

AGENT_WORKERS = 32
CHANNELS = 4


def _node(name: str, pods: int):
    obj, _ = manifest.from_dict({
        "apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
        "status": {"allocatable": {"cpu": "64", "memory": "256Gi", "pods": str(pods)},
                   "capacity": {"cpu": "64", "memory": "256Gi", "pods": str(pods)},
                   "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}]}})
    return obj


def _replica_set(name: str, replicas: int):
    obj, _ = manifest.from_dict({
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name, "namespace": "default"},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"rs": name}},
                 "template": {"metadata": {"labels": {"rs": name}},
                              "spec": {"containers": [{"name": "app", "image": "busybox:1.36"}]}}}})
    return obj


def _scheduler_usable() -> bool:
    return importlib.util.find_spec("controlplane.scheduler.main") is not None


class FakeCluster:
    """The agents' part (and, without a real scheduler, the scheduler's): bind, then mark Running+Ready."""

    def __init__(self, clients: list[Client], nodes: list[str], bind: bool):
        self.clients = clients
        self.nodes = nodes
        self.bind = bind
        self.queue: asyncio.Queue = asyncio.Queue()
        self.seen: dict[str, float] = {}
        self.bound: dict[str, float] = {}
        self.ready: dict[str, float] = {}
        self._next = 0

    def observe(self, pod) -> None:
        name = pod.metadata.name
        now = time.perf_counter()
        self.seen.setdefault(name, now)
        if pod.spec.node_name:
            self.bound.setdefault(name, now)
        c = meta.get_condition(pod.status.conditions, "Ready")
        if c is not None and c.status == "True":
            self.ready.setdefault(name, now)
        elif pod.spec.node_name or self.bind:
            self.queue.put_nowait(pod)

    async def work(self, client: Client) -> None:
        while True:
            pod = await self.queue.get()
            try:
                if not pod.spec.node_name:
                    if pod.metadata.name in self.bound:
                        continue
                    node = self.nodes[self._next % len(self.nodes)]
                    self._next += 1
                    await client.bind(pod.metadata.namespace, pod.metadata.name, node, pod.metadata.uid)
                    continue  # the watch brings it back bound
                if pod.metadata.name in self.ready or pod.status.phase == "Running":
                    continue
                pod.status.phase = "Running"
                meta.set_condition(pod.status.conditions, "Ready", "True")
                await client.update_status(pod)
            except (errors.Conflict, errors.NotFound):
                pass
            finally:
                self.queue.task_done()


async def bench(replicasets: int, replicas: int, nodes: int) -> dict:
    real_scheduler = _scheduler_usable()
    components = [("controlplane.controllers.main", "--log-level", "WARNING", "--controllers", "*,-nodelifecycle")]
    if real_scheduler:
        components.append(("controlplane.scheduler.main", "--log-level", "WARNING"))
    total = replicasets * replicas
    async with control_plane(*components) as (_, address):
        clients = [admin_client(address, timeout=60) for _ in range(CHANNELS)]
        watcher = admin_client(address, timeout=60)
        try:
            per_node = total // nodes + 10
            names = [f"node-{i:04d}" for i in range(nodes)]
            await asyncio.gather(*(clients[i % CHANNELS].create(_node(n, per_node)) for i, n in enumerate(names)))

            async def leading():
                try:
                    return (await watcher.get("Lease", "skiff-controller-manager", "kube-system")).spec.holder_identity
                except errors.NotFound:
                    return False
            await wait_until(leading, 60, "controller manager leader election")

            cluster = FakeCluster(clients, names, bind=not real_scheduler)
            start_version = (await watcher.list_page("Pod", "default", limit=1)).resource_version
            done = asyncio.Event()

            async def watch():
                async for event in watcher.watch("Pod", "default", resource_version=start_version):
                    if event.object is not None and event.type != "DELETED":
                        cluster.observe(event.object)
                        if len(cluster.ready) == total:
                            done.set()

            tasks = [asyncio.create_task(watch())]
            tasks += [asyncio.create_task(cluster.work(clients[i % CHANNELS])) for i in range(AGENT_WORKERS)]
            try:
                began = time.perf_counter()
                await asyncio.gather(*(clients[i % CHANNELS].create(_replica_set(f"rs-{i:03d}", replicas))
                                       for i in range(replicasets)))
                await asyncio.wait_for(done.wait(), timeout=900)
            finally:
                for t in tasks:
                    t.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
            exist_s = max(cluster.seen.values()) - began
            bound_s = max(cluster.bound.values()) - began
            ready_s = max(cluster.ready.values()) - began
            return {"replicasets": replicasets, "replicas": replicas, "pods": total,
                    "pods_per_s": round(total / exist_s, 1), "all_exist_s": round(exist_s, 2),
                    "all_bound_s": round(bound_s, 2), "all_ready_s": round(ready_s, 2),
                    "ready_per_s": round(total / ready_s, 1), "nodes": nodes,
                    "scheduler": "skiff-scheduler" if real_scheduler else "benchmark's fake binder"}
        finally:
            for c in (*clients, watcher):
                await c.close()


def main() -> None:
    interruptible()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--replicasets", type=int, default=100, help="ReplicaSets created at once (default %(default)s)")
    p.add_argument("--replicas", type=int, default=50, help="replicas of each (default %(default)s)")
    p.add_argument("--nodes", type=int, default=50, help="Node objects to place pods on (default %(default)s)")
    p.add_argument("--smoke", action="store_true", help="a tiny run that only proves the benchmark works")
    args = p.parse_args()
    sizes = (5, 10, 5) if args.smoke else (args.replicasets, args.replicas, args.nodes)
    uvloop.install()
    print(json.dumps(asyncio.run(bench(*sizes))))


if __name__ == "__main__":
    main()
