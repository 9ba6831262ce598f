"""The fault suite: a steady workload on a 3-host lab (3 etcd members, 2 API servers) and one fault at a time.

For each fault: acknowledged writes lost, surplus pods, container restarts, watch events missed against
etcd's own history (all should be 0), and seconds until the API serves again and the workload is whole.
`python -m tests.perf.faults [--smoke] [--only NAME ...]`; needs root and dockerd (run it under the e2e lock).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field

from aetcd import rpc

from api import errors, kinds, kubeconfig, manifest, meta
from api.client import Client
from api.leaderelection import LEASE_NAMESPACE
from controlplane.controllers.manager import LEASE_NAME as CONTROLLER_MANAGER_LEASE
from controlplane.apiserver.registry import storage_prefix
from controlplane.apiserver import etcdclient
from controlplane.apiserver.etcdclient import EtcdTLS
from controlplane.apiserver.storage import Progress, Storage
from controlplane.scheduler.leader import LEASE_NAME as SCHEDULER_LEASE
from deploy import pki
from deploy.lab import crash, hosts
from deploy.lab import plan as P
from deploy.lab import state as lab_state
from deploy.lab.down import leftovers
from tests.perf.harness import interruptible

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NAMESPACE = "faults"
WORKLOAD = "steady"
LAB_ARGS = ("--nodes", "3", "--etcd-members", "3", "--apiservers", "2")
LEASE = kinds.BY_NAME["Lease"]


# ---------------------------------------------------------------- the workload

@dataclass
class Writer:
    """Creates, updates and deletes Leases in a loop, remembering what each acknowledgement promised."""

    client: Client
    # A steady rate, not a flood: on 2 cores a flat-out writer starves etcd's heartbeats into elections.
    pause_s: float = 0.05
    expected: dict[str, str | None] = field(default_factory=dict)  # name -> holder acked, None: acked deleted
    unsure: set[str] = field(default_factory=set)  # a write whose outcome is unknown (no answer)
    acked: int = 0
    failed: int = 0
    last_ack: float = 0.0
    ack_times: list[float] = field(default_factory=list)  # since the current fault began
    paused: asyncio.Event = field(default_factory=asyncio.Event)
    idle: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        i = 0
        while True:
            if self.paused.is_set():
                self.idle.set()
                await asyncio.sleep(0.05)
                continue
            self.idle.clear()
            name = f"w-{i}"
            i += 1
            try:
                obj = await self._write(name, self.client.create(_lease(name, "0")), "0")
                obj.spec.holder_identity = "1"
                await self._write(name, self.client.update(obj), "1")
                if i % 2:
                    await self._write(name, self.client.delete(LEASE, name, NAMESPACE), None)
                await asyncio.sleep(self.pause_s)
            except errors.ApiError:
                self.failed += 1
                await asyncio.sleep(0.05)

    async def _write(self, name: str, call: Awaitable, holder: str | None):
        try:
            result = await call
        except (errors.Unavailable, errors.Timeout, errors.Internal):
            self.unsure.add(name)  # it may or may not have been applied
            raise
        except errors.ApiError:
            self.unsure.add(name)
            raise
        self.expected[name] = holder
        self.acked += 1
        self.last_ack = time.monotonic()
        self.ack_times.append(self.last_ack)
        return result

    async def pause(self) -> None:
        self.paused.set()
        await asyncio.wait_for(self.idle.wait(), 30)

    def resume(self) -> None:
        self.paused.clear()

    def lost(self, present: dict[str, str]) -> list[str]:
        """Acknowledged writes the store no longer shows."""
        lost = []
        for name, holder in self.expected.items():
            if name in self.unsure:
                continue
            if holder is None and name in present or holder is not None and present.get(name) != holder:
                lost.append(name)
        return lost


@dataclass
class Recorder:
    """A watch on the workload's Leases that resumes from its last resourceVersion, recording every event."""

    client: Client
    start: str
    revisions: set[int] = field(default_factory=set)
    last: int = 0
    expired: int = 0
    last_event: float = 0.0

    async def run(self) -> None:
        version = self.start
        while True:
            try:
                async for event in self.client.watch(LEASE, NAMESPACE, resource_version=version):
                    version = event.resource_version
                    self.last = int(version)
                    if event.type != "BOOKMARK":
                        self.revisions.add(int(version))
                        self.last_event = time.monotonic()
            except errors.Expired:
                self.expired += 1  # would skip events: counted as missed below
                version = str(self.last)
                await asyncio.sleep(0.2)
            except errors.ApiError:
                await asyncio.sleep(0.1)


async def etcd_history(endpoints: list[str], prefix: bytes, after: int, until: int) -> set[int]:
    """Revisions of every change under `prefix` in (after, until], from etcd's own watch history."""
    # The lab's etcd speaks TLS only, to the API server's etcd client certificate.
    storage = Storage(endpoints, tls=EtcdTLS.from_files(*pki.etcd_client_files(P.PKI_DIR)))
    seen: set[int] = set()
    try:
        async for item in storage.watch(prefix, after + 1, progress_every=0.2):
            revision = item.revision if isinstance(item, Progress) else item.kv.mod_revision
            if not isinstance(item, Progress) and revision <= until:
                seen.add(revision)
            if revision >= until:
                break
    finally:
        await storage.close()
    return seen


def _lease(name: str, holder: str):
    return LEASE.new(metadata={"name": name, "namespace": NAMESPACE}, spec={"holder_identity": holder})


def deployment(replicas: int):
    labels = {"app": WORKLOAD}
    obj, _ = manifest.from_dict({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": WORKLOAD, "namespace": NAMESPACE},
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"terminationGracePeriodSeconds": 1, "containers": [{
                                  "name": "sleep", "image": "busybox:latest", "imagePullPolicy": "IfNotPresent",
                                  "command": ["sleep", "86400"]}]}}}})
    return obj


# ---------------------------------------------------------------- faults

def _restart(component: str) -> Callable[[], Awaitable[None]]:
    async def fault():
        crash.kill(component)
        crash.start(component)  # a supervisor restarts it at once
    return fault


def _etcd_quorum_lost(down_s: float) -> Callable[[], Awaitable[None]]:
    async def fault():
        crash.kill("etcd-2")
        crash.kill("etcd-3")
        await asyncio.sleep(down_s)  # the outage itself: nothing to wait for
        crash.start("etcd-2")
        crash.start("etcd-3")
    return fault


async def etcd_leader(endpoints: list[str]) -> str:
    """The lab name (etcd-N) of the member raft elected leader, from the members' own Status."""
    tls = EtcdTLS.from_files(*pki.etcd_client_files(P.PKI_DIR))
    for i, endpoint in enumerate(endpoints):
        async with etcdclient.client(endpoint, tls) as client:
            status = await client.maintenancestub.Status(rpc.StatusRequest(), timeout=5)
        if status.leader == status.header.member_id:
            return f"etcd-{i + 1}"
    raise RuntimeError(f"no etcd member at {', '.join(endpoints)} says it leads")


def _etcd_leader_kill(endpoints: list[str]) -> Callable[[], Awaitable[None]]:
    async def fault():
        await _restart(await etcd_leader(endpoints))()
    return fault


def _partition(host: str, cut_s: float) -> Callable[[], Awaitable[None]]:
    async def fault():
        hosts.partition(host, cut=True)
        await asyncio.sleep(cut_s)  # the outage itself
        hosts.partition(host, cut=False)
    return fault


def faults(smoke: bool, etcd: list[str]) -> dict[str, Callable[[], Awaitable[None]]]:
    outage = 2.0 if smoke else 5.0
    return {
        "apiserver_kill": _restart("apiserver"),
        "scheduler_kill": _restart("scheduler"),
        "controller_manager_kill": _restart("controller-manager"),
        "agent_kill": _restart(P.agent_process_name("skiff-host-2")),
        "etcd_member_kill": _restart("etcd-2"),
        # the worst member to lose: the writes forwarded to it are dropped without a word
        "etcd_leader_kill": _etcd_leader_kill(etcd),
        "etcd_quorum_lost": _etcd_quorum_lost(outage),
        "host_partition": _partition("skiff-host-3", outage),
    }


# The leader-elected component each fault kills: its lease tells when a leader acts again.
LEADER_LEASES = {"scheduler_kill": SCHEDULER_LEASE, "controller_manager_kill": CONTROLLER_MANAGER_LEASE}


# ---------------------------------------------------------------- one fault, measured

@dataclass
class Figures:
    fault: str
    lost_writes: int = -1
    surplus_pods: int = -1
    container_restarts: int = -1
    missed_events: int = -1
    api_s: float | None = None  # the longest time without an acknowledged write after the fault
    whole_s: float | None = None  # from the fault to: every replica Running, writes acked, events watched
    leader_s: float | None = None  # a leader killed: until its lease is renewed again (by anyone)
    acked_writes: int = 0
    failed_writes: int = 0
    watch_expired: int = 0  # times the watch was told to re-list (its gap counts in missed_events)


async def _pods(client: Client) -> list:
    return [p for p in (await client.list("Pod", NAMESPACE, label_selector=f"app={WORKLOAD}")).items
            if not p.metadata.deletion_timestamp]


def _containers(pods: list) -> dict[str, tuple[str, int]]:
    return {p.metadata.name: (s.container_id, s.restart_count) for p in pods for s in p.status.container_statuses}


async def _delete_one_pod(client: Client) -> str:
    """Delete one workload pod (retrying while the API is away); returns its name."""
    deadline = time.monotonic() + 60
    while True:
        try:
            pods = await _pods(client)
            await client.delete("Pod", pods[0].metadata.name, NAMESPACE)
            return pods[0].metadata.name
        except (errors.ApiError, IndexError):
            if time.monotonic() > deadline:
                return ""
            await asyncio.sleep(0.1)


async def _renewed_since(client: Client, lease_name: str, moment) -> bool:
    """Whether someone holds the lease with a renewal after `moment` (the killed leader renews no more)."""
    try:
        spec = (await client.get(LEASE, lease_name, LEASE_NAMESPACE)).spec
    except errors.ApiError:
        return False
    renewed = meta.parse_time(spec.renew_time)
    return bool(spec.holder_identity) and renewed is not None and renewed > moment


async def _running(client: Client, replicas: int) -> bool:
    pods = await _pods(client)
    return len(pods) == replicas and all(p.status.phase == "Running" for p in pods)


async def measure(name: str, fault, client: Client, writer: Writer, recorder: Recorder, replicas: int,
                  etcd: list[str], timeout: float) -> Figures:
    figures = Figures(name)
    before = _containers(await _pods(client))
    start_rv = int((await client.list(LEASE, NAMESPACE)).resource_version)
    acked_before, failed_before, expired_before = writer.acked, writer.failed, recorder.expired
    surplus = 0
    t0, wall0 = time.monotonic(), meta.now()
    writer.ack_times = []
    await fault()
    # One pod replaced right after each fault, so "whole" needs the controllers, the scheduler and an
    # agent working again, not only pods left alone.
    victim = await _delete_one_pod(client)
    lease_name = LEADER_LEASES.get(name)
    loop_end = t0 + timeout
    while time.monotonic() < loop_end:
        now = time.monotonic()
        if lease_name and figures.leader_s is None and await _renewed_since(client, lease_name, wall0):
            figures.leader_s = round(time.monotonic() - t0, 2)
        if figures.api_s is None and writer.ack_times and writer.ack_times[-1] > now - 0.5:
            figures.api_s = 0.0  # writes are acknowledged again: the outage is measured below
        try:
            pods = await _pods(client)
            surplus = max(surplus, len(pods) - replicas)
            replaced = victim not in {p.metadata.name for p in pods}
            leading = lease_name is None or figures.leader_s is not None
            whole = (figures.api_s is not None and leading and replaced and len(pods) == replicas
                     and all(p.status.phase == "Running" for p in pods)
                     and writer.last_ack > now - 0.5 and recorder.last_event > now - 1.0)
        except errors.ApiError:
            whole = False
        if whole:
            figures.whole_s = round(time.monotonic() - t0, 2)
            break
        await asyncio.sleep(0.1)
    # The API's outage: the longest time without an acknowledged write, from the fault on.
    times = [t0, *writer.ack_times]
    if figures.api_s is not None and len(times) > 1:
        figures.api_s = round(max(b - a for a, b in zip(times, times[1:])), 2)
    figures.surplus_pods = surplus
    # A consistent point: no write in flight, then what the store holds against what was acknowledged.
    await writer.pause()
    try:
        listed = await client.list(LEASE, NAMESPACE)
        figures.lost_writes = len(writer.lost({o.metadata.name: o.spec.holder_identity for o in listed.items}))
        end_rv = int(listed.resource_version)
        history = await asyncio.wait_for(etcd_history(etcd, storage_prefix(LEASE, NAMESPACE), start_rv, end_rv), 30)
        deadline = time.monotonic() + 30
        while not history <= recorder.revisions and time.monotonic() < deadline:
            await asyncio.sleep(0.1)  # the watch may still be delivering the last of them
        figures.missed_events = len(history - recorder.revisions)
    finally:
        writer.resume()
    after = _containers(await _pods(client))
    figures.container_restarts = sum(1 for pod, (cid, restarts) in after.items()
                                     if pod in before and (cid != before[pod][0] or restarts > before[pod][1]))
    figures.acked_writes = writer.acked - acked_before
    figures.failed_writes = writer.failed - failed_before
    figures.watch_expired = recorder.expired - expired_before
    return figures


# ---------------------------------------------------------------- the run

async def run(api: str, admin_kubeconfig: str, etcd: list[str], replicas: int, only: list[str], smoke: bool,
              timeout: float, progress=print) -> list[Figures]:
    conn = kubeconfig.load(admin_kubeconfig, server=api)  # the lab's admin, given every API server
    async with Client(conn.server, timeout=5, credentials=conn.credentials) as client:
        try:
            await client.create(kinds.NAMESPACE.new(metadata={"name": NAMESPACE}))
        except errors.AlreadyExists:
            pass
        try:
            await client.create(deployment(replicas))
        except errors.AlreadyExists:
            pass
        deadline = time.monotonic() + 300
        while not await _running(client, replicas):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{replicas} pods of the workload not Running within 300s")
            await asyncio.sleep(0.5)
        progress(f"workload: {replicas} pods Running; writer and watch started")
        writer = Writer(client)
        recorder = Recorder(client, (await client.list(LEASE, NAMESPACE)).resource_version)
        tasks = [asyncio.create_task(writer.run()), asyncio.create_task(recorder.run())]
        results = []
        try:
            for name, fault in faults(smoke, etcd).items():
                if only and name not in only:
                    continue
                figures = await measure(name, fault, client, writer, recorder, replicas, etcd, timeout)
                progress(json.dumps(asdict(figures)))
                results.append(figures)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if recorder.expired:
            progress(f"note: the watch was told to re-list {recorder.expired} time(s)")
        return results


def lab(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "deploy.lab", *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    interruptible()
    parser = argparse.ArgumentParser(prog="python -m tests.perf.faults", description=__doc__.split("\n")[0])
    parser.add_argument("--replicas", type=int, default=30, help="pods the workload keeps Running (default 30)")
    parser.add_argument("--smoke", action="store_true", help="6 pods and 2 s outages, for CI")
    parser.add_argument("--only", nargs="*", default=[], metavar="FAULT", help="run only these faults")
    parser.add_argument("--timeout", type=float, default=120, help="seconds each fault may take to heal")
    parser.add_argument("--keep-lab", action="store_true", help="leave the lab up afterwards")
    args = parser.parse_args(argv)
    replicas = 6 if args.smoke else args.replicas
    found = leftovers()
    reused = bool(found)
    if reused:
        state = lab_state.load()
        if state is None:  # remains of a lab that crashed or was half taken down: nothing to reuse
            print(f"remains of a lab are on this machine ({', '.join(found[:3])}); `python -m deploy.lab down` first",
                  file=sys.stderr)
            return 1
        settings = state.settings
        if (settings.etcd_members, settings.apiservers) != (3, 2):
            print("a lab without 3 etcd members and 2 API servers is up; `python -m deploy.lab down` first",
                  file=sys.stderr)
            return 1
    print(f"lab up {' '.join(LAB_ARGS)} ...", flush=True)
    lab("up", *LAB_ARGS)
    try:
        the_lab = P.plan(lab_state.load().settings)
        results = asyncio.run(run(the_lab.api_address, the_lab.admin_kubeconfig, the_lab.etcd_endpoints, replicas, args.only, args.smoke,
                                  args.timeout, progress=lambda line: print(line, flush=True)))
    finally:
        if not (reused or args.keep_lab):
            lab("down")
    summary = {f.fault: asdict(f) for f in results}
    print(json.dumps({"replicas": replicas, "faults": summary,
                      "all_zero": all(f.lost_writes == f.surplus_pods == f.container_restarts == f.missed_events == 0
                                      for f in results)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
