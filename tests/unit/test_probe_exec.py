"""Exec probes through the runtime: exit codes, output, timeouts, runtime errors, and their own concurrency bound."""
from __future__ import annotations

import asyncio

import pytest

from nodeagent.probes import exec_probe
from nodeagent.probes.prober import PortError, resolve_port
from nodeagent.probes.results import Result
from nodeagent.runtime.base import ContainerSpec, ExecResult
from nodeagent.runtime.fake import FakeRuntime
from proto import types_pb2


async def running(runtime: FakeRuntime) -> str:
    cid = await runtime.create(ContainerSpec(name="c", image="busybox:latest", labels={}))
    await runtime.start(cid)
    return cid


class SlowRuntime(FakeRuntime):
    """Each exec takes `delay` seconds and ignores its timeout; counts how many run at once."""

    def __init__(self, delay: float):
        super().__init__()
        self.delay = delay
        self.now_running = self.most_running = 0

    async def exec(self, container_id, command, timeout_s=None):
        self.now_running += 1
        self.most_running = max(self.most_running, self.now_running)
        try:
            await asyncio.sleep(self.delay)
            return ExecResult(0, b"")
        finally:
            self.now_running -= 1


async def test_exit_zero_is_success_and_other_codes_fail_with_the_output():
    runtime = FakeRuntime()
    cid = await running(runtime)
    runtime.exec_handler = lambda info, cmd: ExecResult(0 if cmd == ["ok"] else 1, b"cat: /tmp/healthy: No such file\n")
    limit = asyncio.Semaphore(1)
    assert (await exec_probe.probe(runtime, limit, cid, ["ok"], 1)).result is Result.SUCCESS
    failed = await exec_probe.probe(runtime, limit, cid, ["cat", "/tmp/healthy"], 1)
    assert (failed.result, failed.output) == (Result.FAILURE, "cat: /tmp/healthy: No such file")
    assert ("exec", cid, ("cat", "/tmp/healthy")) in runtime.calls


async def test_a_command_that_times_out_is_a_failure():
    runtime = FakeRuntime()
    cid = await running(runtime)
    runtime.exec_handler = lambda info, cmd: ExecResult(-1, b"", timed_out=True)
    outcome = await exec_probe.probe(runtime, asyncio.Semaphore(1), cid, ["sleep", "5"], 1)
    assert (outcome.result, outcome.output) == (Result.FAILURE, 'command "sleep 5" timed out')


async def test_a_runtime_that_ignores_the_timeout_still_gives_a_failure(monkeypatch):
    monkeypatch.setattr(exec_probe, "SAFETY_MARGIN_S", 0.05)
    outcome = await exec_probe.probe(SlowRuntime(5), asyncio.Semaphore(1), "c", ["sleep", "5"], 0.05)
    assert outcome.result is Result.FAILURE


async def test_a_runtime_error_is_unknown_not_failure():
    outcome = await exec_probe.probe(FakeRuntime(), asyncio.Semaphore(1), "missing", ["true"], 1)
    assert outcome.result is Result.UNKNOWN and "not found" in outcome.output


async def test_exec_probes_never_run_more_than_their_bound_at_once():
    runtime = SlowRuntime(0.02)
    limit = asyncio.Semaphore(3)
    outcomes = await asyncio.gather(*(exec_probe.probe(runtime, limit, "c", ["true"], 1) for _ in range(20)))
    assert all(o.result is Result.SUCCESS for o in outcomes)
    assert runtime.most_running == 3


def test_ports_resolve_by_number_or_by_the_containers_port_name():
    c = types_pb2.Container(name="web", ports=[types_pb2.ContainerPort(name="http", container_port=8080)])
    assert resolve_port(types_pb2.IntOrString(int_value=81), c) == 81
    assert resolve_port(types_pb2.IntOrString(str_value="http"), c) == 8080
    with pytest.raises(PortError, match="couldn't find port: metrics in container web"):
        resolve_port(types_pb2.IntOrString(str_value="metrics"), c)


async def test_network_probes_on_a_simulated_network_are_not_sent_to_pod_addresses():
    from nodeagent.probes.dialer import Dialer
    from nodeagent.probes.prober import Prober
    prober = Prober(FakeRuntime(), Dialer(simulated=True), asyncio.Semaphore(1))
    c = types_pb2.Container(name="web")
    tcp = types_pb2.Probe(tcp_socket=types_pb2.TCPSocketAction(port=types_pb2.IntOrString(int_value=1)))
    outcome = await prober.run(tcp, c, "cid", "10.244.1.5")
    assert (outcome.result, outcome.output) == (Result.SUCCESS, "not sent to 10.244.1.5: the pod network is simulated")
    refused = await prober.run(tcp, c, "cid", "127.0.0.1")  # loopback is real, even here
    assert refused.result is Result.FAILURE
