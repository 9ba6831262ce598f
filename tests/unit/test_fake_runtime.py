"""FakeRuntime: containers run until stopped, scripted exits and pull failures, logs and exec."""
from __future__ import annotations

import asyncio
import contextlib

import pytest

from nodeagent.runtime.base import (
    ContainerNotFound, ContainerSpec, ExecResult, ImageNeverPullError, ImagePullError, RuntimeError_,
)
from nodeagent.runtime.fake import FakeRuntime
from tests.fixtures.wait import eventually


def spec(name: str, image: str = "busybox:latest", **labels) -> ContainerSpec:
    return ContainerSpec(name=name, image=image, labels={"io.skiff.node": "n1", **labels})


async def test_container_runs_until_stopped():
    rt = FakeRuntime()
    cid = await rt.create(spec("c1"))
    assert (await rt.inspect(cid)).state == "created"
    await rt.start(cid)
    info = await rt.inspect(cid)
    assert info.state == "running" and info.pid > 0 and info.started_at
    await rt.stop(cid, 10)
    info = await rt.inspect(cid)
    assert (info.state, info.exit_code, info.pid) == ("exited", 0, 0)


async def test_scripted_exit_with_code_and_oom():
    rt = FakeRuntime()
    rt.exit_with("busybox:latest", 137, oom_killed=True)
    cid = await rt.create(spec("c1"))
    await rt.start(cid)
    info = await rt.inspect(cid)
    assert (info.state, info.exit_code, info.oom_killed) == ("exited", 137, True)


async def test_scripted_exit_after_delay_ends_a_log_follow():
    rt = FakeRuntime()
    rt.exit_with("busybox:latest", 2, after_s=0.2)
    cid = await rt.create(spec("c1"))
    await rt.start(cid)
    rt.write_log(cid, b"hello\n")
    async with contextlib.aclosing(rt.logs(cid, follow=True)) as chunks:
        assert [c async for c in chunks] == [b"hello\n"]
    assert (await rt.inspect(cid)).exit_code == 2


async def test_pull_failure_and_never_policy():
    rt = FakeRuntime()
    rt.fail_pull("private/app:1", "pull access denied")
    with pytest.raises(ImagePullError, match="pull access denied"):
        await rt.ensure_image("private/app:1", "IfNotPresent")
    with pytest.raises(ImageNeverPullError):
        await rt.ensure_image("other:1", "Never")
    assert await rt.ensure_image("other:1", "IfNotPresent")
    assert await rt.ensure_image("other:1", "Never")


async def test_list_filters_by_labels_and_remove_forgets():
    rt = FakeRuntime()
    a = await rt.create(spec("a", **{"io.skiff.pod.uid": "u1"}))
    await rt.create(spec("b", **{"io.skiff.pod.uid": "u2"}))
    assert [c.name for c in await rt.list({"io.skiff.pod.uid": "u1"})] == ["a"]
    assert len(await rt.list({"io.skiff.node": "n1"})) == 2
    await rt.remove(a)
    await rt.remove(a)  # a missing container is not an error
    with pytest.raises(ContainerNotFound):
        await rt.inspect(a)


async def test_duplicate_name_conflicts():
    rt = FakeRuntime()
    await rt.create(spec("a"))
    with pytest.raises(RuntimeError_, match="already in use"):
        await rt.create(spec("a"))


async def test_exec_uses_handler_and_needs_a_running_container():
    rt = FakeRuntime()
    rt.exec_handler = lambda info, cmd: ExecResult(exit_code=1 if cmd[0] == "false" else 0, output=cmd[-1].encode())
    cid = await rt.create(spec("a"))
    with pytest.raises(RuntimeError_, match="not running"):
        await rt.exec(cid, ["true"])
    await rt.start(cid)
    assert (await rt.exec(cid, ["false"])).exit_code == 1
    session = await rt.exec_session(cid, ["echo", "hi"])
    assert [c async for c in session.output()] == [("stdout", b"hi")]
    assert await session.exit_code() == 0


async def test_follow_sees_lines_written_later_and_ends_on_stop():
    rt = FakeRuntime()
    cid = await rt.create(spec("a"))
    await rt.start(cid)
    seen = []

    async def follow():
        async for chunk in rt.logs(cid, follow=True):
            seen.append(chunk)

    task = asyncio.create_task(follow())
    try:
        rt.write_log(cid, b"one\n")
        await eventually(lambda: seen == [b"one\n"], timeout=2)
        await rt.stop(cid, 1)
        await asyncio.wait_for(task, 2)
    finally:
        task.cancel()
    assert seen == [b"one\n"]


async def test_a_list_by_pod_uid_finds_that_pods_containers_and_names_stay_unique_across_pods():
    rt = FakeRuntime()
    uid = "io.skiff.pod.uid"
    a = await rt.create(spec("a-app", **{uid: "A"}))
    await rt.create(spec("b-app", **{uid: "B"}))
    assert [c.id for c in await rt.list({uid: "A"})] == [a]
    assert len(await rt.list({"io.skiff.node": "n1"})) == 2
    with pytest.raises(RuntimeError_, match="already in use"):
        await rt.create(spec("a-app", **{uid: "B"}))
    await rt.remove(a)
    assert await rt.list({uid: "A"}) == []
    await rt.create(spec("a-app", **{uid: "B"}))  # the name is free again
