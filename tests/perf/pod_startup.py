"""Pod start-up latency: raw docker (pause + app, veth wired through nodeagent.network) against pods made
through the API and seen Running through a watch, on one in-process agent; one at a time and 30 at once;
and a pod with a native sidecar and a securityContext against the plain pod, in the same run.

    python -m tests.perf.pod_startup [--smoke]     (root, dockerd; last line: JSON)
"""
from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import shutil
import subprocess
import tempfile
import time
import uuid

from api import gctune, retry
from api.client import Client
from tests.fixtures.apiserver import admin_client
from nodeagent.agent import NodeAgent
from nodeagent.config import AgentConfig
from nodeagent.network import bridge, ipam, pod as podnet
from nodeagent.runtime import base
from nodeagent.runtime.base import ContainerSpec
from nodeagent.runtime.docker import DockerRuntime
from nodeagent.runtime.images import PAUSE_IMAGE, ensure_local_images
from tests.e2e.agent_fixtures import remove_containers
from tests.fixtures.objects import from_yaml
from tests.fixtures.pki import test_pki
from tests.perf.harness import control_plane, interruptible, percentile

GUARDED = ("10.244.0.0/16", "10.96.0.0/16")
RAW_CIDR, AGENT_CIDR = "10.244.250.0/24", "10.244.251.0/24"
NODE = f"bench-{uuid.uuid4().hex[:6]}"


def make_netns() -> str:
    name = f"skiff-bench-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
    for cidr in GUARDED:  # traffic safety: nothing for the cluster or service ranges leaves this namespace
        subprocess.run(["ip", "-n", name, "route", "add", "unreachable", cidr], check=True)
    return name


async def raw_pod(runtime: DockerRuntime, ns: str, index: int) -> tuple[float, list[str], str]:
    """docker create/start of a pause container, wire it, then create/start an app joined to it."""
    uid = uuid.uuid4().hex
    network = ipaddress.ip_network(RAW_CIDR)
    address = ipaddress.IPv4Interface(f"{network.network_address + 10 + index}/{network.prefixlen}")
    labels = {base.LABEL_NODE: NODE, base.LABEL_POD_UID: uid}
    began = time.perf_counter()
    sandbox = await runtime.create(ContainerSpec(name=f"bench-raw-{uid[:12]}-pod", image=PAUSE_IMAGE, labels=labels,
                                                 network_mode="none", ipc_mode="shareable"))
    await runtime.start(sandbox)
    pid = (await runtime.inspect(sandbox)).pid
    await asyncio.to_thread(podnet.attach, pid, uid, address, ipam.gateway_of(network).ip, "skiff0", ns)
    app = await runtime.create(ContainerSpec(name=f"bench-raw-{uid[:12]}-app", image="busybox:latest", labels=labels,
                                             command=["sleep", "3600"], network_mode=f"container:{sandbox}",
                                             ipc_mode=f"container:{sandbox}"))
    await runtime.start(app)
    return time.perf_counter() - began, [app, sandbox], uid


async def raw_round(runtime, ns: str, count: int, parallel: bool) -> list[float]:
    if parallel:
        results = await asyncio.gather(*(raw_pod(runtime, ns, i) for i in range(count)))
    else:
        results = [await raw_pod(runtime, ns, 0)] if count == 1 else []
    for _, ids, uid in results:
        for cid in ids:
            await runtime.remove(cid)
        await asyncio.to_thread(podnet.detach, uid, ns)
    return [r[0] for r in results]


POD = """
apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  nodeName: {node}
  terminationGracePeriodSeconds: 0
  containers: [{{name: app, image: busybox:latest, imagePullPolicy: IfNotPresent, command: [sleep, "3600"]}}]
"""


# The same app with one native sidecar and a locked-down securityContext: what they add to start-up.
SIDECAR_POD = """
apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  nodeName: {node}
  terminationGracePeriodSeconds: 0
  securityContext: {{runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true}}
  initContainers:
  - {{name: sidecar, image: busybox:latest, imagePullPolicy: IfNotPresent, restartPolicy: Always,
     command: [sleep, "3600"]}}
  containers:
  - name: app
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    command: [sleep, "3600"]
    securityContext:
      readOnlyRootFilesystem: true
      allowPrivilegeEscalation: false
      capabilities: {{drop: [ALL]}}
"""


class RunningWatch:
    """One watch on pods: the moment each is first seen Running (with its pod IP)."""

    def __init__(self, client: Client):
        self.client = client
        self.seen: dict[str, float] = {}
        self.gone: set[str] = set()
        self.changed = asyncio.Event()
        self.task = asyncio.create_task(self._run())

    async def _run(self):
        async for event in self.client.watch("Pod", "default"):
            pod = event.object
            if pod is None:
                continue
            if event.type == "DELETED":
                self.gone.add(pod.metadata.name)
            elif pod.status.phase == "Running" and pod.status.pod_ip:
                self.seen.setdefault(pod.metadata.name, time.perf_counter())
            self.changed.set()

    async def wait(self, names: list[str], timeout: float = 120, done=None) -> None:
        done = done or (lambda n: n in self.seen)
        deadline = time.perf_counter() + timeout
        while not all(done(n) for n in names):
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), max(deadline - time.perf_counter(), 0.01))

    async def wait_gone(self, names: list[str], timeout: float = 120) -> None:
        await self.wait(names, timeout, lambda n: n in self.gone)


async def api_round(client: Client, watch: RunningWatch, names: list[str], template: str = POD) -> list[float]:
    began = time.perf_counter()
    await asyncio.gather(*(client.create(from_yaml(template.format(name=n, node=NODE))) for n in names))
    await watch.wait(names)
    latencies = [watch.seen[n] - began for n in names]
    for n in names:
        await client.delete("Pod", n)
    await watch.wait_gone(names)  # as the raw rounds: the next round starts on a quiet node
    return latencies


def summary(samples: list[float]) -> dict:
    return {"n": len(samples), "p50_s": round(percentile(samples, 50), 4), "p99_s": round(percentile(samples, 99), 4)}


async def main(smoke: bool) -> dict:
    # 60 one-at-a-time pods per case: the sidecar and plain cases differ by one container's start, and the
    # p99 (nearest rank) of 30 is their slowest, so one hiccup of the shared machine in either case decided the
    # ratio run to run; of 60 it is the second slowest.
    singles, batch = (3, 5) if smoke else (60, 30)
    await asyncio.to_thread(ensure_local_images)
    runtime = DockerRuntime(max_workers=8)
    namespaces: list[str] = []
    state_dir = tempfile.mkdtemp(prefix="skiff-bench-")
    try:
        raw_ns, agent_ns = make_netns(), make_netns()
        namespaces += [raw_ns, agent_ns]
        await asyncio.to_thread(bridge.ensure_bridge, "skiff0", ipam.gateway_of(ipaddress.ip_network(RAW_CIDR)), raw_ns)
        await raw_round(runtime, raw_ns, 1, False)  # warm-up
        raw_single = [s for _ in range(singles) for s in await raw_round(runtime, raw_ns, 1, False)]
        raw_batch = await raw_round(runtime, raw_ns, batch, True)

        async with control_plane() as (_, address):
            async with admin_client(address, timeout=30) as client:
                cfg = AgentConfig(server=address, node_name=NODE, node_ip="127.0.0.1", listen_port=0,
                                  tls=test_pki().agent_tls(NODE),
                                  state_dir=state_dir, host_netns=agent_ns)
                agent = NodeAgent(cfg, client, runtime, runtime_version="docker://bench")
                await agent.start()
                gctune.for_server()  # the collector as the agent's own main sets it (nodeagent.main)
                watch = RunningWatch(client)
                try:
                    async def give_cidr():
                        node = await client.get("Node", NODE)
                        node.spec.pod_cidr = AGENT_CIDR
                        await client.update(node)
                    await retry.on_conflict(give_cidr)
                    await asyncio.wait_for(agent.env.network_ready.wait(), 30)
                    await api_round(client, watch, ["warm-up"])
                    await api_round(client, watch, ["warm-up-side"], SIDECAR_POD)  # each case's first run untimed
                    api_single, api_sidecar = [], []
                    for i in range(singles):
                        # Interleaved, so both cases see the same load on the machine, and in turns first,
                        # so that neither always starts just after the other's teardown.
                        cases = [("one", POD, api_single), ("side", SIDECAR_POD, api_sidecar)]
                        for prefix, template, samples in cases if i % 2 == 0 else cases[::-1]:
                            samples += await api_round(client, watch, [f"{prefix}-{i}"], template)
                    api_batch = await api_round(client, watch, [f"many-{i}" for i in range(batch)])
                    deadline = time.monotonic() + 60
                    while agent.workers.workers and time.monotonic() < deadline:
                        await asyncio.sleep(0.2)  # let the agent remove what it made
                finally:
                    watch.task.cancel()
                    await agent.stop()
    finally:
        await asyncio.to_thread(remove_containers, NODE)
        await runtime.close()
        for ns in namespaces:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        shutil.rmtree(state_dir, ignore_errors=True)
    result = {
        "benchmark": "pod_startup", "smoke": smoke,
        "raw_single": summary(raw_single), "api_single": summary(api_single),
        "raw_batch30" if not smoke else "raw_batch": summary(raw_batch),
        "api_batch30" if not smoke else "api_batch": summary(api_batch),
    }
    result["ratio_single_p99"] = round(result["api_single"]["p99_s"] / max(result["raw_single"]["p99_s"], 1e-9), 3)
    result["ratio_single_p50"] = round(result["api_single"]["p50_s"] / max(result["raw_single"]["p50_s"], 1e-9), 3)
    batch_key = "batch30" if not smoke else "batch"
    result["ratio_batch_p99"] = round(result[f"api_{batch_key}"]["p99_s"] /
                                      max(result[f"raw_{batch_key}"]["p99_s"], 1e-9), 3)
    result["api_sidecar_single"] = summary(api_sidecar)
    result["ratio_sidecar_vs_plain_p99"] = round(result["api_sidecar_single"]["p99_s"] /
                                                 max(result["api_single"]["p99_s"], 1e-9), 3)
    result["ratio_sidecar_vs_plain_p50"] = round(result["api_sidecar_single"]["p50_s"] /
                                                 max(result["api_single"]["p50_s"], 1e-9), 3)
    result["targets_met"] = result["ratio_single_p99"] <= 1.5 and result["api_single"]["p99_s"] < 1.0
    result["sidecar_target_met"] = result["ratio_sidecar_vs_plain_p99"] <= 1.2
    return result


if __name__ == "__main__":
    interruptible()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="a few pods only (CI)")
    print(json.dumps(asyncio.run(main(parser.parse_args().smoke))))
