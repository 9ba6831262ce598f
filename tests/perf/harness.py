"""Shared pieces of the benchmarks: a real etcd and API server as processes, and latency statistics."""
from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import shutil
import tempfile
import time
from pathlib import Path

from tests.fixtures.apiserver import admin_client
from tests.fixtures.etcd import EtcdServer
from tests.fixtures.pki import test_pki
from tests.fixtures.wait import eventually

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


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
async def control_plane(*extra: tuple[str, ...], apiserver_args: tuple[str, ...] = ()):
    """etcd and an API server as processes; yields (etcd, api address). `extra` modules run too;
    `apiserver_args` are more flags for the API server (e.g. --encryption-provider-config)."""
    etcd = EtcdServer()
    etcd.start()
    address = f"127.0.0.1:{free_port()}"
    # a free metrics port each: the fixed defaults would collide with any other component on this machine
    pki = test_pki()
    api = Component("controlplane.apiserver.main", "--listen", address, "--etcd-servers", etcd.endpoint,
                    "--log-level", "WARNING", "--metrics-bind-address", "127.0.0.1:0", *pki.apiserver_flags(),
                    *apiserver_args)
    kubeconfig = pki.kubeconfig(address, Path(tempfile.mkdtemp(prefix="skiff-bench-")) / "admin.conf")
    others: list[Component] = []
    try:
        async with admin_client(address, timeout=5) as probe:
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
            others.append(Component(module, "--kubeconfig", str(kubeconfig), "--metrics-bind-address", "127.0.0.1:0",
                                    *args))
        yield etcd, address
    finally:
        for c in others:
            c.stop()
        api.stop()
        etcd.cleanup()
        shutil.rmtree(kubeconfig.parent, ignore_errors=True)
