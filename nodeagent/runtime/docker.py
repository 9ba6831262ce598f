"""The Docker runtime: containers through the docker SDK, whose blocking calls run in a bounded thread pool.

Log follows and interactive execs read in their own threads (see `streams`), so they never hold a pool worker.
"""
from __future__ import annotations

import asyncio
import functools
import json
import math
import socket
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import docker
from docker.errors import DockerException, ImageNotFound, NotFound
from docker.utils import parse_repository_tag

from api import meta
from nodeagent.runtime import streams
from nodeagent.runtime.base import (
    ContainerInfo, ContainerNotFound, ContainerSpec, ExecResult, ExecSession, ImageNeverPullError,
    ImagePullError, Runtime, RuntimeError_,
)

_STATES = {"created": "created", "running": "running", "exited": "exited", "dead": "exited"}
_ZERO_TIME = "0001-01-01T00:00:00Z"
# Docker handles containerd's OOM event after the exit event when it arrives second (one queue per
# container), so a container can read "exited, not OOMKilled" for a moment before the flag and the
# "oom" event come. A SIGKILLed exit of a memory-limited container waits this long for them: on a loaded
# machine (CI's 2 cores) 3 s was seen to be too short. A container the agent stopped itself never waits.
OOM_SETTLE_S = 10.0
SIGKILL_EXIT = 137


def _message(e: DockerException) -> str:
    explanation = getattr(e, "explanation", None)
    return str(explanation or e)


def _timestamp(text: str) -> str:
    """Docker's nanosecond timestamps as RFC 3339 seconds; "" for never."""
    if not text or text.startswith("0001-01-01"):
        return ""
    return meta.format_time(meta.parse_time(text))


def container_info(attrs: dict) -> ContainerInfo:
    """A ContainerInfo from `docker inspect` output."""
    state = attrs.get("State") or {}
    config = attrs.get("Config") or {}
    return ContainerInfo(
        id=attrs["Id"],
        name=attrs.get("Name", "").lstrip("/"),
        labels=dict(config.get("Labels") or {}),
        image=config.get("Image", ""),
        image_id=attrs.get("Image", ""),
        state=_STATES.get(state.get("Status", ""), "unknown"),
        exit_code=int(state.get("ExitCode") or 0),
        started_at=_timestamp(state.get("StartedAt", "")),
        finished_at=_timestamp(state.get("FinishedAt", "")),
        oom_killed=bool(state.get("OOMKilled")),
        error=state.get("Error") or "",
        pid=int(state.get("Pid") or 0),
    )


def may_be_oom_unsettled(attrs: dict) -> bool:
    """An exit that an OOM kill could explain but that Docker has not (yet) flagged: SIGKILL's exit code
    under a memory limit. Only these wait for Docker's "oom" event."""
    state = attrs.get("State") or {}
    memory = (attrs.get("HostConfig") or {}).get("Memory") or 0
    return (_STATES.get(state.get("Status", "")) == "exited" and not state.get("OOMKilled")
            and int(state.get("ExitCode") or 0) == SIGKILL_EXIT and memory > 0)


def host_config_args(spec: ContainerSpec) -> dict:
    """The HostConfig of a spec: namespaces, mounts and resource limits."""
    args: dict = {
        "network_mode": spec.network_mode,
        # Structured mounts, not "src:dst:mode" strings: a path holding ":" cannot split a mount.
        "mounts": [docker.types.Mount(m.target, m.source, type="bind", read_only=m.read_only,
                                      propagation=m.propagation or None) for m in spec.mounts],
    }
    if spec.ipc_mode:
        args["ipc_mode"] = spec.ipc_mode
    if spec.memory_limit_bytes:
        # Swap equal to memory means no swap: over the limit is an OOM kill, as in Kubernetes.
        args["mem_limit"] = spec.memory_limit_bytes
        args["memswap_limit"] = spec.memory_limit_bytes
    if spec.cpu_quota_us and spec.cpu_period_us:
        args["cpu_quota"] = spec.cpu_quota_us
        args["cpu_period"] = spec.cpu_period_us
    if spec.cpu_shares:
        args["cpu_shares"] = spec.cpu_shares
    if spec.pid_mode:
        args["pid_mode"] = spec.pid_mode
    for name in ("group_add", "cap_add", "cap_drop", "security_opt"):
        if getattr(spec, name):
            args[name] = list(getattr(spec, name))
    if spec.read_only_rootfs:
        args["read_only"] = True
    if spec.privileged:
        args["privileged"] = True
    if spec.sysctls:
        args["sysctls"] = dict(spec.sysctls)
    return args


class SeccompProfileError(OSError):
    """A Localhost seccomp profile that cannot be read or is not JSON."""


def load_seccomp_profile(path: str) -> str:
    """Docker's option for a profile file: its JSON itself, compacted (the daemon takes no path), as
    dockershim sent it."""
    try:
        with open(path, "rb") as f:
            profile = json.load(f)
    except OSError as e:
        raise SeccompProfileError(f'cannot load seccomp profile "{path}": {e.strerror}') from None
    except ValueError as e:
        raise SeccompProfileError(f'cannot load seccomp profile "{path}": not JSON: {e}') from None
    return "seccomp=" + json.dumps(profile, separators=(",", ":"))


class DockerRuntime(Runtime):
    def __init__(self, max_workers: int = 8, base_url: str | None = None, timeout_s: float = 60):
        self._pool = ThreadPoolExecutor(max_workers, thread_name_prefix="docker")
        # Streams hold their own connections; a pool larger than the workers avoids urllib3 discarding them.
        kwargs = {"timeout": timeout_s, "max_pool_size": max_workers + 32}
        self._client = docker.DockerClient(base_url=base_url, **kwargs) if base_url else docker.from_env(**kwargs)
        self._api = self._client.api
        # The daemon's version for the Node's nodeInfo (asked once; the constructor talks to dockerd anyway).
        self.version = self._api.version().get("Version", "unknown")
        # Containers whose SIGKILL exit has been checked for an OOM kill: id -> OOM killed.
        self._oom_verdicts: dict[str, bool] = {}
        # Containers this runtime stopped: their SIGKILL after the grace period is the agent's, not an OOM kill.
        self._stopped: set[str] = set()

    async def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._client.close()

    async def _call(self, fn, *args, **kwargs):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(fn, *args, **kwargs))

    async def _container_call(self, container_id: str, fn, *args, **kwargs):
        """A call about one container, with docker's errors turned into the runtime's."""
        try:
            return await self._call(fn, container_id, *args, **kwargs)
        except NotFound as e:
            raise ContainerNotFound(f"container {container_id} not found: {_message(e)}") from None
        except DockerException as e:
            raise RuntimeError_(_message(e)) from None

    # Images

    async def ensure_image(self, image: str, pull_policy: str, auth: dict[str, str] | None = None) -> str:
        local = await self._call(self._local_image, image)
        if pull_policy == "Never":
            if local is None:
                raise ImageNeverPullError(
                    f'image "{image}" is not present on the node and its pull policy is Never')
            return local["Id"]
        if pull_policy != "Always" and local is not None:
            return local["Id"]
        try:
            return await self._call(self._pull, image, auth)
        except ImagePullError:
            # An image built on this node (no registry digest) cannot be pulled from anywhere; with
            # Always it is still the one meant, as in the lab where no registry is reachable.
            if local is not None and not local.get("RepoDigests"):
                return local["Id"]
            raise

    async def image_user(self, image: str) -> str:
        local = await self._call(self._local_image, image)
        return ((local or {}).get("Config") or {}).get("User") or ""

    def _local_image(self, image: str) -> dict | None:
        try:
            return self._api.inspect_image(image)
        except ImageNotFound:
            return None
        except DockerException as e:
            raise RuntimeError_(_message(e)) from None

    def _pull(self, image: str, auth: dict[str, str] | None = None) -> str:
        repository, tag = parse_repository_tag(image)
        try:
            pulled = self._client.images.pull(repository, tag=tag or "latest", auth_config=auth)
        except DockerException as e:
            raise ImagePullError(f'failed to pull image "{image}": {_message(e)}') from None
        return pulled.id

    # Containers

    async def create(self, spec: ContainerSpec) -> str:
        def create() -> str:
            args = host_config_args(spec)
            if spec.seccomp_localhost:
                args["security_opt"] = [*args.get("security_opt", ()), load_seccomp_profile(spec.seccomp_localhost)]
            host_config = self._api.create_host_config(**args)
            joins_other = spec.network_mode.startswith("container:")
            created = self._api.create_container(
                spec.image, name=spec.name, labels=spec.labels,
                entrypoint=spec.command or None, command=spec.args or None,
                environment=spec.env or None, working_dir=spec.working_dir or None,
                # Docker refuses a hostname for a container joining another's network namespace.
                hostname=None if joins_other or not spec.hostname else spec.hostname,
                tty=spec.tty, stdin_open=spec.stdin, host_config=host_config, user=spec.user or None,
            )
            return created["Id"]

        try:
            return await self._call(create)
        except DockerException as e:
            raise RuntimeError_(f"creating container {spec.name}: {_message(e)}") from None
        except SeccompProfileError as e:
            raise RuntimeError_(str(e)) from None

    async def start(self, container_id: str) -> None:
        await self._container_call(container_id, self._api.start)

    async def stop(self, container_id: str, timeout_s: float) -> None:
        self._stopped.add(container_id)
        await self._container_call(container_id, self._api.stop, timeout=max(0, math.ceil(timeout_s)))

    async def remove(self, container_id: str) -> None:
        self._oom_verdicts.pop(container_id, None)
        self._stopped.discard(container_id)
        try:
            await self._container_call(container_id, self._api.remove_container, force=True, v=True)
        except ContainerNotFound:
            pass
        except RuntimeError_ as e:
            if "already in progress" not in str(e):
                raise

    async def inspect(self, container_id: str) -> ContainerInfo:
        return await self._container_call(container_id, self._inspect)

    def _inspect(self, container_id: str) -> ContainerInfo:
        """`docker inspect`, with an OOM kill that Docker reports late already counted."""
        attrs = self._api.inspect_container(container_id)
        if may_be_oom_unsettled(attrs) and not self._stopped_here(attrs["Id"]):
            verdict = self._oom_verdicts.get(attrs["Id"])
            if verdict is None:
                verdict = self._oom_verdicts[attrs["Id"]] = self._oom_event_seen(attrs)
            if verdict:
                attrs["State"]["OOMKilled"] = True
        return container_info(attrs)

    def _stopped_here(self, full_id: str) -> bool:
        return any(full_id.startswith(stopped) for stopped in tuple(self._stopped))  # added to by the loop

    def _oom_event_seen(self, attrs: dict) -> bool:
        """Wait (at most OOM_SETTLE_S) for Docker's "oom" event of this container, from its start on."""
        since = meta.parse_time(attrs["State"].get("StartedAt", "")) if attrs["State"].get("StartedAt") else None
        now = time.time()
        stream = self._api.events(since=int(since.timestamp()) if since else int(now - 60),
                                  until=math.ceil(now + OOM_SETTLE_S), decode=True,
                                  filters={"container": attrs["Id"], "event": "oom"})
        try:
            for event in stream:
                if event.get("status") == "oom" or event.get("Action") == "oom":
                    return True
        finally:
            stream.close()
        # The flag may have been set without the event reaching us (its history is bounded).
        return bool(self._api.inspect_container(attrs["Id"]).get("State", {}).get("OOMKilled"))

    async def list(self, labels: dict[str, str]) -> list[ContainerInfo]:
        def inspect(container_id: str) -> ContainerInfo | None:
            try:
                return self._inspect(container_id)
            except NotFound:
                return None  # removed between the listing and the inspect

        filters = {"label": [f"{k}={v}" for k, v in labels.items()]}
        try:
            summaries = await self._call(self._api.containers, all=True, filters=filters)
            # Inspected side by side: a pod's sync observes its containers twice, and one after the other
            # each container (a sidecar) would add a Docker round trip to the pod's start.
            found = await asyncio.gather(*(self._call(inspect, s["Id"]) for s in summaries))
        except DockerException as e:
            raise RuntimeError_(_message(e)) from None
        return [info for info in found if info is not None]

    # Exec and logs

    async def exec(self, container_id: str, command: list[str], timeout_s: float | None = None) -> ExecResult:
        def run(cid: str) -> ExecResult:
            exec_id = self._api.exec_create(cid, command, stdout=True, stderr=True)["Id"]
            raw = self._api.exec_start(exec_id, socket=True)
            sock = getattr(raw, "_sock", raw)
            deadline = None if timeout_s is None else time.monotonic() + timeout_s
            output = bytearray()
            try:
                for _, data in streams.frames(streams.SocketReader(sock), tty=False, deadline=deadline):
                    output += data
            except TimeoutError:
                # Docker cannot kill an exec; the command is left to finish on its own, as in Kubernetes.
                return ExecResult(exit_code=-1, output=bytes(output), timed_out=True)
            finally:
                _close_quietly(sock)
            return ExecResult(exit_code=self._exec_exit_code(exec_id), output=bytes(output))

        return await self._container_call(container_id, run)

    def _exec_exit_code(self, exec_id: str) -> int:
        # The stream can end a moment before docker records the exit.
        for _ in range(100):
            state = self._api.exec_inspect(exec_id)
            if not state.get("Running") and state.get("ExitCode") is not None:
                return int(state["ExitCode"])
            time.sleep(0.01)
        return int(self._api.exec_inspect(exec_id).get("ExitCode") or 0)

    async def logs(self, container_id: str, follow: bool = False, tail: int = -1,
                   timestamps: bool = False, since: float = 0) -> AsyncIterator[bytes]:
        kwargs = {"stream": True, "follow": follow, "timestamps": timestamps,
                  "tail": "all" if tail < 0 else tail}
        if since > 0:
            kwargs["since"] = since
        stream = await self._container_call(container_id, self._api.logs, **kwargs)
        async for chunk in streams.from_thread(stream, stream.close, name=f"logs-{container_id[:12]}"):
            yield chunk

    async def exec_session(self, container_id: str, command: list[str], tty: bool = False,
                           stdin: bool = False) -> ExecSession:
        def start(cid: str):
            exec_id = self._api.exec_create(cid, command, stdout=True, stderr=True,
                                            stdin=stdin, tty=tty)["Id"]
            raw = self._api.exec_start(exec_id, socket=True, tty=tty)
            return exec_id, raw

        exec_id, raw = await self._container_call(container_id, start)
        return _DockerExecSession(self, exec_id, raw, tty)


    async def attach_session(self, container_id: str, tty: bool = False, stdin: bool = False) -> ExecSession:
        def start(cid: str):
            return self._api.attach_socket(cid, params={"stdin": int(stdin), "stdout": 1, "stderr": 1,
                                                        "stream": 1, "logs": 1})
        raw = await self._container_call(container_id, start)
        return _DockerAttachSession(self, container_id, raw, tty)

    def _container_exit_code(self, container_id: str) -> int:
        return int(self._api.wait(container_id, timeout=30).get("StatusCode") or 0)


class _DockerExecSession(ExecSession):
    def __init__(self, runtime: DockerRuntime, exec_id: str, raw, tty: bool):
        self._runtime = runtime
        self._exec_id = exec_id
        self._raw = raw  # keeps the HTTP response, and so the socket, alive
        self._sock = getattr(raw, "_sock", raw)
        self._tty = tty

    async def write(self, data: bytes) -> None:
        await self._runtime._call(self._sock.sendall, data)

    async def close_stdin(self) -> None:
        await self._runtime._call(self._sock.shutdown, socket.SHUT_WR)

    async def output(self) -> AsyncIterator[tuple[str, bytes]]:
        chunks = streams.frames(streams.SocketReader(self._sock), self._tty)
        stop_reading = functools.partial(_close_quietly, self._sock, socket.SHUT_RD, close=False)
        async for item in streams.from_thread(chunks, stop_reading, name=f"exec-{self._exec_id[:12]}"):
            yield item

    async def exit_code(self) -> int:
        return await self._runtime._call(self._runtime._exec_exit_code, self._exec_id)

    async def close(self) -> None:
        _close_quietly(self._sock)


class _DockerAttachSession(_DockerExecSession):
    """The container's main process: its stdin and output, and its exit code when it ends."""

    def __init__(self, runtime: DockerRuntime, container_id: str, raw, tty: bool):
        super().__init__(runtime, container_id, raw, tty)
        self._container_id = container_id

    async def exit_code(self) -> int:
        return await self._runtime._call(self._runtime._container_exit_code, self._container_id)


def _close_quietly(sock, how: int = socket.SHUT_RDWR, close: bool = True) -> None:
    # shutdown, not only close: it wakes a reader thread blocked on the socket.
    try:
        sock.shutdown(how)
    except OSError:
        pass
    if close:
        sock.close()
