"""Control-plane load from hollow nodes (as kubemark): N hollow agents in one or more processes, P pods scheduled onto
them and seen Running; reports API latency and the control plane's memory.

    python -m tests.perf.hollow_scale --nodes 1000 --pods 30000 [--smoke]   (last line: JSON)
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from api import errors, meta
from api.client import Client
from tests.fixtures.apiserver import admin_client
from tests.fixtures.objects import from_yaml
from tests.fixtures.pki import test_pki
from tests.perf.harness import Component, control_plane, cpu_seconds, interruptible, percentile, pid_of, rss_mb

POD = """
apiVersion: v1
kind: Pod
metadata: {{name: {name}, labels: {{app: hollow}}}}
spec:
  terminationGracePeriodSeconds: 0
  containers: [{{name: app, image: busybox:latest, imagePullPolicy: IfNotPresent}}]
"""
CREATE_CONCURRENCY = 64


class Counter:
    """One watch on pods: how many are Running."""

    def __init__(self, client: Client):
        self.client = client
        self.running: set[str] = set()
        self.task = asyncio.create_task(self._run())

    async def _run(self):
        while True:
            try:
                async for event in self.client.watch("Pod", "default"):
                    pod = event.object
                    if pod is not None and event.type != "DELETED" and pod.status.phase == "Running":
                        self.running.add(pod.metadata.name)
            except errors.ApiError:
                await asyncio.sleep(0.5)


async def probe_latency(client: Client, samples: list[float], stop: asyncio.Event, node: str) -> None:
    """A steady trickle of reads (get a node, list a page of pods), as users and controllers do."""
    while not stop.is_set():
        began = time.perf_counter()
        try:
            await client.get("Node", node)
            await client.list_page("Pod", "default", limit=50)
            samples.append((time.perf_counter() - began) / 2)
        except errors.ApiError:
            pass
        await asyncio.sleep(0.1)


def _processes(etcd, servers: list[str], hollows: list[Component], use_scheduler: bool) -> dict[str, int]:
    """Each process of the run by name, with its pid: this benchmark's own is "client"."""
    port = servers[0].rpartition(":")[2]
    named = {"etcd": etcd.proc.pid, "client": os.getpid()}
    named.update({f"apiserver_{i}": pid_of("controlplane.apiserver.main", s.rpartition(":")[2])
                  for i, s in enumerate(servers)})
    if use_scheduler:
        named["scheduler"] = pid_of("controlplane.scheduler.main", port)
        named["controller_manager"] = pid_of("controlplane.controllers.main", port)
    named.update({f"hollow_{i}": hollow.process.pid for i, hollow in enumerate(hollows)})
    return named


def cpu_per_pod(before: dict[str, float], after: dict[str, float], pods: int) -> dict[str, float]:
    """Milliseconds of CPU (user + system) each process spent per pod between two readings, and their total:
    on a shared machine this varies far less than pods per second, and says where the time goes."""
    spent = {name: round(1000 * (after[name] - before[name]) / pods, 2) for name in before}
    spent["total"] = round(sum(spent.values()), 2)
    return spent


async def wait_for(condition, timeout: float, what: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        result = await condition() if asyncio.iscoroutinefunction(condition) else condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout:.0f}s")
        await asyncio.sleep(interval)


_last_progress = 0.0


def progress(line: str, every: float = 10.0) -> None:
    """A line on stderr at most every `every` seconds: a long run shows where it is."""
    global _last_progress
    if time.monotonic() - _last_progress >= every:
        _last_progress = time.monotonic()
        print(line, file=sys.stderr, flush=True)


def hollow_names(nodes: int, processes: int) -> list[tuple[str, int]]:
    """(node name prefix, count) for each hollow agent process: the nodes split as evenly as can be."""
    return [(f"hollow{k}" if processes > 1 else "hollow", nodes // processes + (k < nodes % processes))
            for k in range(processes)]


async def main(nodes: int, pods: int, use_scheduler: bool, apiservers: int = 1, hollow_processes: int = 1,
               at_rest: float = 0.0) -> dict:
    """The run, in a working directory (the admin kubeconfig, the hollow agents' state) removed afterwards."""
    # The agents' pod files (ServiceAccount token volumes, /etc/hosts, termination logs; ~12 KB a pod) on a
    # tmpfs, as a kubelet's projected volumes are: on /tmp's ext4 a quarter of the hollow process's CPU was
    # kernel time (a sixth on tmpfs), taken from the control plane this machine is measuring.
    shm = "/dev/shm" if os.path.isdir("/dev/shm") else None
    with tempfile.TemporaryDirectory(prefix="skiff-hollow-", dir=shm) as work:
        return await _run(Path(work), nodes, pods, use_scheduler, apiservers, hollow_processes, at_rest)


async def _run(work: Path, nodes: int, pods: int, use_scheduler: bool, apiservers: int, hollow_processes: int,
               at_rest: float) -> dict:
    extra = []
    if use_scheduler:
        extra = [("controlplane.scheduler.main", "--log-level", "WARNING"),
                 ("controlplane.controllers.main", "--log-level", "WARNING", "--cluster-cidr", "10.244.0.0/16",
                  "--node-cidr-mask-size", "26" if nodes > 256 else "24")]
    result: dict = {"benchmark": "hollow_scale", "nodes": nodes, "pods": pods, "scheduler": use_scheduler,
                    "apiservers": apiservers, "hollow_processes": hollow_processes}
    groups = hollow_names(nodes, hollow_processes)
    node_names = [f"{prefix}-{i}" for prefix, count in groups for i in range(count)]
    async with control_plane(*extra, apiservers=apiservers) as (etcd, address):
        servers = address.split(",")
        kubeconfig = test_pki().kubeconfig(servers[0], work / "admin.conf")
        # Spread the load: the scheduler and controllers start on the first API server, the hollow fleet's
        # watches on the last and its nodes on each server in turn, the creates alternate; every one of them
        # is given all the servers and fails over.
        # One process simulates many agents on one core; several processes spread them over the cores.
        hollows = [Component("nodeagent.main", "--kubeconfig", str(kubeconfig),
                             "--server", ",".join(servers[-1:] + servers[:-1]), "--runtime", "fake",
                             "--hollow", str(count), "--node-name", prefix, "--node-ip", "127.0.0.1",
                             "--log-level", "WARNING", "--state-dir", str(work / prefix))
                   for prefix, count in groups]
        writers = [admin_client(",".join(servers[i:] + servers[:i]), timeout=60) for i in range(len(servers))]
        try:
            async with admin_client(address, timeout=60) as client:
                began = time.perf_counter()

                async def all_ready():
                    for hollow in hollows:
                        if hollow.process.poll() is not None:
                            raise RuntimeError("hollow agents exited:\n" + hollow.output())
                    try:
                        listed = await client.list("Node", page_size=500)
                    except errors.Unavailable:
                        return False  # a loaded machine: a handshake or a call timed out; ask again
                    ready = [n for n in listed.items if any(c.type == "Ready" and c.status == "True"
                                                            for c in n.status.conditions)]
                    progress(f"{len(ready)}/{nodes} nodes Ready")
                    return len(ready) >= nodes
                await wait_for(all_ready, 600, f"{nodes} hollow nodes Ready", 1.0)
                result["nodes_ready_s"] = round(time.perf_counter() - began, 1)

                counter = Counter(client)
                stop = asyncio.Event()
                probes: list[float] = []
                prober = asyncio.create_task(probe_latency(client, probes, stop, node_names[0]))
                creates: list[float] = []
                failures: list[str] = []
                limit = asyncio.Semaphore(CREATE_CONCURRENCY)
                # Parsed once: parsing 30,000 manifests cost the load generator a core for half a minute,
                # taken from the control plane it measures on this 2-core machine.
                template = from_yaml(POD.format(name="p"))

                async def create(i: int):
                    async with limit:
                        pod = meta.copy(template)
                        pod.metadata.name = f"p{i}"
                        if not use_scheduler:  # no scheduler: place the bare pod by hand, round-robin
                            pod.spec.node_name = node_names[i % nodes]
                        t = time.perf_counter()
                        for attempt in range(5):
                            try:
                                await writers[i % len(writers)].create(pod)
                                break
                            except errors.AlreadyExists:
                                break  # an earlier attempt was applied before its answer was lost
                            except errors.ApiError as e:
                                # a call cut off (CANCELLED, UNAVAILABLE): counted, retried, not fatal
                                failures.append(f"{type(e).__name__}: {e.message}")
                                if attempt == 4:
                                    raise
                        creates.append(time.perf_counter() - t)
                        progress(f"{len(creates)}/{pods} pods created")
                processes = _processes(etcd, servers, hollows, use_scheduler)
                cpu_before = {name: cpu_seconds(pid) for name, pid in processes.items()}
                began = time.perf_counter()
                await asyncio.gather(*(create(i) for i in range(pods)))
                result["create_s"] = round(time.perf_counter() - began, 1)
                result["create_retries"] = len(failures)
                if failures:
                    print(f"{len(failures)} create(s) retried, e.g. {failures[0]}", flush=True)
                def all_running():
                    progress(f"{len(counter.running)}/{pods} pods Running")
                    return len(counter.running) >= pods
                await wait_for(all_running, 1800, f"{pods} pods Running", 1.0)
                result["all_running_s"] = round(time.perf_counter() - began, 1)
                result["running_per_s"] = round(pods / result["all_running_s"], 1)  # end to end, from the first create
                result["cpu_ms_per_pod"] = cpu_per_pod(cpu_before, {n: cpu_seconds(p) for n, p in processes.items()},
                                                       pods)
                if at_rest:
                    # Work still owed when every pod runs (events queued behind the pods), then what the
                    # running fleet costs when nothing changes (leases, node status, resyncs).
                    listed = await client.list("Event", "default", page_size=500)
                    result["events_when_running"] = len(listed.items)
                    before = {n: cpu_seconds(p) for n, p in processes.items()}
                    await asyncio.sleep(at_rest)
                    result["cores_at_rest"] = {n: round((cpu_seconds(p) - before[n]) / at_rest, 3)
                                               for n, p in processes.items()}
                stop.set()
                await prober
                counter.task.cancel()
                result["create_latency"] = {"p50_ms": round(1000 * percentile(creates, 50), 1),
                                            "p99_ms": round(1000 * percentile(creates, 99), 1)}
                result["read_latency"] = {"n": len(probes), "p50_ms": round(1000 * percentile(probes, 50), 1),
                                          "p99_ms": round(1000 * percentile(probes, 99), 1)}
                port = servers[0].rpartition(":")[2]
                result["rss_mb"] = {
                    "etcd": rss_mb(etcd.proc.pid),
                    "apiserver": rss_mb(pid_of("controlplane.apiserver.main", port)),
                    **{f"apiserver_{i + 1}": rss_mb(pid_of("controlplane.apiserver.main", s.rpartition(":")[2]))
                       for i, s in enumerate(servers[1:], start=1)},
                    "scheduler": rss_mb(pid_of("controlplane.scheduler.main", port)) if use_scheduler else None,
                    "controller_manager": rss_mb(pid_of("controlplane.controllers.main", port))
                    if use_scheduler else None,
                    "hollow_agents": [rss_mb(hollow.process.pid) for hollow in hollows],
                }
        finally:
            for writer in writers:
                await writer.close()
            for hollow in hollows:
                hollow.stop()
    return result


if __name__ == "__main__":
    interruptible()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--pods", type=int, default=30000)
    parser.add_argument("--apiservers", type=int, default=1, help="API server processes (default 1)")
    parser.add_argument("--hollow-processes", type=int, default=1, metavar="N",
                        help="hollow agent processes the nodes are split over (default 1; one process uses one core)")
    parser.add_argument("--smoke", action="store_true", help="20 nodes, 200 pods (CI)")
    parser.add_argument("--at-rest", type=float, default=0.0, metavar="SECONDS",
                        help="once every pod runs, count the Events written so far, then measure for SECONDS the "
                             "cores each process still uses (default 0: not measured)")
    parser.add_argument("--no-scheduler", action="store_true",
                        help="bind pods by hand instead of running the scheduler and controller manager")
    args = parser.parse_args()
    nodes, pods = (20, 200) if args.smoke else (args.nodes, args.pods)
    if args.hollow_processes < 1 or args.hollow_processes > nodes:
        parser.error(f"--hollow-processes must be between 1 and the number of nodes ({nodes})")
    if args.at_rest < 0:
        parser.error("--at-rest must be 0 or more seconds")
    print(json.dumps(asyncio.run(main(nodes, pods, not args.no_scheduler, args.apiservers, args.hollow_processes,
                                      args.at_rest))))
