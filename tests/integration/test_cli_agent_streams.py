"""What goes through the API server to a node agent (fake runtime, real gRPC): `skiff logs` with its
selector and prefix flags, and `skiff port-forward` to a host-network pod's port on 127.0.0.1."""
from __future__ import annotations

import asyncio
import contextlib

from nodeagent.runtime import base
from tests.fixtures.cli_runner import start_process, stop_process
from tests.fixtures.objects import from_yaml
from nodeagent.runtime.fake import FakeRuntime
from tests.fixtures.fake_runtime_agent import agent_config, running_agent
from tests.fixtures.wait import eventually


def _pod(name: str, labels: str = "{app: web}", host_network: bool = False, containers: str = "[app]"):
    names = containers.strip("[]").split(", ")
    listed = "\n".join(f"  - {{name: {c}, image: busybox:latest, imagePullPolicy: IfNotPresent}}" for c in names)
    return from_yaml(f"""
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: default, labels: {labels}}}
spec:
  nodeName: node-a
  hostNetwork: {str(host_network).lower()}
  containers:
{listed}
""")


@contextlib.asynccontextmanager
async def runtime_agent(client, tmp_path):
    runtime = FakeRuntime()
    async with running_agent(client, agent_config(client.server, tmp_path), runtime) as agent:
        yield agent, runtime


async def _running(client, name):
    return (await client.get("Pod", name)).status.phase == "Running"


async def _write(runtime, pod: str, container: str, text: bytes):
    found = [c for c in await runtime.list({base.LABEL_POD_NAME: pod})
             if c.labels[base.LABEL_CONTAINER_NAME] == container]
    runtime.write_log(found[0].id, text)


async def test_logs_by_selector_with_prefix_and_all_containers(client, skiff, tmp_path):
    async with runtime_agent(client, tmp_path) as (_, runtime):
        await client.create(_pod("web-1"))
        await client.create(_pod("web-2", containers="[app, side]"))
        await eventually(lambda: _running(client, "web-1"), 10)
        await eventually(lambda: _running(client, "web-2"), 10)
        await _write(runtime, "web-1", "app", b"one\n")
        await _write(runtime, "web-2", "app", b"two\n")
        await _write(runtime, "web-2", "side", b"three\n")
        selected = await skiff("logs", "-l", "app=web", "--prefix")
        every = await skiff("logs", "web-2", "--all-containers", "--prefix")
        defaulted = await skiff("logs", "web-2")
        too_many = await skiff("logs", "-l", "app=web", "-f", "--all-containers", "--max-log-requests", "2")
    assert selected.out == "[pod/web-1/app] one\n[pod/web-2/app] two\n", selected.err
    assert every.out == "[pod/web-2/app] two\n[pod/web-2/side] three\n"
    assert (defaulted.out, defaulted.err) == ("two\n", 'Defaulted container "app" out of: app, side\n')
    assert (too_many.code, too_many.err) == (1, "error: you are attempting to follow 3 log streams, but maximum "
                                                "allowed concurrency is 2, use --max-log-requests to increase the limit\n")


async def _echo_server():
    async def echo(reader, writer):
        while data := await reader.read(1024):
            writer.write(b"echo:" + data)
            await writer.drain()
        writer.close()
    return await asyncio.start_server(echo, "127.0.0.1", 0)


async def _forwarding_line(proc) -> str:
    line = await asyncio.wait_for(proc.stdout.readline(), 20)
    return line.decode().strip()


async def test_port_forward_carries_bytes_both_ways_and_a_closed_port_ends_it(client, cli_config, tmp_path):
    server = await _echo_server()
    port = server.sockets[0].getsockname()[1]
    async with runtime_agent(client, tmp_path), server:
        await client.create(_pod("web", host_network=True))
        await eventually(lambda: _running(client, "web"), 10)
        proc = await start_process("port-forward", "pod/web", f":{port}", "--address", "127.0.0.1")
        try:
            line = await _forwarding_line(proc)
            assert line.startswith("Forwarding from 127.0.0.1:") and line.endswith(f" -> {port}"), line
            local = int(line.split(":")[1].split()[0])
            reader, writer = await asyncio.open_connection("127.0.0.1", local)
            writer.write(b"hello")
            assert await asyncio.wait_for(reader.readexactly(10), 20) == b"echo:hello"
            writer.close()
        finally:
            await stop_process(proc)

        server.close()
        await server.wait_closed()  # nothing listens on the pod's port any more
        proc = await start_process("port-forward", "pod/web", f":{port}", "--address", "127.0.0.1")
        try:
            local = int((await _forwarding_line(proc)).split(":")[1].split()[0])
            with contextlib.suppress(ConnectionError):
                _, writer = await asyncio.open_connection("127.0.0.1", local)
            code = await asyncio.wait_for(proc.wait(), 20)
            err = (await proc.stderr.read()).decode()
        finally:
            await stop_process(proc)
    assert code == 1
    assert err.count("\n") == 1 and err.startswith(f"error: an error occurred forwarding {local} -> {port}: "
                                                   f"error forwarding port {port} to pod web: dial tcp 127.0.0.1:{port}: connect: connection refused")


async def test_port_forward_to_a_service_reaches_its_target_port_on_a_pod(client, cli_config, tmp_path):
    from api import manifest
    server = await _echo_server()
    port = server.sockets[0].getsockname()[1]
    async with runtime_agent(client, tmp_path), server:
        await client.create(_pod("web", host_network=True))
        svc, _ = manifest.from_dict({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                                     "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": port}]}})
        await client.create(svc)
        await eventually(lambda: _running(client, "web"), 10)
        proc = await start_process("port-forward", "svc/web", ":80", "--address", "127.0.0.1")
        try:
            line = await _forwarding_line(proc)
            assert line.endswith(f" -> {port}"), line
            local = int(line.split(":")[1].split()[0])
            reader, writer = await asyncio.open_connection("127.0.0.1", local)
            writer.write(b"svc")
            assert await asyncio.wait_for(reader.readexactly(8), 20) == b"echo:svc"
            writer.close()
        finally:
            await stop_process(proc)
