"""Pod logs and exec through the REST API with the real kubectl, relayed to a real agent (fake runtime)."""
from __future__ import annotations

import asyncio

import pytest

from nodeagent.runtime import base
from nodeagent.runtime.fake import FakeRuntime
from tests.fixtures.fake_runtime_agent import agent_config, running_agent
from tests.fixtures.objects import from_yaml
from tests.fixtures.etcd import free_port
from tests.fixtures.wait import eventually

pytestmark = pytest.mark.integration

POD = """
apiVersion: v1
kind: Pod
metadata: {name: talk, namespace: default}
spec:
  nodeName: node-a
  containers:
  - {name: app, image: busybox:latest, imagePullPolicy: IfNotPresent}
"""


async def _running_pod(client, runtime):
    await client.create(from_yaml(POD))

    async def running():
        return (await client.get("Pod", "talk")).status.phase == "Running"
    await eventually(running, 15, what="the pod Running")
    (app,) = [c for c in await runtime.list({base.LABEL_POD_NAME: "talk"})
              if c.labels[base.LABEL_CONTAINER_NAME] == "app"]
    return app


async def test_logs_and_logs_follow(kubectl, client, tmp_path):
    runtime = FakeRuntime()
    async with running_agent(client, agent_config(client.server, tmp_path), runtime):
        app = await _running_pod(client, runtime)
        runtime.write_log(app.id, b"one\n")
        runtime.write_log(app.id, b"two\n")
        r = await kubectl("logs", "talk")
        assert (r.code, r.out) == (0, "one\ntwo\n"), r.err
        assert (await kubectl("logs", "talk", "--tail=1")).out == "two\n"
        follow = await kubectl.start("logs", "-f", "talk")
        assert await follow.stdout.readline() == b"one\n"
        runtime.write_log(app.id, b"three\n")
        lines = [await follow.stdout.readline() for _ in range(2)]
        assert lines == [b"two\n", b"three\n"]
        missing = await kubectl("logs", "talk", "-c", "nope")
        assert missing.code == 1 and "nope" in missing.err


async def test_exec_relays_output_and_exit_code(kubectl, client, tmp_path):
    runtime = FakeRuntime()
    runtime.exec_handler = lambda info, command: base.ExecResult(exit_code=4, output=" ".join(command).encode())
    async with running_agent(client, agent_config(client.server, tmp_path), runtime):
        await _running_pod(client, runtime)
        r = await kubectl("exec", "talk", "--", "echo", "hi")
        assert r.out == "echo hi"
        assert r.code == 4, r.err
        assert "command terminated with exit code 4" in r.err
        runtime.exec_handler = lambda info, command: base.ExecResult(exit_code=0, output=b"ok\n")
        ok = await kubectl("exec", "talk", "-c", "app", "--", "true")
        assert (ok.code, ok.out) == (0, "ok\n"), ok.err


async def test_exec_on_a_missing_pod_is_not_found(kubectl):
    r = await kubectl("exec", "ghost", "--", "true")
    assert r.code == 1
    assert 'pods "ghost" not found' in r.err


HOST_POD = """
apiVersion: v1
kind: Pod
metadata: {name: host, namespace: default}
spec:
  nodeName: node-a
  hostNetwork: true
  containers:
  - {name: app, image: busybox:latest, imagePullPolicy: IfNotPresent}
"""


async def test_kubectl_port_forward_reaches_the_pods_port(kubectl, client, tmp_path):
    async def echo(reader, writer):
        while data := await reader.read(1024):
            writer.write(b"echo:" + data)
            await writer.drain()
        writer.close()
    server = await asyncio.start_server(echo, "127.0.0.1", 0)  # the host-network pod's port on its node
    port = server.sockets[0].getsockname()[1]
    local = free_port()
    runtime = FakeRuntime()
    try:
        async with running_agent(client, agent_config(client.server, tmp_path), runtime):
            await client.create(from_yaml(HOST_POD))

            async def running():
                return (await client.get("Pod", "host")).status.phase == "Running"
            await eventually(running, 15, what="the pod Running")
            forward = await kubectl.start("port-forward", "pod/host", f"{local}:{port}")
            line = await asyncio.wait_for(forward.stdout.readline(), 20)
            assert line.startswith(f"Forwarding from 127.0.0.1:{local}".encode()), line
            for attempt in ("one", "two"):  # each connection is its own pair of streams
                reader, writer = await asyncio.open_connection("127.0.0.1", local)
                writer.write(attempt.encode())
                await writer.drain()
                assert await asyncio.wait_for(reader.read(100), 10) == f"echo:{attempt}".encode()
                writer.close()
    finally:
        server.close()
        await server.wait_closed()
