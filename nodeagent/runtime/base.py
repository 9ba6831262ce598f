"""The container runtime interface the agent speaks: what a container is to the agent, and the verbs on it.

Implementations: `docker.DockerRuntime` (the docker SDK, off the event loop) and `fake.FakeRuntime`.
"""
from __future__ import annotations

import abc
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

# Labels the agent puts on every container it makes, so a restarted agent can find its own.
LABEL_POD_UID = "io.skiff.pod.uid"
LABEL_POD_NAME = "io.skiff.pod.name"
LABEL_POD_NAMESPACE = "io.skiff.pod.namespace"
LABEL_CONTAINER_NAME = "io.skiff.container.name"  # "POD" for the pause (sandbox) container
LABEL_NODE = "io.skiff.node"
LABEL_ATTEMPT = "io.skiff.container.attempt"  # restart count of the container when it was made
SANDBOX_NAME = "POD"


class RuntimeError_(Exception):
    """A runtime call failed; `message` is the daemon's own words, for the user."""


class ImagePullError(RuntimeError_):
    """The image is missing and could not be pulled (ErrImagePull / ImagePullBackOff)."""


class ImageNeverPullError(RuntimeError_):
    """imagePullPolicy Never and the image is not present (ErrImageNeverPull)."""


class ContainerNotFound(RuntimeError_):
    pass


@dataclass(frozen=True)
class Mount:
    source: str  # a path on the host
    target: str  # a path in the container
    read_only: bool = False
    propagation: str = ""  # rprivate, rslave, rshared ("": the runtime's default)


@dataclass(frozen=True)
class ContainerSpec:
    """Everything needed to create one container (app or sandbox)."""

    name: str  # the runtime's container name (unique on the host)
    image: str
    labels: dict[str, str]
    command: list[str] = field(default_factory=list)  # entrypoint override; empty: the image's
    args: list[str] = field(default_factory=list)  # cmd override; empty: the image's
    env: dict[str, str] = field(default_factory=dict)
    working_dir: str = ""
    mounts: list[Mount] = field(default_factory=list)
    # "none" for a sandbox; "container:<sandbox id>" for an app container joining it; "host" for hostNetwork
    network_mode: str = "none"
    ipc_mode: str = ""  # "shareable" for a sandbox, "container:<sandbox id>" for an app container
    hostname: str = ""
    memory_limit_bytes: int | None = None
    cpu_quota_us: int | None = None  # with cpu_period_us: a CPU limit (100m -> 10000 of 100000)
    cpu_period_us: int | None = None
    cpu_shares: int | None = None  # from the CPU request, as the kubelet does (1 core = 1024)
    tty: bool = False
    stdin: bool = False
    # securityContext, mapped by nodeagent.security
    user: str = ""  # "uid" or "uid:gid"; "" for the image's user
    group_add: tuple[str, ...] = ()
    read_only_rootfs: bool = False
    privileged: bool = False
    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()
    security_opt: tuple[str, ...] = ()
    seccomp_localhost: str = ""  # a seccomp profile file on the host to load (a pod's Localhost profile)
    sysctls: dict[str, str] = field(default_factory=dict)  # a sandbox's: the pod's namespaced sysctls
    pid_mode: str = ""  # "container:<sandbox id>" when the pod shares one process namespace


@dataclass(frozen=True)
class ContainerInfo:
    id: str
    name: str
    labels: dict[str, str]
    image: str
    image_id: str
    state: str  # "created", "running", "exited" (anything else: "unknown")
    exit_code: int = 0
    started_at: str = ""  # RFC 3339
    finished_at: str = ""
    oom_killed: bool = False
    error: str = ""
    pid: int = 0  # host pid of the main process while running (the netns is /proc/<pid>/ns/net)


@dataclass(frozen=True)
class ExecResult:
    exit_code: int
    output: bytes  # stdout and stderr together
    timed_out: bool = False


class ExecSession(abc.ABC):
    """An interactive exec (`skiff exec -i/-t`): stdin in, output out, then the exit code."""

    @abc.abstractmethod
    async def write(self, data: bytes) -> None: ...

    @abc.abstractmethod
    async def close_stdin(self) -> None: ...

    @abc.abstractmethod
    def output(self) -> AsyncIterator[tuple[str, bytes]]:
        """("stdout" | "stderr", data) chunks until the command's output ends (with a tty: all "stdout")."""

    @abc.abstractmethod
    async def exit_code(self) -> int:
        """The command's exit code, once its output has ended."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Stop talking to the command (it may keep running: container runtimes cannot kill an exec)."""


class Runtime(abc.ABC):
    """Every method is a coroutine that never blocks the event loop."""

    @abc.abstractmethod
    async def ensure_image(self, image: str, pull_policy: str, auth: dict[str, str] | None = None) -> str:
        """Make the image present under the policy (Always, IfNotPresent, Never); returns its id. `auth`:
        registry credentials for the pull (docker's auth_config: username, password, serveraddress).

        Raises ImagePullError with the daemon's message, or ImageNeverPullError.
        """

    @abc.abstractmethod
    async def create(self, spec: ContainerSpec) -> str:
        """Create (not start) a container; returns its id."""

    @abc.abstractmethod
    async def start(self, container_id: str) -> None: ...

    @abc.abstractmethod
    async def stop(self, container_id: str, timeout_s: float) -> None:
        """SIGTERM, then SIGKILL after `timeout_s` seconds."""

    @abc.abstractmethod
    async def remove(self, container_id: str) -> None:
        """Remove a container (forcefully); a missing one is not an error."""

    @abc.abstractmethod
    async def inspect(self, container_id: str) -> ContainerInfo:
        """Raises ContainerNotFound."""

    @abc.abstractmethod
    async def list(self, labels: dict[str, str]) -> list[ContainerInfo]:
        """Every container (running or not) carrying all these labels."""

    @abc.abstractmethod
    async def exec(self, container_id: str, command: list[str], timeout_s: float | None = None) -> ExecResult:
        """Run a command in a running container and wait for it (probes, preStop)."""

    @abc.abstractmethod
    def logs(self, container_id: str, follow: bool = False, tail: int = -1,
             timestamps: bool = False, since: float = 0) -> AsyncIterator[bytes]:
        """The container's output, as an async iterator of chunks; `since`: only lines after this Unix time."""

    async def image_user(self, image: str) -> str:
        """The user an image runs as (its USER: "", "1000", "nobody", "1000:1000"); "" when unknown."""
        return ""

    async def exec_session(self, container_id: str, command: list[str], tty: bool = False,
                           stdin: bool = False) -> ExecSession:
        """Start an interactive command in a running container; raises ContainerNotFound."""
        raise NotImplementedError(f"{type(self).__name__} has no interactive exec")

    async def attach_session(self, container_id: str, tty: bool = False, stdin: bool = False) -> ExecSession:
        """Attach to a running container's main process (`skiff run -it`, `skiff attach`)."""
        raise NotImplementedError(f"{type(self).__name__} cannot attach")

    async def close(self) -> None:
        """Release the runtime's threads and connections."""
