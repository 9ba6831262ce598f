"""Shared pieces of the benchmarks: a real etcd and API server as processes, latency statistics, and
SIGTERM taken as Ctrl-C, so an interrupted benchmark stops and removes everything it started.
"""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.fixtures.apiserver import admin_client
from tests.fixtures.etcd import EtcdServer
from tests.fixtures.pki import test_pki
from tests.fixtures.wait import eventually

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def interruptible() -> None:
    """Make SIGTERM (`kill`, `timeout`, a CI runner giving up) take Ctrl-C's way out: the handler of SIGINT
    in force when it arrives runs (asyncio's cancels the main task; Python's raises KeyboardInterrupt),
    so every `finally`, context manager and atexit hook of the benchmark runs. Without this, SIGTERM ends
    Python on the spot and leaves the API servers, etcd, namespaces and containers behind.
    Call it first in a benchmark's main(). The interruption is then reported in one line, not a traceback."""
    signal.signal(signal.SIGTERM, _as_ctrl_c)
    sys.excepthook = _interrupted_in_one_line(sys.excepthook)


def _interrupted_in_one_line(default_hook):
    def hook(kind, value, traceback):
        if issubclass(kind, KeyboardInterrupt):
            print("interrupted: everything the benchmark started was stopped and removed", file=sys.stderr)
        else:
            default_hook(kind, value, traceback)
    return hook


def _as_ctrl_c(signum, frame) -> None:
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler):
        handler(signal.SIGINT, frame)
    else:  # SIG_IGN or SIG_DFL: someone chose not to have Python's handler; still clean up
        raise KeyboardInterrupt


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(samples: list[float], q: float) -> float:
    if not samples:
        return 0.0
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


async def wait_until(condition, timeout: float, what: str, interval: float = 0.05):
    try:
        return await eventually(condition, timeout, interval, what)
    except AssertionError as e:
        raise TimeoutError(str(e)) from None


class Component:
    """One skiff program run as its own process, with its output in a log file."""

    def __init__(self, module: str, *args: str):
        self.log = tempfile.NamedTemporaryFile(prefix=module.rsplit(".", 1)[-1] + "-", suffix=".log",
                                               delete=False)
        self.process = subprocess.Popen([sys.executable, "-m", module, *args], cwd=ROOT,
                                        stdout=self.log, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        os.unlink(self.log.name)

    def output(self) -> str:
        with open(self.log.name) as f:
            return f.read()[-3000:]


@contextlib.asynccontextmanager
async def control_plane(*extra: tuple[str, ...], apiserver_args: tuple[str, ...] = (), apiservers: int = 1):
    """etcd and `apiservers` API servers as processes; yields (etcd, the API addresses comma-separated, as
    every client takes them). `extra` modules run too; `apiserver_args` are more flags for the API servers
    (e.g. --encryption-provider-config). Whatever was started is stopped and removed on the way out,
    also when the start itself is interrupted (each piece is registered for cleanup as it is made)."""
    with contextlib.ExitStack() as stack:
        etcd = EtcdServer()
        stack.callback(etcd.cleanup)
        etcd.start()
        addresses = [f"127.0.0.1:{free_port()}" for _ in range(apiservers)]
        address = ",".join(addresses)
        pki = test_pki()
        # a free metrics port each: the fixed defaults would collide with any other component on this machine
        apis = [_stopped_on_exit(stack, Component(
            "controlplane.apiserver.main", "--listen", a, "--etcd-servers", etcd.endpoint, "--log-level", "WARNING",
            "--metrics-bind-address", "127.0.0.1:0", *pki.apiserver_flags(), *apiserver_args)) for a in addresses]
        workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="skiff-bench-"))
        kubeconfig = pki.kubeconfig(addresses[0], Path(workdir) / "admin.conf")
        for api, one in zip(apis, addresses):
            async with admin_client(one, timeout=5) as probe:
                async def answers():
                    if api.process.poll() is not None:
                        raise RuntimeError("API server exited:\n" + api.output())
                    try:
                        await probe.version()
                        return True
                    except Exception:
                        return False
                await wait_until(answers, 30, "API server start")
        for module, *args in extra:
            _stopped_on_exit(stack, Component(module, "--kubeconfig", str(kubeconfig), "--server", address,
                                              "--metrics-bind-address", "127.0.0.1:0", *args))
        yield etcd, address


def _stopped_on_exit(stack: contextlib.ExitStack, component: Component) -> Component:
    stack.callback(component.stop)
    return component


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


def cpu_times(pid: int) -> tuple[float, float]:
    """User and system CPU seconds a process has used so far (from /proc; zeros when it is gone). System
    time is the kernel working for it: on a network path, mostly the TCP/IP stack of what it sends."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
    except OSError:
        return 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick  # utime, stime (fields 14, 15)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far (from /proc; 0.0 when it is gone). On a shared
    machine, CPU per operation varies far less than operations per second."""
    return sum(cpu_times(pid))


def pid_of(module: str, marker: str) -> int:
    """The pid of a `python -m module` process whose command line mentions `marker`."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if module.encode() in argv and any(marker.encode() in a for a in argv):
            return int(entry)
    return 0
