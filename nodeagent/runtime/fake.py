"""A runtime that only pretends, instantly: for hollow nodes and the agent's tests.

Containers "run" until stopped, or until a scripted exit; no background tasks, state is computed when asked.
"""
from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace

from api import meta
from nodeagent.runtime import base
from nodeagent.runtime.base import (
    ContainerInfo, ContainerNotFound, ContainerSpec, ExecResult, ExecSession, ImageNeverPullError,
    ImagePullError, Runtime, RuntimeError_,
)


@dataclass(frozen=True)
class ScriptedExit:
    """Containers of an image leave `after_s` seconds after starting with `exit_code`."""

    exit_code: int
    after_s: float = 0.0
    oom_killed: bool = False


@dataclass
class _Container:
    spec: ContainerSpec
    info: ContainerInfo
    started_mono: float = 0.0
    script: ScriptedExit | None = None
    log: list[bytes] = field(default_factory=list)
    log_changed: asyncio.Event = field(default_factory=asyncio.Event)


class FakeRuntime(Runtime):
    def __init__(self, images: tuple[str, ...] = ("busybox:latest", "skiff/pause:latest"),
                 pullable: bool = True):
        self.images: set[str] = set(images)
        self.pullable = pullable  # any image not present is pulled, unless listed in pull_errors
        self.pull_errors: dict[str, str] = {}
        self.exits: dict[str, ScriptedExit] = {}
        self.create_errors: dict[str, str] = {}  # image -> the daemon's message at create
        self.start_errors: dict[str, str] = {}  # image -> the daemon's message at start
        self.image_users: dict[str, str] = {}  # image -> its USER ("" : root)
        self.exec_handler: Callable[[ContainerInfo, list[str]], ExecResult] = \
            lambda info, command: ExecResult(exit_code=0, output=b"")
        self.stop_exit_code = 0
        self.calls: list[tuple] = []  # (verb, argument) of every call, for tests
        self.pull_auth: dict[str, dict | None] = {}  # image -> the credentials of its last ensure_image
        self._containers: dict[str, _Container] = {}
        # By pod uid: an agent lists one pod's containers at every sync, and a hollow process holds
        # thousands of pods, so a list does not walk every container.
        self._by_pod: dict[str, dict[str, _Container]] = {}
        self._names: set[str] = set()  # container names are unique in a runtime, as Docker's
        self._ids = itertools.count(1)

    # Scripting

    def fail_pull(self, image: str, message: str = "manifest unknown") -> None:
        self.pull_errors[image] = message

    def exit_with(self, image: str, exit_code: int, after_s: float = 0.0, oom_killed: bool = False) -> None:
        self.exits[image] = ScriptedExit(exit_code, after_s, oom_killed)

    def fail_create(self, image: str, message: str = "No command specified") -> None:
        self.create_errors[image] = message

    def fail_start(self, image: str, message: str = "exec: \"nope\": executable file not found in $PATH") -> None:
        self.start_errors[image] = message

    def spec_of(self, container_id: str) -> ContainerSpec:
        """What the container was created with (env, mounts), for tests."""
        return self._get(container_id).spec

    def write_log(self, container_id: str, data: bytes) -> None:
        container = self._get(container_id)
        container.log.append(data)
        container.log_changed.set()

    # Runtime

    async def ensure_image(self, image: str, pull_policy: str, auth: dict[str, str] | None = None) -> str:
        self.calls.append(("ensure_image", image))
        self.pull_auth[image] = auth
        present = image in self.images
        if pull_policy == "Never" and not present:
            raise ImageNeverPullError(f'image "{image}" is not present on the node and its pull policy is Never')
        if pull_policy == "Never" or (present and pull_policy != "Always"):
            return "sha256:fake-" + image
        error = self.pull_errors.get(image) or ("" if self.pullable else "no registry reachable")
        # As DockerRuntime: a present image that cannot be pulled is used, unless scripted to fail.
        if error and (image in self.pull_errors or not present):
            raise ImagePullError(f'failed to pull image "{image}": {error}')
        self.images.add(image)
        return "sha256:fake-" + image

    async def image_user(self, image: str) -> str:
        return self.image_users.get(image, "")

    async def create(self, spec: ContainerSpec) -> str:
        self.calls.append(("create", spec.name))
        if spec.name in self._names:
            raise RuntimeError_(f'Conflict. The container name "/{spec.name}" is already in use')
        if spec.image not in self.images:
            raise RuntimeError_(f"No such image: {spec.image}")
        if spec.image in self.create_errors:
            raise RuntimeError_(f"creating container {spec.name}: {self.create_errors[spec.image]}")
        container_id = f"{next(self._ids):064x}"
        info = ContainerInfo(id=container_id, name=spec.name, labels=dict(spec.labels), image=spec.image,
                             image_id="sha256:fake-" + spec.image, state="created")
        container = self._containers[container_id] = _Container(spec, info)
        self._by_pod.setdefault(info.labels.get(base.LABEL_POD_UID, ""), {})[container_id] = container
        self._names.add(spec.name)
        return container_id

    async def start(self, container_id: str) -> None:
        self.calls.append(("start", container_id))
        container = self._get(container_id)
        if container.spec.image in self.start_errors:
            raise RuntimeError_(self.start_errors[container.spec.image])
        container.started_mono = time.monotonic()
        container.script = self.exits.get(container.spec.image)
        container.info = replace(container.info, state="running", started_at=meta.now_text(), finished_at="",
                                 exit_code=0, oom_killed=False, pid=100000 + int(container_id, 16) % 100000)

    async def stop(self, container_id: str, timeout_s: float) -> None:
        self.calls.append(("stop", container_id))
        container = self._get(container_id)
        self._settle(container)
        if container.info.state == "running":
            self._finish(container, self.stop_exit_code, oom_killed=False)

    async def remove(self, container_id: str) -> None:
        self.calls.append(("remove", container_id))
        container = self._containers.pop(container_id, None)
        if container is not None:
            pod = container.info.labels.get(base.LABEL_POD_UID, "")
            self._by_pod[pod].pop(container_id, None)
            if not self._by_pod[pod]:
                del self._by_pod[pod]
            self._names.discard(container.info.name)
            container.log_changed.set()

    async def inspect(self, container_id: str) -> ContainerInfo:
        container = self._get(container_id)
        self._settle(container)
        return container.info

    async def list(self, labels: dict[str, str]) -> list[ContainerInfo]:
        found = []
        for container in list(self._pod_of(labels.get(base.LABEL_POD_UID))):
            if all(container.info.labels.get(k) == v for k, v in labels.items()):
                self._settle(container)
                found.append(container.info)
        return found

    async def exec(self, container_id: str, command: list[str], timeout_s: float | None = None) -> ExecResult:
        self.calls.append(("exec", container_id, tuple(command)))
        info = await self.inspect(container_id)
        if info.state != "running":
            raise RuntimeError_(f"container {container_id} is not running")
        return self.exec_handler(info, command)

    async def logs(self, container_id: str, follow: bool = False, tail: int = -1,
                   timestamps: bool = False, since: float = 0) -> AsyncIterator[bytes]:
        # the fake keeps no times for its lines: `since` selects them all
        container = self._get(container_id)
        sent = 0 if tail < 0 else max(0, len(container.log) - tail)
        while True:
            container.log_changed.clear()
            while sent < len(container.log):
                yield container.log[sent]
                sent += 1
            self._settle(container)
            if not follow or container.info.state != "running" or container_id not in self._containers:
                return
            try:
                await asyncio.wait_for(container.log_changed.wait(), self._time_to_exit(container))
            except TimeoutError:
                pass  # a scripted exit is due: settle and end

    async def exec_session(self, container_id: str, command: list[str], tty: bool = False,
                           stdin: bool = False) -> ExecSession:
        return _FakeExecSession(await self.exec(container_id, command))

    # Internals

    def _pod_of(self, uid: str | None):
        """The containers labelled with this pod uid, or every container when no uid is given."""
        if uid is None:
            return self._containers.values()
        return self._by_pod.get(uid, {}).values()

    def _get(self, container_id: str) -> _Container:
        try:
            return self._containers[container_id]
        except KeyError:
            raise ContainerNotFound(f"container {container_id} not found") from None

    def _settle(self, container: _Container) -> None:
        """Apply a scripted exit whose time has come."""
        script = container.script
        if container.info.state == "running" and script is not None \
                and time.monotonic() - container.started_mono >= script.after_s:
            self._finish(container, script.exit_code, script.oom_killed)

    def _time_to_exit(self, container: _Container) -> float | None:
        if container.script is None:
            return None
        return max(0.0, container.script.after_s - (time.monotonic() - container.started_mono))

    def _finish(self, container: _Container, exit_code: int, oom_killed: bool) -> None:
        container.info = replace(container.info, state="exited", exit_code=exit_code, oom_killed=oom_killed,
                                 finished_at=meta.now_text(), pid=0)
        container.log_changed.set()


class _FakeExecSession(ExecSession):
    def __init__(self, result: ExecResult):
        self._result = result
        self.stdin = bytearray()

    async def write(self, data: bytes) -> None:
        self.stdin += data

    async def close_stdin(self) -> None:
        pass

    async def output(self) -> AsyncIterator[tuple[str, bytes]]:
        if self._result.output:
            yield "stdout", self._result.output

    async def exit_code(self) -> int:
        return self._result.exit_code

    async def close(self) -> None:
        pass
