"""`skiff port-forward`, `skiff cp` and `skiff run --rm -i` against pods in Docker on a netns host: bytes reach a
server bound to 127.0.0.1 inside the pod (the agent dials from the pod's namespace), files go in and out
through tar, and stdin reaches a container's main process through attach."""
from __future__ import annotations

import asyncio
import io

import pytest

from cli.main import main as skiff
from tests.e2e.agent_fixtures import agent_cluster  # noqa: F401 (fixture)
from tests.fixtures.cli_runner import SKIFF, start_process, stop_process
from tests.fixtures.pki import test_pki

WEB = """
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: main
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    command: [sh, -c, "mkdir -p /www && echo hello-from-pod > /www/index.html && httpd -f -p 127.0.0.1:8080 -h /www"]
"""


def running(pod) -> bool:
    return pod.status.phase == "Running" and all(c.ready for c in pod.status.container_statuses)


@pytest.fixture
def admin(agent_cluster, tmp_path, monkeypatch):
    """The CLI (in this process and in the ones it starts) as the cluster admin, by $SKIFF_CONFIG."""
    config = test_pki().kubeconfig(agent_cluster.client.server, tmp_path / "admin-config")
    monkeypatch.setenv("SKIFF_CONFIG", str(config))
    return agent_cluster


async def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = await asyncio.to_thread(skiff, list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


async def _get(port: int) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /index.html HTTP/1.0\r\n\r\n")
    await writer.drain()
    body = await asyncio.wait_for(reader.read(), 20)
    writer.close()
    return body


async def test_port_forward_reaches_a_server_listening_on_the_pods_localhost(admin, agent_cluster):
    host = agent_cluster.add_host()
    await agent_cluster.start_agent(host)
    await agent_cluster.create_pod(WEB, host)
    await agent_cluster.wait_pod("web", running, 60, "web Running")
    proc = await start_process("port-forward", "pod/web", ":8080", "--address", "127.0.0.1")
    try:
        line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode()
        assert line.startswith("Forwarding from 127.0.0.1:") and line.strip().endswith("-> 8080"), line
        local = int(line.split(":")[1].split()[0])
        body = b""
        for _ in range(50):  # httpd may still be starting although the container runs
            body = await _get(local)
            if b"hello-from-pod" in body:
                break
            await asyncio.sleep(0.2)
        assert b"hello-from-pod" in body
        assert b"200 OK" in body.split(b"\r\n", 1)[0]
    finally:
        await stop_process(proc)

    proc = await start_process("port-forward", "pod/web", ":9999", "--address", "127.0.0.1")
    try:
        local = int((await asyncio.wait_for(proc.stdout.readline(), 20)).decode().split(":")[1].split()[0])
        _, writer = await asyncio.open_connection("127.0.0.1", local)
        code = await asyncio.wait_for(proc.wait(), 20)
        err = (await proc.stderr.read()).decode()
        writer.close()
    finally:
        await stop_process(proc)
    assert code == 1 and err.count("\n") == 1 and "connect: connection refused" in err, err


async def test_cp_copies_files_and_directories_both_ways(admin, agent_cluster, tmp_path):
    host = agent_cluster.add_host()
    await agent_cluster.start_agent(host)
    await agent_cluster.create_pod(WEB, host)
    await agent_cluster.wait_pod("web", running, 60, "web Running")
    (tmp_path / "app.conf").write_text("level=debug\n")
    tree = tmp_path / "site"
    (tree / "css").mkdir(parents=True)
    (tree / "index.html").write_text("<p>hi</p>\n")
    (tree / "css" / "main.css").write_text("p {}\n")

    assert (await cli("cp", str(tmp_path / "app.conf"), "web:/tmp/renamed.conf"))[0] == 0
    assert await cli("exec", "web", "--", "cat", "/tmp/renamed.conf") == (0, "level=debug\n", "")
    code, _, err = await cli("cp", str(tree), "web:/srv")
    assert code == 0, err
    assert (await cli("exec", "web", "--", "cat", "/srv/css/main.css"))[1] == "p {}\n"

    code, _, err = await cli("cp", "web:/srv", str(tmp_path / "back"))
    assert code == 0, err
    assert (tmp_path / "back" / "index.html").read_text() == "<p>hi</p>\n"
    assert (tmp_path / "back" / "css" / "main.css").read_text() == "p {}\n"

    code, out, err = await cli("cp", str(tmp_path / "app.conf"), "web:/no/such/dir/app.conf")
    assert (code, out) == (1, "")
    assert err.count("\n") == 1 and err.startswith("error: cannot copy to web:/no/such/dir/app.conf: ")
    assert "/no/such/dir" in err


async def _bind_when_created(client, name: str, node: str) -> None:
    """The scheduler's one decision, done by hand: this e2e cluster runs none."""
    from api import errors
    from tests.fixtures.wait import eventually

    async def created():
        try:
            return await client.get("Pod", name)
        except errors.NotFound:
            return None
    pod = await eventually(created, 30, 0.1, f"pod {name} created")
    await client.bind("default", name, node, uid=pod.metadata.uid)


async def test_run_rm_i_attaches_stdin_returns_the_exit_code_and_deletes_the_pod(admin, agent_cluster):
    from tests.fixtures.wait import eventually
    host = agent_cluster.add_host()
    await agent_cluster.start_agent(host)
    proc = await asyncio.create_subprocess_exec(
        SKIFF, "run", "once", "--rm", "-i", "--image=busybox:latest",
        "--restart=Never", "--", "sh", "-c", "read x; echo got-$x; exit 3",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        await _bind_when_created(agent_cluster.client, "once", host.name)
        out, err = await asyncio.wait_for(proc.communicate(b"hello\n"), 90)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 3, err
    assert out.decode().splitlines() == ["got-hello", 'pod "once" deleted']
    await agent_cluster.wait_gone("once", 30)

    async def containers_removed():
        return not await agent_cluster.containers("once")
    await eventually(containers_removed, 30, 0.2, "the pod's containers removed")
