"""From a pod's containers to runtime ContainerSpecs, and from runtime containers back to a pod's instances.

Pure: names, labels, resources (memory limit, CFS quota, shares) and mounts; the worker does the I/O.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from api import quantity, storage
from nodeagent import envvars, projection, security
from nodeagent.runtime import base
from nodeagent.runtime.base import ContainerInfo, ContainerSpec, Mount
from nodeagent.runtime.images import PAUSE_IMAGE
from proto import types_pb2

CFS_PERIOD_US = 100_000
MIN_QUOTA_US = 1_000  # the kernel refuses less, as the kubelet knows
MIN_SHARES = 2
# The sandbox an app or init container joined: a new sandbox means its init containers must run again.
LABEL_SANDBOX = "io.skiff.sandbox.id"


class SpecError(ValueError):
    """The pod's spec cannot become a container (a missing volume, ...); the message says which field."""


def labels(pod: types_pb2.Pod, container_name: str, node: str, attempt: int) -> dict[str, str]:
    m = pod.metadata
    return {base.LABEL_POD_UID: m.uid, base.LABEL_POD_NAME: m.name, base.LABEL_POD_NAMESPACE: m.namespace,
            base.LABEL_CONTAINER_NAME: container_name, base.LABEL_NODE: node, base.LABEL_ATTEMPT: str(attempt)}


def runtime_name(pod: types_pb2.Pod, container_name: str, attempt: int) -> str:
    """Unique on the host (the uid is), readable in `docker ps` as the kubelet's k8s_... names are."""
    m = pod.metadata
    return f"skiff_{container_name}_{m.name}_{m.namespace}_{m.uid}_{attempt}"


def attempt_of(info: ContainerInfo) -> int:
    try:
        return int(info.labels.get(base.LABEL_ATTEMPT, "0"))
    except ValueError:
        return 0


def instances(containers: list[ContainerInfo], name: str) -> list[ContainerInfo]:
    """The runtime containers made for one pod container (or the sandbox, "POD"), newest attempt first."""
    mine = [c for c in containers if c.labels.get(base.LABEL_CONTAINER_NAME) == name]
    return sorted(mine, key=lambda c: (attempt_of(c), c.started_at), reverse=True)


def in_sandbox(info: ContainerInfo, sandbox_id: str) -> bool:
    """Made for this sandbox; a container from before the label existed counts as made for any."""
    return info.labels.get(LABEL_SANDBOX, sandbox_id) == sandbox_id


def superseded(containers: list[ContainerInfo], keep: int = 2) -> list[ContainerInfo]:
    """Old dead instances beyond the newest `keep` of each name (the current and the previous, for logs)."""
    names = {c.labels.get(base.LABEL_CONTAINER_NAME, "") for c in containers}
    return [old for name in names for old in instances(containers, name)[keep:] if old.state != "running"]


def pod_dir(state_dir: str, pod_uid: str) -> str:
    return os.path.join(state_dir, "pods", pod_uid)


def empty_dir_path(state_dir: str, pod_uid: str, volume: str) -> str:
    return os.path.join(pod_dir(state_dir, pod_uid), "volumes", volume)


def seccomp_root(state_dir: str) -> str:
    """Where a Localhost seccompProfile's localhostProfile is looked up (the kubelet's <root-dir>/seccomp)."""
    return os.path.join(state_dir, "seccomp")


DEFAULT_TERMINATION_MESSAGE_PATH = "/dev/termination-log"


def termination_log(state_dir: str, pod_uid: str, container_name: str, attempt: int) -> str:
    """The host file mounted at the container's terminationMessagePath, one per attempt."""
    return os.path.join(pod_dir(state_dir, pod_uid), "containers", container_name, str(attempt), "termination-log")


@dataclass(frozen=True)
class HostDir:
    """A directory the worker must create before the container starts."""

    path: str
    memory: bool = False  # an emptyDir with medium Memory: a tmpfs
    size_bytes: int | None = None  # the tmpfs size (the emptyDir's sizeLimit)


@dataclass(frozen=True)
class SubPath:
    """A mount whose source is a subPath of a volume: the worker opens it on the host without following a
    symlink out of the volume and bind-mounts what it opened on `target` (`subpath.bind`), the source
    the runtime is given."""

    index: int  # of the mount in the list `mounts` returns
    volume_path: str
    sub_path: str
    mode: int  # of the directories it creates
    target: str = ""


def subpath_target(state_dir: str, pod_uid: str, volume: str, container: str, index: int) -> str:
    """Where a container's subPath mount is pinned on the host (the kubelet's volume-subpaths directory)."""
    return os.path.join(pod_dir(state_dir, pod_uid), "volume-subpaths", volume, container, str(index))


def container_path(mount: types_pb2.VolumeMount) -> str:
    """Where a mount appears in the container: a relative mountPath is taken from the root, as the kubelet's
    makeAbsolutePath does on Linux (the API takes any path)."""
    return mount.mount_path if mount.mount_path.startswith("/") else "/" + mount.mount_path


def mounts(pod: types_pb2.Pod, container: types_pb2.Container, state_dir: str,
           claim_dirs: Mapping | None = None, env: Mapping[str, str] | None = None,
           ) -> tuple[list[Mount], list[HostDir | SubPath]]:
    """The container's mounts and the directories to make first; `claim_dirs`: the node directories of the
    pod's persistentVolumeClaim volumes (nodeagent/claims.py), by volume name; `env`: the container's
    environment, which a subPathExpr is expanded from."""
    volumes = {v.name: v for v in pod.spec.volumes}
    result: list[Mount] = []
    dirs: list[HostDir | SubPath] = []
    for vm in container.volume_mounts:
        volume = volumes.get(vm.name)
        read_only = vm.read_only
        try:
            sub_path = envvars.sub_path(vm, dict(env or {}))
        except envvars.EnvError as e:
            raise SpecError(str(e)) from None
        propagation = mount_propagation(vm)
        if volume is None:
            raise SpecError(f"container {container.name!r}: volumeMounts: volume {vm.name!r} is not in "
                            f"spec.volumes")
        if volume.HasField("host_path"):
            source = volume.host_path.path
            if not source.startswith("/"):  # the API takes any path (a Windows node's too); this node cannot
                raise SpecError(f"volume {vm.name!r}: hostPath {source!r} is not an absolute path on this Linux node")
            if volume.host_path.type in ("DirectoryOrCreate", ""):
                dirs.append(HostDir(source))
        elif (claim_name := storage.claim_of(pod, volume)) is not None:
            claim = (claim_dirs or {}).get(vm.name)
            if claim is None:
                raise SpecError(f"volume {vm.name!r}: claim {claim_name!r} is not resolved to a volume yet")
            source = claim.path
            if claim.create:
                dirs.append(HostDir(source))
            read_only = read_only or claim.read_only
        elif volume.HasField("empty_dir"):
            source = empty_dir_path(state_dir, pod.metadata.uid, vm.name)
            limit = volume.empty_dir.size_limit
            dirs.append(HostDir(source, volume.empty_dir.medium == "Memory",
                                quantity.to_bytes(limit) if limit else None))
        elif projection.is_config_volume(volume):
            # Written by the volume set-up; always read-only in the container, as Kubernetes mounts them.
            source = empty_dir_path(state_dir, pod.metadata.uid, vm.name)
            if sub_path:  # the file as it is now: a subPath mount never sees updates, as in Kubernetes
                volume_dir, source = source, os.path.realpath(os.path.join(source, sub_path))
                if not source.startswith(os.path.realpath(volume_dir) + os.sep):
                    raise SpecError(f"volumeMounts {vm.name!r}: subPath {sub_path!r} is not in the volume")
            result.append(Mount(source, container_path(vm), True, propagation))
            continue
        else:
            raise SpecError(f"volume {vm.name!r}: only emptyDir, hostPath, persistentVolumeClaim, ephemeral, "
                            f"configMap, secret, downwardAPI and projected volumes are supported")
        if sub_path:
            # World-writable in an emptyDir, as the volume itself; 0755 elsewhere, as the kubelet makes it.
            mode = 0o777 if volume.HasField("empty_dir") else 0o755
            dirs.append(SubPath(len(result), source, sub_path, mode,
                                subpath_target(state_dir, pod.metadata.uid, vm.name, container.name, len(result))))
        result.append(Mount(source, container_path(vm), read_only, propagation))
    return result, dirs


# The kubelet's mapping of mountPropagation to the runtime's bind propagation.
PROPAGATION = {"None": "rprivate", "HostToContainer": "rslave", "Bidirectional": "rshared"}


def mount_propagation(vm: types_pb2.VolumeMount) -> str:
    """The bind propagation of a mount ("" for Docker's default, rprivate); refuses recursiveReadOnly: Enabled,
    which this Docker cannot do (its API before 1.44 has no recursive read-only bind); IfPossible falls back to a
    plain read-only bind, as the kubelet does when the runtime cannot."""
    if vm.HasField("recursive_read_only") and vm.recursive_read_only == "Enabled":
        raise SpecError(f'volume "{vm.name}" requested recursive read-only mode, but it is not supported by the '
                        f"runtime")
    return PROPAGATION.get(vm.mount_propagation, "") if vm.HasField("mount_propagation") else ""


def with_pod_files(mount_list: list[Mount], pod_files: list[Mount]) -> list[Mount]:
    """A container's mounts plus the pod's own files (resolv.conf, /etc/hosts), except where the container
    mounts something of its own, as the kubelet leaves such a path to the container."""
    own = {m.target for m in mount_list}
    return [*mount_list, *(f for f in pod_files if f.target not in own)]


def resources(container: types_pb2.Container) -> dict[str, int | None]:
    """memory limit, CFS quota/period from the cpu limit, cpu shares from the cpu request (or the limit)."""
    limits, requests = container.resources.limits, container.resources.requests
    memory = quantity.to_bytes(limits["memory"]) if "memory" in limits else None
    quota = period = None
    if "cpu" in limits:
        quota = max(quantity.cpu_millis(limits["cpu"]) * CFS_PERIOD_US // 1000, MIN_QUOTA_US)
        period = CFS_PERIOD_US
    request = requests.get("cpu") or limits.get("cpu")
    shares = max(quantity.cpu_millis(request) * 1024 // 1000, MIN_SHARES) if request else MIN_SHARES
    return {"memory_limit_bytes": memory, "cpu_quota_us": quota, "cpu_period_us": period, "cpu_shares": shares}


DEFAULT_HANDLER = "runc"  # the only OCI runtime a skiff node's Docker runs pods with


def runtime_refusal(handler: str) -> str | None:
    """Why a pod's RuntimeClass handler cannot run here (containerd's words for a handler it has no runtime
    for), or None. Docker could name other runtimes, but skiff configures none: only runc is honest."""
    if handler in ("", DEFAULT_HANDLER):
        return None
    return (f'failed to get sandbox runtime: no runtime for "{handler}" is configured (skiff\'s nodes run '
            f'only Docker\'s default runtime, "{DEFAULT_HANDLER}")')


OS_MISMATCH = ("PodOSNotSupported", "Failed to admit pod as the OS field doesn't match node OS")


def os_refusal(pod: types_pb2.Pod) -> tuple[str, str] | None:
    """The kubelet's admission of a pod for another OS (bound here by nodeName, past the scheduler)."""
    return OS_MISMATCH if pod.spec.os.name and pod.spec.os.name != "linux" else None


HOSTNAME_MAX = 64  # the kernel's HOST_NAME_MAX: the kubelet refuses a longer FQDN as the pod's hostname


def hostname(pod: types_pb2.Pod, cluster_domain: str) -> str:
    """The pod's hostname as the kubelet gives it (GeneratePodHostNameAndDomain): spec.hostname or the pod's name
    (63 characters at most); with setHostnameAsFQDN and a subdomain, the FQDN. "" on the host's network."""
    if pod.spec.host_network:
        return ""
    name = (pod.spec.hostname or pod.metadata.name)[:63]
    if not (pod.spec.set_hostname_as_fqdn and pod.spec.subdomain):
        return name
    fqdn = f"{name}.{pod.spec.subdomain}.{pod.metadata.namespace}.svc.{cluster_domain}"
    if len(fqdn) > HOSTNAME_MAX:
        raise SpecError(f"failed to construct FQDN from pod hostname and cluster domain, FQDN {fqdn} is too long "
                        f"({HOSTNAME_MAX} characters is the max, {len(fqdn)} characters requested)")
    return fqdn


def sandbox_spec(pod: types_pb2.Pod, node: str, attempt: int, cluster_domain: str = "cluster.local") -> ContainerSpec:
    """The pause container: it owns the pod's network, IPC and (with shareProcessNamespace) PID namespaces; with
    hostNetwork/hostIPC/hostPID it is in the host's instead, as every container of the pod is."""
    host = pod.spec.host_network
    return ContainerSpec(
        name=runtime_name(pod, base.SANDBOX_NAME, attempt), image=PAUSE_IMAGE,
        labels=labels(pod, base.SANDBOX_NAME, node, attempt),
        network_mode="host" if host else "none", ipc_mode="host" if pod.spec.host_ipc else "shareable",
        pid_mode="host" if pod.spec.host_pid else "",
        hostname=hostname(pod, cluster_domain), sysctls=security.sandbox_sysctls(pod))


def _pid_mode(pod: types_pb2.Pod, sandbox_id: str) -> str:
    if pod.spec.host_pid:
        return "host"  # the node's processes, as the kubelet's NamespaceMode NODE
    # One process namespace, the sandbox's: its pause process is PID 1 and every container sees the others.
    return f"container:{sandbox_id}" if pod.spec.share_process_namespace else ""


def app_spec(pod: types_pb2.Pod, container: types_pb2.Container, node: str, attempt: int, sandbox_id: str,
             env: dict[str, str], command: list[str], args: list[str], mount_list: list[Mount],
             sec: security.DockerSecurity = security.DockerSecurity()) -> ContainerSpec:
    return ContainerSpec(
        name=runtime_name(pod, container.name, attempt), image=container.image,
        labels={**labels(pod, container.name, node, attempt), LABEL_SANDBOX: sandbox_id},
        command=command, args=args, env=env,
        working_dir=container.working_dir, mounts=mount_list,
        # Docker joins a container to the host's IPC namespace only by "host" (the sandbox's is the host's too).
        network_mode=f"container:{sandbox_id}",
        ipc_mode="host" if pod.spec.host_ipc else f"container:{sandbox_id}",
        pid_mode=_pid_mode(pod, sandbox_id),
        tty=container.tty, stdin=container.stdin, **resources(container),
        user=sec.user, group_add=sec.group_add, read_only_rootfs=sec.read_only_rootfs, privileged=sec.privileged,
        cap_add=sec.cap_add, cap_drop=sec.cap_drop, security_opt=sec.security_opt,
        seccomp_localhost=sec.seccomp_localhost)
