"""Benchmark: cluster DNS queries per second and latency, from a pod's namespace to its node's server.

The node's DnsServer runs (its own process, uvloop, as in the agent) in a "host" netns with a zone of
1,000 Services; a load generator in a "pod" netns linked by a veth sends A queries for Service names
over real UDP. Without root both sit on 127.0.0.1. `--smoke` is a short run. Last line: JSON.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time

import dns.message
import dns.rcode

from tests.perf.harness import ROOT, interruptible, percentile

HOST_ADDR, POD_ADDR, PREFIX = "10.244.250.1", "10.244.250.2", 24
GUARDED = ("10.244.0.0/16", "10.96.0.0/16")  # traffic safety: unreachable unless owned


def names(count: int) -> list[str]:
    return [f"svc-{i}.ns-{i % 10}.svc.cluster.local" for i in range(count)]


# ---------------------------------------------------------------- the server process


async def serve(address: str, port: int, services: int, cache: bool) -> None:
    from nodeagent.dns.server import DnsServer
    from nodeagent.dns.zone import Zone
    from tests.unit.test_dns_answer import service

    zone = Zone.of(service(f"svc-{i}", cluster_ip=f"10.96.{i // 250}.{i % 250 + 1}", namespace=f"ns-{i % 10}")
                   for i in range(services))
    server = DnsServer(zone, address, port, cache=cache)
    print(f"ready {await server.start()}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()


# ---------------------------------------------------------------- the load generator (the "pod")


class _Load(asyncio.DatagramProtocol):
    """Keeps `window` queries in flight; each answer (matched by message id) releases the next."""

    def __init__(self, wires: list[bytes], window: int, until: float):
        self.wires, self.window, self.until = wires, window, until
        self.sent: dict[int, float] = {}
        self.latencies: list[float] = []
        self.failures = 0
        self.next = 0
        self.done = asyncio.get_running_loop().create_future()

    def connection_made(self, transport) -> None:
        self.transport = transport
        for _ in range(self.window):
            self._send()

    def _send(self) -> None:
        if time.perf_counter() >= self.until:
            if not self.sent and not self.done.done():
                self.done.set_result(None)
            return
        wire = self.wires[self.next % len(self.wires)]
        self.next += 1
        qid = self.next & 0xFFFF
        self.sent[qid] = time.perf_counter()
        self.transport.sendto(qid.to_bytes(2, "big") + wire[2:])

    def datagram_received(self, data: bytes, addr) -> None:
        started = self.sent.pop(int.from_bytes(data[:2], "big"), None)
        if started is None:
            return
        self.latencies.append(time.perf_counter() - started)
        if len(self.latencies) % 97 == 0:  # check some answers really are answers
            if dns.message.from_wire(data).rcode() != dns.rcode.NOERROR:
                self.failures += 1
        self._send()


async def load(address: str, port: int, duration: float, window: int, services: int) -> dict:
    wires = [dns.message.make_query(n, "A").to_wire() for n in names(services)]
    loop = asyncio.get_running_loop()
    proto: _Load
    transport, proto = await loop.create_datagram_endpoint(
        lambda: _Load(wires, window, time.perf_counter() + duration), remote_addr=(address, port))
    start = time.perf_counter()
    try:
        await asyncio.wait_for(proto.done, duration + 5)
    except asyncio.TimeoutError:
        proto.failures += len(proto.sent)  # lost datagrams: counted, not waited for
    elapsed = time.perf_counter() - start
    transport.close()
    ms = [x * 1000 for x in proto.latencies]
    return {"queries": len(ms), "qps": round(len(ms) / elapsed), "p50_ms": round(percentile(ms, 50), 3),
            "p99_ms": round(percentile(ms, 99), 3), "failures": proto.failures}


# ---------------------------------------------------------------- namespaces


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@contextlib.contextmanager
def namespaces():
    """(host netns, pod netns, server address); None netns and 127.0.0.1 without root."""
    if os.geteuid() != 0:
        yield None, None, "127.0.0.1"
        return
    tag = str(os.getpid())
    host, pod = f"skiff-dnsperf-h{tag}", f"skiff-dnsperf-p{tag}"
    veth_host, veth_pod = f"dnsph{tag}"[:15], f"dnspp{tag}"[:15]
    try:
        _ip("netns", "add", host)
        _ip("netns", "add", pod)
        for ns in (host, pod):
            for cidr in GUARDED:
                _ip("-n", ns, "route", "add", "unreachable", cidr)
            _ip("-n", ns, "link", "set", "lo", "up")
        _ip("link", "add", veth_host, "netns", host, "type", "veth", "peer", "name", veth_pod, "netns", pod)
        _ip("-n", host, "addr", "add", f"{HOST_ADDR}/{PREFIX}", "dev", veth_host)
        _ip("-n", pod, "addr", "add", f"{POD_ADDR}/{PREFIX}", "dev", veth_pod)
        _ip("-n", host, "link", "set", veth_host, "up")
        _ip("-n", pod, "link", "set", veth_pod, "up")
        yield host, pod, HOST_ADDR
    finally:
        for ns in (pod, host):  # deleting a namespace deletes its end of the veth, and so the pair
            subprocess.run(["ip", "netns", "delete", ns], capture_output=True)


def in_netns(ns: str | None, *argv: str) -> list[str]:
    return (["ip", "netns", "exec", ns] if ns else []) + [sys.executable, "-m", "tests.perf.dns", *argv]


def measure(host, pod, address: str, services: int, duration: float, window: int, cache: bool) -> dict:
    """Start the server in the host netns, then run the load generator in the pod netns."""
    argv = ["--serve", address, "--services", str(services)] + ([] if cache else ["--no-cache"])
    server = subprocess.Popen(in_netns(host, *argv), cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        if not line.startswith("ready "):
            raise SystemExit(f"dns benchmark: the DNS server did not start: {line!r}")
        out = subprocess.run(in_netns(pod, "--load", address, line.split()[1], "--duration", str(duration),
                                      "--window", str(window), "--services", str(services)),
                             cwd=ROOT, capture_output=True, text=True, check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        server.terminate()
        server.wait(10)


def run(services: int, duration: float, window: int) -> dict:
    with namespaces() as (host, pod, address):
        results = {label: measure(host, pod, address, services, duration, w, cache)
                   for label, w, cache in (("sequential", 1, True), ("loaded", window, True),
                                           ("loaded_uncached", window, False))}
    return {"benchmark": "dns", "services": services, "window": window,
            "from": "pod netns over veth" if host else "127.0.0.1",
            "qps": results["loaded"]["qps"], "p99_ms": results["loaded"]["p99_ms"],
            "qps_uncached": results["loaded_uncached"]["qps"], "p99_ms_uncached": results["loaded_uncached"]["p99_ms"],
            "p99_ms_sequential": results["sequential"]["p99_ms"],
            "p50_ms_sequential": results["sequential"]["p50_ms"], **{f"{k}_run": v for k, v in results.items()}}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m tests.perf.dns", description=__doc__.splitlines()[0])
    p.add_argument("--smoke", action="store_true", help="a short run")
    p.add_argument("--services", type=int, default=1000)
    p.add_argument("--duration", type=float, default=5.0, metavar="SECONDS", help="per run")
    p.add_argument("--window", type=int, default=32, help="queries in flight in the loaded run")
    p.add_argument("--serve", nargs=1, metavar="ADDRESS", help=argparse.SUPPRESS)
    p.add_argument("--no-cache", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--load", nargs=2, metavar=("ADDRESS", "PORT"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    import uvloop
    if args.serve:
        with contextlib.suppress(KeyboardInterrupt):
            uvloop.run(serve(args.serve[0], 0, args.services, not args.no_cache))
        return
    if args.load:
        print(json.dumps(uvloop.run(load(args.load[0], int(args.load[1]), args.duration, args.window,
                                         args.services))))
        return
    interruptible()  # the orchestrating run only: its helper processes end by SIGTERM as they are
    print(json.dumps(run(args.services, 0.5 if args.smoke else args.duration, args.window)))


if __name__ == "__main__":
    main()
