"""`skiff get -w` as a process: streams changes, survives an API server restart, quits quietly on Ctrl-C."""
from __future__ import annotations

import asyncio
import signal

import pytest

from tests.fixtures.apiserver import admin_client, start_apiserver
from tests.fixtures.cli_runner import start_process, stop_process
from tests.fixtures.etcd import free_port
from tests.fixtures.objects import pod

LINE_TIMEOUT = 20.0


async def read_line(proc) -> str:
    line = await asyncio.wait_for(proc.stdout.readline(), LINE_TIMEOUT)
    assert line, "skiff get -w ended unexpectedly: " + (await proc.stderr.read()).decode()
    return line.decode().rstrip("\n")


async def read_until(proc, predicate) -> str:
    while True:
        line = await read_line(proc)
        if predicate(line):
            return line


@pytest.fixture
async def restartable_apiserver(etcd_server):
    """An API server on a fixed port, restartable by the test (the list holds the current one)."""
    address = f"127.0.0.1:{free_port()}"
    servers = [await start_apiserver([etcd_server.endpoint], address)]
    try:
        yield address, servers
    finally:
        await servers[-1].stop(grace=0)


async def test_watch_streams_changes_resumes_after_restart_and_exits_130_on_sigint(
        restartable_apiserver, etcd_server, cli_config_for):
    address, servers = restartable_apiserver
    cli_config_for(address)
    async with admin_client(address, timeout=10) as client:
        await client.create(pod("first"))
        proc = await start_process("get", "pods", "-w", "--server", address)
        try:
            assert (await read_line(proc)).split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
            assert (await read_line(proc)).split()[0] == "first"
            await client.create(pod("second"))
            assert (await read_until(proc, lambda line: "second" in line)).split()[:3] == ["second", "0/1", "Pending"]

            await servers[-1].stop(grace=0)
            servers.append(await start_apiserver([etcd_server.endpoint], address))
            await client.create(pod("third"))
            await read_until(proc, lambda line: line.split()[0] == "third")

            proc.send_signal(signal.SIGINT)
            code = await asyncio.wait_for(proc.wait(), LINE_TIMEOUT)
            err = (await proc.stderr.read()).decode()
        finally:
            await stop_process(proc)
    assert code == 130
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
