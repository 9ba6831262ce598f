"""`skiff logs` and `skiff exec` from the user's side: through the API server, proxied to the pod's agent."""
from __future__ import annotations

import asyncio
import io
import os
import tempfile
from pathlib import Path

from cli.main import main as skiff
from tests.fixtures.pki import test_pki
from tests.e2e.agent_fixtures import agent_cluster  # noqa: F401 (fixture)
from tests.fixtures.agent_pods import running

CHATTY = """
apiVersion: v1
kind: Pod
metadata: {name: chatty}
spec:
  containers:
  - name: main
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    command: [sh, -c, "for i in 1 2 3 4 5; do echo line-$i; done; sleep 3600"]
  - name: side
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    command: [sh, -c, "echo side-says-hi; sleep 3600"]
"""


async def cli(server: str, *argv: str) -> tuple[int, str, str]:
    """The CLI as the cluster admin (its config in a temp dir, named by $SKIFF_CONFIG)."""
    out, err = io.StringIO(), io.StringIO()
    with tempfile.TemporaryDirectory() as home:
        config = test_pki().kubeconfig(server, Path(home) / "config")
        previous = os.environ.get("SKIFF_CONFIG")
        os.environ["SKIFF_CONFIG"] = str(config)
        try:
            code = await asyncio.to_thread(skiff, list(argv), out, err)
        finally:
            if previous is None:
                os.environ.pop("SKIFF_CONFIG", None)
            else:
                os.environ["SKIFF_CONFIG"] = previous
    return code, out.getvalue(), err.getvalue()


async def test_logs_and_exec_through_the_api_server(agent_cluster):
    host = agent_cluster.add_host()
    await agent_cluster.start_agent(host)
    await agent_cluster.create_pod(CHATTY, host)
    await agent_cluster.wait_pod("chatty", running, 60, "chatty Running")
    server = agent_cluster.client.server

    async def logged():
        code, out, _ = await cli(server, "logs", "chatty")
        return out if code == 0 and "line-5" in out else None
    from tests.fixtures.wait import eventually
    out = await eventually(logged, 10, 0.2, "logs of chatty")
    assert out.split() == [f"line-{i}" for i in range(1, 6)]
    code, out, _ = await cli(server, "logs", "chatty", "--tail", "2")
    assert (code, out.split()) == (0, ["line-4", "line-5"])
    code, out, _ = await cli(server, "logs", "pod/chatty", "-c", "side")
    assert (code, out.strip()) == (0, "side-says-hi")

    code, out, err = await cli(server, "exec", "chatty", "-c", "side", "--", "sh", "-c", "echo out; echo err >&2; exit 7")
    assert code == 7, err
    assert out.strip() == "out"
    assert err.strip() == "err"
    code, out, _ = await cli(server, "exec", "chatty", "--", "hostname")
    assert (code, out.strip()) == (0, "chatty")

    code, _, err = await cli(server, "exec", "chatty", "-c", "nope", "--", "true")
    assert code == 1 and 'container "nope" is not valid' in err
    code, _, err = await cli(server, "logs", "missing")
    assert code == 1 and "not found" in err


async def test_exec_passes_stdin_through_the_api_server(agent_cluster):
    from proto import api_pb2
    host = agent_cluster.add_host()
    await agent_cluster.start_agent(host)
    await agent_cluster.create_pod(CHATTY, host)
    await agent_cluster.wait_pod("chatty", running, 60, "chatty Running")

    async def requests():
        yield api_pb2.ExecRequest(namespace="default", name="chatty", command=["sh", "-c", "tr a-z A-Z; exit 3"],
                                  stdin=True)
        yield api_pb2.ExecRequest(stdin_data=b"hello ")
        yield api_pb2.ExecRequest(stdin_data=b"world", stdin_close=True)
    out, code = b"", None
    async for response in agent_cluster.client.exec_stream(requests()):
        out += response.stdout
        if response.exited:
            code = response.exit_code
    assert (out, code) == (b"HELLO WORLD", 3)
