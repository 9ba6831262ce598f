"""Benchmark: 500 containers' worth of probes on one node (exec through the fake runtime, httpGet and
tcpSocket to real HTTP servers on loopback in another process), first on the bare probe manager, then in a
real agent with the API server: CPU per probe run, event-loop lag, and how long a probe result change takes
to reach the pod's status (server flips to 500 -> callback -> status written, seen by a watch).
    python -m tests.perf.probe_load [--containers N] [--seconds S] [--no-agent] [--smoke]
Last line: one JSON object.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import uvloop

from tests.fixtures.apiserver import admin_client
from api.informer import Informer
from nodeagent import containers
from nodeagent.agent import NodeAgent
from nodeagent.config import AgentConfig
from nodeagent.podnetwork import SimulatedNetwork
from nodeagent.probes.manager import ProbeManager
from nodeagent.runtime.base import LABEL_POD_UID, ContainerSpec
from nodeagent.runtime.fake import FakeRuntime
from proto import types_pb2
from tests.fixtures.pki import test_pki
from tests.perf.harness import control_plane, interruptible, percentile, wait_until

HOST = "127.0.0.1"
SERVERS = 8  # HTTP servers (ports) in the helper process


# ------------------------------------------------------------ the HTTP servers (a separate process)

async def serve(count: int) -> None:
    """`GET /c/<i>` answers 200, or 500 once `GET /fail/<i>` was asked; prints the ports, runs until stdin closes."""
    failing: set[str] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ", 2)[1].decode()
            if path.startswith("/fail/"):
                failing.add(path[6:])
            code = 500 if path.startswith("/c/") and path[3:] in failing else 200
            writer.write(b"HTTP/1.1 %d X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n" % code)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    servers = [await asyncio.start_server(handle, HOST, 0, backlog=1024) for _ in range(count)]
    print(" ".join(str(s.sockets[0].getsockname()[1]) for s in servers), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


# ------------------------------------------------------------ the node side

def make_pod(i: int, port: int, host: str = HOST) -> types_pb2.Pod:
    """Readiness httpGet /c/<i> (period 1s, threshold 1), liveness exec, and for every fifth a tcpSocket startup."""
    pod = types_pb2.Pod(metadata=types_pb2.ObjectMeta(name=f"p{i}", namespace="default", uid=f"uid-{i}"))
    timing = dict(period_seconds=1, timeout_seconds=1, success_threshold=1, failure_threshold=1)
    c = pod.spec.containers.add(name="app", image="busybox:latest", image_pull_policy="IfNotPresent")
    c.readiness_probe.CopyFrom(types_pb2.Probe(http_get=types_pb2.HTTPGetAction(
        path=f"/c/{i}", port=types_pb2.IntOrString(int_value=port), host=host, scheme="HTTP"), **timing))
    c.liveness_probe.CopyFrom(types_pb2.Probe(exec=types_pb2.ExecAction(command=["cat", "/tmp/healthy"]),
                                              **{**timing, "failure_threshold": 3}))
    if i % 5 == 0:
        c.startup_probe.CopyFrom(types_pb2.Probe(tcp_socket=types_pb2.TCPSocketAction(
            port=types_pb2.IntOrString(int_value=port), host=host), **{**timing, "failure_threshold": 30}))
    return pod


async def loop_lag(samples: list[float], stop: asyncio.Event, interval: float = 0.02) -> None:
    while not stop.is_set():
        began = time.perf_counter()
        await asyncio.sleep(interval)
        samples.append(time.perf_counter() - began - interval)


async def http_get(port: int, path: str) -> None:
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    await reader.read()
    writer.close()


def ms(samples: list[float], q: float) -> float | None:
    return round(percentile(samples, q) * 1000, 1) if samples else None


async def bench(count: int, seconds: float, flips: int, with_agent: bool) -> dict:
    helper = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.perf.probe_load", "--serve", str(SERVERS),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        ports = [int(p) for p in (await helper.stdout.readline()).split()]
        result = await measure(count, seconds, flips, ports)
        if with_agent:
            # The manager phase left /fail/<i> set for some containers: the agent phase uses other paths.
            result.update(await measure_agent(count, seconds, flips, ports, offset=count))
        return result
    finally:
        helper.stdin.close()
        try:
            await asyncio.wait_for(helper.wait(), 5)
        except asyncio.TimeoutError:
            helper.kill()
            await helper.wait()


async def measure(count: int, seconds: float, flips: int, ports: list[int]) -> dict:
    runtime = FakeRuntime()
    changed: asyncio.Queue = asyncio.Queue()
    manager = ProbeManager(runtime, lambda uid: changed.put_nowait((uid, time.perf_counter())),
                           exec_concurrency=16)
    pods, observed = {}, {}
    for i in range(count):
        pod = make_pod(i, ports[i % len(ports)])
        spec = ContainerSpec(name=f"c{i}", image="busybox:latest", labels=containers.labels(pod, "app", "n1", 0))
        await runtime.start(await runtime.create(spec))
        pods[pod.metadata.uid] = pod
        observed[pod.metadata.uid] = await runtime.list({LABEL_POD_UID: pod.metadata.uid})
        manager.update_pod(pod, observed[pod.metadata.uid], pod_ip=HOST)

    # The pod workers' stand-in: on a callback, recompute the pod's readiness as status does.
    flipped_at: dict[str, float] = {}
    to_callback, to_status, callback_to_status = [], [], []

    async def status_syncer() -> None:
        while True:
            uid, at = await changed.get()
            ready = manager.readiness(pods[uid], observed[uid])
            now = time.perf_counter()
            if uid in flipped_at and ready.get("app") is False:
                began = flipped_at.pop(uid)
                to_callback.append(at - began)
                to_status.append(now - began)
                callback_to_status.append(now - at)

    lag: list[float] = []
    stop = asyncio.Event()
    tasks = [asyncio.create_task(status_syncer()), asyncio.create_task(loop_lag(lag, stop))]
    try:
        await asyncio.sleep(2.0)  # first-probe jitter spreads over one period; everyone is ready by now
        ready_now = sum(all(manager.readiness(pods[u], observed[u]).values()) for u in pods)
        runs_before = manager.probe_runs()
        cpu_before, wall_before = time.process_time(), time.perf_counter()
        lag.clear()
        step = seconds / (flips + 1)
        for n in range(flips):
            await asyncio.sleep(step)
            i = (n * 7919) % count
            uid = f"uid-{i}"
            flipped_at[uid] = time.perf_counter()
            await http_get(ports[i % len(ports)], f"/fail/{i}")
        await asyncio.sleep(max(step, 3.0))  # time for the last flip to be noticed (period 1s, threshold 1)
        cpu = time.process_time() - cpu_before
        wall = time.perf_counter() - wall_before
        runs = manager.probe_runs() - runs_before
    finally:
        stop.set()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        workers = manager.workers()
        await manager.stop()

    return {
        "containers": count, "probe_workers": workers, "ready_after_warmup": ready_now,
        "seconds": round(wall, 1), "probe_runs_per_s": round(runs / wall, 1),
        "agent_cpu_pct": round(100 * cpu / wall, 1),
        "cpu_us_per_probe": round(1e6 * cpu / max(runs, 1), 1),
        "loop_lag_p50_ms": ms(lag, 50), "loop_lag_p99_ms": ms(lag, 99),
        "loop_lag_max_ms": round(max(lag) * 1000, 1) if lag else None,
        "flips": flips, "flips_seen": len(to_status),
        "flip_to_callback_p50_ms": ms(to_callback, 50), "flip_to_callback_max_ms": ms(to_callback, 100),
        "callback_to_status_p50_ms": ms(callback_to_status, 50),
        "callback_to_status_max_ms": ms(callback_to_status, 100),
        "flip_to_status_p99_ms": ms(to_status, 99),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def ready(pod: types_pb2.Pod) -> bool:
    return any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions)


async def measure_agent(count: int, seconds: float, flips: int, ports: list[int], offset: int) -> dict:
    """The same probes in a NodeAgent (fake runtime, hostNetwork pods) writing status to a real API server."""
    state_dir = tempfile.mkdtemp(prefix="probe-load-")
    async with control_plane() as (_, address):
        client = admin_client(address, timeout=30)
        cfg = AgentConfig(server=address, node_name="probe-node", node_ip=HOST, listen_port=0, state_dir=state_dir,
                          tls=test_pki().agent_tls("probe-node", (HOST,)),
                          relist_period=1.0, lease_renew_interval=5.0, status_update_interval=5.0)
        agent = NodeAgent(cfg, client, FakeRuntime(), runtime_version="fake://0.1", network=SimulatedNetwork())
        pods = Informer(client, "Pod")
        flipped_at, callback_at, written_at = {}, {}, {}
        kick = agent.env.probes.on_change

        def on_change(uid: str) -> None:
            if uid in flipped_at and uid not in callback_at:
                callback_at[uid] = time.perf_counter()
            kick(uid)
        agent.env.probes.on_change = on_change

        def on_update(old, new) -> None:
            uid = new.metadata.uid
            if uid in flipped_at and uid not in written_at and not ready(new):
                written_at[uid] = time.perf_counter()
        pods.add_handlers(None, on_update)
        try:
            await agent.start()
            pods.start()
            await pods.wait_synced()
            began = time.perf_counter()
            limit = asyncio.Semaphore(32)

            async def create(i: int) -> None:
                pod = make_pod(offset + i, ports[i % len(ports)], host="")  # the pod IP: the node's, loopback
                pod.metadata.uid = ""
                pod.spec.node_name = cfg.node_name
                pod.spec.host_network = True
                async with limit:
                    await client.create(pod)
            await asyncio.gather(*(create(i) for i in range(count)))
            await wait_until(lambda: sum(ready(p) for p in pods.list()) == count, 120 + count / 5, "every pod Ready")
            all_ready_s = time.perf_counter() - began
            await asyncio.sleep(2.0)  # let the creation burst settle
            runs_before = agent.env.probes.probe_runs()
            cpu_before, wall_before = time.process_time(), time.perf_counter()
            by_name = {p.metadata.name: p.metadata.uid for p in pods.list()}
            step = seconds / (flips + 1)
            for n in range(flips):
                await asyncio.sleep(step)
                i = (n * 7919) % count
                flipped_at[by_name[f"p{offset + i}"]] = time.perf_counter()
                await http_get(ports[i % len(ports)], f"/fail/{offset + i}")
            await asyncio.sleep(max(step, 3.0))
            cpu, wall = time.process_time() - cpu_before, time.perf_counter() - wall_before
            runs = agent.env.probes.probe_runs() - runs_before
        finally:
            await pods.stop()
            await agent.stop()
            await client.close()
            shutil.rmtree(state_dir, ignore_errors=True)
    to_write = [written_at[u] - flipped_at[u] for u in written_at]
    callback_to_write = [written_at[u] - callback_at[u] for u in written_at if u in callback_at]
    return {
        "agent_pods_all_ready_s": round(all_ready_s, 1), "agent_probe_runs_per_s": round(runs / wall, 1),
        "agent_process_cpu_pct": round(100 * cpu / wall, 1),
        "agent_cpu_us_per_probe": round(1e6 * cpu / max(runs, 1), 1),
        "agent_flips_seen": len(to_write),
        "agent_flip_to_status_write_p50_ms": ms(to_write, 50), "agent_flip_to_status_write_max_ms": ms(to_write, 100),
        "agent_callback_to_status_write_p50_ms": ms(callback_to_write, 50),
        "agent_callback_to_status_write_max_ms": ms(callback_to_write, 100),
    }


def main() -> None:
    interruptible()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--containers", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--flips", type=int, default=20)
    parser.add_argument("--no-agent", action="store_true", help="only the bare probe manager, no API server")
    parser.add_argument("--smoke", action="store_true", help="a tiny run: 50 containers for 3 seconds")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve))
        return
    if args.smoke:
        args.containers, args.seconds, args.flips = 50, 3.0, 4
    uvloop.install()  # as the agent runs
    print(json.dumps(asyncio.run(bench(args.containers, args.seconds, args.flips, not args.no_agent))))


if __name__ == "__main__":
    main()
