"""Time from create to all Running for N replicas: a skiff ReplicaSet in the lab, Docker Swarm, raw `docker run`.

`python -m tests.perf.replicaset_vs_swarm [--replicas 30] [--smoke]`; needs root and dockerd. Last line: JSON.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from api import manifest
from deploy.lab import cluster, demo
from deploy.lab import state as lab_state
from deploy.lab.plan import plan
from deploy.lab.down import leftovers
from tests.perf.harness import interruptible

IMAGE = "busybox:latest"
COMMAND = ["httpd", "-f"]
SERVICE = "skiff-bench"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def sh(*argv: str, check: bool = True) -> str:
    done = subprocess.run(argv, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise RuntimeError(f"`{' '.join(argv)}` failed: {done.stderr.strip()}")
    return done.stdout


def lab(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "deploy.lab", *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def wait(condition, timeout: float, what: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout:g}s")
        time.sleep(interval)


# -- skiff -----------------------------------------------------------------------------------------

def replicaset(replicas: int) -> dict:
    labels = {"app": SERVICE}
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": SERVICE, "namespace": "default"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"terminationGracePeriodSeconds": 1,
                                           "containers": [{"name": "httpd", "image": IMAGE, "command": COMMAND}]}}}}


async def time_skiff(replicas: int, timeout: float) -> float:
    async with cluster.admin_client(plan(lab_state.load().settings).admin_kubeconfig, timeout=10) as client:
        obj, _ = manifest.from_dict(replicaset(replicas))
        start = time.monotonic()
        await client.create(obj)
        await demo.wait_pods(client, f"app={SERVICE}", replicas, timeout)
        took = time.monotonic() - start
        await client.delete("replicasets", SERVICE)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (await client.list("pods", "default", label_selector=f"app={SERVICE}")).items:
            if loop.time() > deadline:
                raise TimeoutError(f"pods of {SERVICE} still there {timeout:g}s after deleting it")
            await asyncio.sleep(0.2)
    return took


# -- Docker Swarm ------------------------------------------------------------------------------------

def time_swarm(replicas: int, timeout: float) -> float:
    ours = sh("docker", "info", "--format", "{{.Swarm.LocalNodeState}}").strip() != "active"
    had_gwbridge = "docker_gwbridge" in sh("docker", "network", "ls", "--format", "{{.Name}}").split()
    if ours:
        sh("docker", "swarm", "init", "--advertise-addr", "127.0.0.1")
    try:
        start = time.monotonic()
        # --no-resolve-image: no registry is reachable; the image is local.
        sh("docker", "service", "create", "--detach", "--no-resolve-image", "--name", SERVICE,
           "--replicas", str(replicas), IMAGE, *COMMAND)

        def all_running():
            states = sh("docker", "service", "ps", SERVICE, "--filter", "desired-state=running",
                        "--format", "{{.CurrentState}}").splitlines()
            return sum(s.startswith("Running") for s in states) >= replicas
        wait(all_running, timeout, f"{replicas} swarm tasks Running")
        took = time.monotonic() - start
        sh("docker", "service", "rm", SERVICE)
        wait(lambda: not sh("docker", "ps", "-aq", "--filter", f"label=com.docker.swarm.service.name={SERVICE}"),
             timeout, "swarm containers gone", interval=0.3)
        return took
    finally:
        sh("docker", "service", "rm", SERVICE, check=False)
        if ours:
            sh("docker", "swarm", "leave", "--force", check=False)
            if not had_gwbridge:
                sh("docker", "network", "rm", "docker_gwbridge", check=False)


# -- raw docker run ----------------------------------------------------------------------------------

def time_docker_run(replicas: int) -> float:
    def one(i: int) -> None:
        sh("docker", "run", "-d", "--network", "none", "--label", f"{SERVICE}=1", "--name", f"{SERVICE}-{i}",
           IMAGE, *COMMAND)
    try:
        start = time.monotonic()
        with ThreadPoolExecutor(max_workers=replicas) as pool:
            list(pool.map(one, range(replicas)))
        return time.monotonic() - start
    finally:
        ids = sh("docker", "ps", "-aq", "--filter", f"label={SERVICE}=1").split()
        if ids:
            sh("docker", "rm", "-f", *ids, check=False)


def main(argv: list[str] | None = None) -> int:
    interruptible()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replicas", type=int, default=30)
    parser.add_argument("--smoke", action="store_true", help="5 replicas, for CI")
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args(argv)
    replicas = 5 if args.smoke else args.replicas

    reused = bool(leftovers())
    start = time.monotonic()
    lab("up", "--nodes", "3")
    lab_up = time.monotonic() - start
    try:
        skiff = asyncio.run(time_skiff(replicas, args.timeout))
        print(f"skiff ReplicaSet: {replicas} pods Running in {skiff:.2f}s", flush=True)
    finally:
        if not reused:
            lab("down")
    swarm = time_swarm(replicas, args.timeout)
    print(f"Docker Swarm:     {replicas} tasks Running in {swarm:.2f}s", flush=True)
    raw = time_docker_run(replicas)
    print(f"docker run x{replicas}:   all started in {raw:.2f}s", flush=True)
    print(json.dumps({"replicas": replicas, "lab_up_s": round(lab_up, 2), "lab_reused": reused,
                      "skiff_s": round(skiff, 2), "swarm_s": round(swarm, 2), "docker_run_s": round(raw, 2),
                      "skiff_vs_swarm": round(skiff / swarm, 2), "skiff_vs_docker_run": round(skiff / raw, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
