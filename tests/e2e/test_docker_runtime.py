"""DockerRuntime against the real dockerd: local images, limits, OOM, pull failures, exec and logs."""
from __future__ import annotations

import asyncio
import contextlib
import time

import docker
import pytest

from nodeagent.runtime.base import (
    ContainerNotFound, ContainerSpec, ImageNeverPullError, ImagePullError,
)
from nodeagent.runtime.images import BUSYBOX_IMAGE, PAUSE_IMAGE, ensure_local_images
from tests.fixtures.wait import eventually


def busybox(name: str, labels: dict, command: list[str], **kw) -> ContainerSpec:
    return ContainerSpec(name=f"{name}-{labels['io.skiff.node']}", image=BUSYBOX_IMAGE, labels=labels,
                         command=command, **kw)


async def test_local_images_are_idempotent_and_have_the_applets(docker_runtime, node_label):
    assert ensure_local_images() == []
    applets = "for a in httpd wget nslookup nc sleep sh; do command -v $a >/dev/null || exit 1; done"
    cid = await docker_runtime.create(busybox("applets", node_label, ["sh", "-c", applets]))
    await docker_runtime.start(cid)
    info = await eventually(lambda: _exited(docker_runtime, cid), timeout=20, what="applet check exit")
    assert info.exit_code == 0


async def _exited(runtime, cid):
    info = await runtime.inspect(cid)
    return info if info.state == "exited" else None


async def test_limits_namespaces_and_labels_reach_docker(docker_runtime, node_label):
    sandbox = await docker_runtime.create(ContainerSpec(
        name=f"sb-{node_label['io.skiff.node']}", image=PAUSE_IMAGE, labels=node_label,
        network_mode="none", ipc_mode="shareable", hostname="web-1"))
    await docker_runtime.start(sandbox)
    app = await docker_runtime.create(busybox(
        "limited", node_label, ["sleep", "300"], network_mode=f"container:{sandbox}",
        ipc_mode=f"container:{sandbox}", memory_limit_bytes=64 << 20, cpu_quota_us=25000,
        cpu_period_us=100000, cpu_shares=256))
    with contextlib.closing(docker.from_env()) as client:
        host = client.api.inspect_container(app)["HostConfig"]
        sandbox_network = client.api.inspect_container(sandbox)["HostConfig"]["NetworkMode"]
    assert (host["Memory"], host["CpuQuota"], host["CpuPeriod"], host["CpuShares"]) == (64 << 20, 25000, 100000, 256)
    assert (host["NetworkMode"], host["IpcMode"]) == (f"container:{sandbox}", f"container:{sandbox}")
    assert sandbox_network == "none"
    assert {c.id for c in await docker_runtime.list(node_label)} == {sandbox, app}


async def test_pause_container_stops_at_once(docker_runtime, node_label):
    sandbox = await docker_runtime.create(ContainerSpec(
        name=f"pause-{node_label['io.skiff.node']}", image=PAUSE_IMAGE, labels=node_label))
    await docker_runtime.start(sandbox)
    started = time.monotonic()
    await docker_runtime.stop(sandbox, 30)
    assert time.monotonic() - started < 5
    info = await docker_runtime.inspect(sandbox)
    assert (info.state, info.exit_code) == ("exited", 0)


async def test_oom_kill_is_reported(docker_runtime, node_label):
    hog = "x=$(head -c 100000000 /dev/zero | tr '\\0' x); sleep 1"
    cid = await docker_runtime.create(busybox("hog", node_label, ["sh", "-c", hog],
                                              memory_limit_bytes=16 << 20))
    await docker_runtime.start(cid)
    info = await eventually(lambda: _exited(docker_runtime, cid), timeout=30, what="memory hog exit")
    assert info.oom_killed
    assert info.exit_code == 137


async def test_pull_failure_fails_fast_with_the_daemons_message(docker_runtime):
    started = time.monotonic()
    with pytest.raises(ImagePullError) as caught:
        await docker_runtime.ensure_image("skiff-e2e-missing/nothing:1", "IfNotPresent")
    assert time.monotonic() - started < 15
    message = str(caught.value)
    assert "skiff-e2e-missing/nothing:1" in message
    assert len(message) > len('failed to pull image "skiff-e2e-missing/nothing:1": ')
    with pytest.raises(ImageNeverPullError):
        await docker_runtime.ensure_image("skiff-e2e-missing/nothing:1", "Never")


async def test_always_falls_back_to_a_locally_built_image(docker_runtime):
    assert (await docker_runtime.ensure_image(BUSYBOX_IMAGE, "Always")).startswith("sha256:")


async def test_exec_returns_exit_code_and_output_and_times_out(docker_runtime, node_label):
    cid = await docker_runtime.create(busybox("exec", node_label, ["sleep", "300"]))
    await docker_runtime.start(cid)
    result = await docker_runtime.exec(cid, ["sh", "-c", "echo out; echo err >&2; exit 3"], timeout_s=10)
    assert (result.exit_code, result.timed_out) == (3, False)
    assert b"out\n" in result.output and b"err\n" in result.output
    started = time.monotonic()
    slow = await docker_runtime.exec(cid, ["sleep", "30"], timeout_s=0.5)
    assert slow.timed_out and time.monotonic() - started < 5
    session = await docker_runtime.exec_session(cid, ["sh"], stdin=True)
    try:
        await session.write(b"echo typed; exit 4\n")
        await session.close_stdin()
        assert [chunk async for chunk in session.output()] == [("stdout", b"typed\n")]
        assert await session.exit_code() == 4
    finally:
        await session.close()


async def test_logs_tail_and_follow(docker_runtime, node_label):
    script = "echo one; echo two; sleep 0.3; echo three; sleep 300"
    cid = await docker_runtime.create(busybox("logs", node_label, ["sh", "-c", script]))
    await docker_runtime.start(cid)

    async def followed():
        got = b""
        async with contextlib.aclosing(docker_runtime.logs(cid, follow=True, tail=1)) as chunks:
            async for chunk in chunks:
                got += chunk
                if b"three" in got:
                    return got

    assert b"three" in await asyncio.wait_for(followed(), 20)
    whole = b"".join([c async for c in docker_runtime.logs(cid)])
    assert whole == b"one\ntwo\nthree\n"


async def test_missing_containers(docker_runtime):
    with pytest.raises(ContainerNotFound):
        await docker_runtime.inspect("skiff-e2e-no-such-container")
    await docker_runtime.remove("skiff-e2e-no-such-container")
