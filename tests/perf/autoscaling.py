"""Benchmark: a stepped CPU load (none, high, none) against an HPA with a 50% cpu target, through the real
API server, controller manager (Deployment, ReplicaSet, HPA controllers) and metrics API; a simulated node
spreads the load evenly over the ready pods and reports their usage every second.

Measured against the ideal autoscaler in the same run (replicas = ceil(load / target) at every instant):
time to the first scale-up, time to the steady count, overshoot, time back down, and replica-seconds as a
ratio of the ideal's. Writes the curve (load, average utilization, replicas over time) as a PNG.

    python -m tests.perf.autoscaling [--high 60] [--png autoscaling.png] [--smoke]
Last line: one JSON object.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import tempfile
import time

from api import errors, meta
from proto import api_pb2, types_pb2
from tests.fixtures.apiserver import admin_client
from tests.fixtures.objects import from_yaml
from tests.perf.harness import control_plane, interruptible

REQUEST_M = 100  # each pod requests 100m
TARGET = 50  # percent of the request
HIGH_M = 450  # the high load: 450m, so the ideal is ceil(450 / 50) = 9 pods
IDLE_M = 10
MIN, MAX = 1, 12
SYNC_S = 1.0
RESOLUTION_S = 1.0
NODE = "sim"

DEPLOYMENT = f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: default}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers: [{{name: app, image: busybox:latest, resources: {{requests: {{cpu: {REQUEST_M}m}}}}}}]
"""
HPA = f"""
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: web, namespace: default}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}
  minReplicas: {MIN}
  maxReplicas: {MAX}
  metrics: [{{type: Resource, resource: {{name: cpu, target: {{type: Utilization, averageUtilization: {TARGET}}}}}}}]
"""


def ideal(load_m: float) -> int:
    return min(MAX, max(MIN, math.ceil(load_m / (REQUEST_M * TARGET / 100))))


class SimulatedNode:
    """Binds the pods, makes them Running and Ready, and reports the load spread over the ready ones."""

    def __init__(self, client):
        self.client = client
        self.load_m = IDLE_M
        self.ready: list[types_pb2.Pod] = []

    async def run(self) -> None:
        await self.client.create(from_yaml(f"apiVersion: v1\nkind: Node\nmetadata: {{name: {NODE}}}\n"
                                           "status: {allocatable: {cpu: '64', memory: 64Gi, pods: '110'}}"))
        while True:
            pods = [p for p in (await self.client.list("Pod", "default")).items if not p.metadata.deletion_timestamp]
            ready = []
            for pod in pods:
                with contextlib.suppress(errors.ApiError):
                    if not pod.spec.node_name:
                        await self.client.bind("default", pod.metadata.name, NODE)
                    elif pod.status.phase != "Running":
                        pod.status.phase = "Running"
                        pod.status.start_time = meta.now_text()
                        meta.set_condition(pod.status.conditions, "Ready", "True")
                        await self.client.update_status(pod)
                    else:
                        ready.append(pod)
            self.ready = ready
            share = int(self.load_m / max(len(ready), 1) * 1_000_000)
            request = api_pb2.PushMetricsRequest(node_name=NODE, pods=[api_pb2.PodMetrics(
                metadata=types_pb2.ObjectMeta(name=p.metadata.name, namespace="default", uid=p.metadata.uid),
                timestamp=meta.now_text(), window_seconds=RESOLUTION_S,
                containers=[api_pb2.ContainerMetrics(name="app", cpu_nanocores=share)]) for p in ready])
            with contextlib.suppress(errors.ApiError):
                await self.client.push_metrics(request)
            await asyncio.sleep(RESOLUTION_S)


async def bench(idle_s: float, high_s: float, after_s: float, window: float) -> tuple[dict, list]:
    manager = ("controlplane.controllers.main", "--controllers", "deployment,replicaset,horizontalpodautoscaling",
               "--horizontal-pod-autoscaler-sync-period", str(SYNC_S),
               "--horizontal-pod-autoscaler-downscale-stabilization", str(window), "--log-level", "WARNING")
    samples = []  # (t, load m, average utilization %, replicas, ready pods)
    async with control_plane(manager) as (etcd, address):
        async with admin_client(address, timeout=30) as client:
            await client.create(from_yaml(DEPLOYMENT))
            await client.create(from_yaml(HPA))
            node = SimulatedNode(client)
            task = asyncio.create_task(node.run())
            try:
                began = time.monotonic()
                phases = [(idle_s, IDLE_M), (high_s, HIGH_M), (after_s, IDLE_M)]
                end = sum(p[0] for p in phases)
                while (t := time.monotonic() - began) < end:
                    elapsed, load = 0.0, IDLE_M
                    for length, level in phases:
                        if t < elapsed + length:
                            load = level
                            break
                        elapsed += length
                    node.load_m = load
                    replicas = (await client.get_scale("Deployment", "web")).spec.replicas
                    used = load / max(len(node.ready), 1) / REQUEST_M * 100 if node.ready else 0.0
                    samples.append((round(t, 2), load, round(used, 1), replicas, len(node.ready)))
                    await asyncio.sleep(0.5)
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    return summarize(samples, idle_s, high_s), samples


def summarize(samples: list, idle_s: float, high_s: float) -> dict:
    up_at, down_at = idle_s, idle_s + high_s
    steady = ideal(HIGH_M)
    first_up = next((t for t, _, _, r, _ in samples if t >= up_at and r > MIN), None)
    reached = next((t for t, _, _, r, _ in samples if t >= up_at and r >= steady), None)
    back = next((t for t, _, _, r, _ in samples if t >= down_at and r == MIN), None)
    high = [r for t, _, _, r, _ in samples if up_at <= t < down_at + 5]
    dt = 0.5
    actual = sum(r for *_, r, _ in samples) * dt
    wanted = sum(ideal(load) for _, load, *_ in samples) * dt
    return {
        "target_percent": TARGET, "high_load_m": HIGH_M, "ideal_replicas": steady,
        "first_scale_up_s": round(first_up - up_at, 1) if first_up is not None else None,
        "steady_s": round(reached - up_at, 1) if reached is not None else None,
        "overshoot": round(max(high, default=0) / steady - 1, 3),
        "scale_down_s": round(back - down_at, 1) if back is not None else None,
        "replica_seconds_vs_ideal": round(actual / wanted, 3) if wanted else None,
    }


def draw(samples: list, path: str, idle_s: float, high_s: float, window: float) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = [s[0] for s in samples]
    fig, left = plt.subplots(figsize=(10, 5))
    left.plot(t, [s[1] / REQUEST_M * 100 for s in samples], color="tab:gray", label="load (% of one pod's request)")
    left.plot(t, [s[2] for s in samples], color="tab:orange", label="average utilization (%)")
    left.axhline(TARGET, color="tab:orange", linestyle=":", label=f"target {TARGET}%")
    left.set_xlabel("seconds")
    left.set_ylabel("percent of request")
    right = left.twinx()
    right.step(t, [s[3] for s in samples], where="post", color="tab:blue", label="replicas")
    right.step(t, [ideal(s[1]) for s in samples], where="post", color="tab:blue", linestyle="--", alpha=0.5,
               label="ideal replicas")
    right.set_ylabel("replicas")
    right.set_ylim(0, MAX + 1)
    for x in (idle_s, idle_s + high_s):
        left.axvline(x, color="black", linewidth=0.5)
    lines = left.get_legend_handles_labels()
    more = right.get_legend_handles_labels()
    left.legend(lines[0] + more[0], lines[1] + more[1], loc="upper right", fontsize="small")
    left.set_title(f"HPA, target {TARGET}% cpu: stepped load (sync {SYNC_S:g}s, scale-down window {window:g}s)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main() -> None:
    interruptible()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--high", type=float, default=60, help="seconds of high load (default %(default)s)")
    p.add_argument("--window", type=float, default=20,
                   help="the scale-down stabilization window, seconds (Kubernetes: 300; default %(default)s)")
    p.add_argument("--png", default=None,
                   help="where to draw the curve (default autoscaling.png; a temporary file with --smoke)")
    p.add_argument("--smoke", action="store_true", help="a short run that only proves the benchmark works")
    args = p.parse_args()
    # the smoke run only proves every phase runs (its figures may be None): a few seconds each
    idle, high, window = (2, 8, 2) if args.smoke else (10, args.high, args.window)
    png = args.png or (os.path.join(tempfile.gettempdir(), "skiff-autoscaling-smoke.png") if args.smoke
                       else "autoscaling.png")
    after = window + (6 if args.smoke else 20)
    result, samples = asyncio.run(bench(idle, high, after, window))
    draw(samples, png, idle, high, window)
    print(json.dumps({"benchmark": "autoscaling", **result, "sync_period_s": SYNC_S, "window_s": window,
                      "png": os.path.abspath(png)}))


if __name__ == "__main__":
    main()
