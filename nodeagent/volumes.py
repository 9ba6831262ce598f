"""Setting up a pod's configMap, secret, downwardAPI and projected volumes under its directory, and taking
them down: secret-bearing volumes on a tmpfs of their own, every write an AtomicWriter swap."""
from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import hashlib
import os

from nodeagent import containers, downward, fsgroup, projection
from nodeagent.atomicwriter import AtomicWriter, FileProjection
from proto import types_pb2

_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
_MNT_DETACH = 2
_MS_BIND = 4096


class VolumeError(Exception):
    """A volume could not be set up; `volume` names it and the message is what the kubelet would say."""

    def __init__(self, volume: str, message: str):
        super().__init__(f'MountVolume.SetUp failed for volume "{volume}" : {message}')
        self.volume = volume


def digest(files: dict[str, FileProjection]) -> str:
    h = hashlib.sha256()
    for path in sorted(files):
        h.update(f"{path}\0{files[path].mode}\0{len(files[path].data)}\0".encode())
        h.update(files[path].data)
    return h.hexdigest()


class PodVolumes:
    """One node's volume plumbing. `tmpfs`: mount a tmpfs for secret and projected volumes (where pods
    really run; the fake runtime and hollow nodes keep plain directories)."""

    def __init__(self, state_dir: str, tmpfs: bool):
        self.state_dir = state_dir
        self.tmpfs = tmpfs

    def path(self, pod_uid: str, volume: str) -> str:
        return containers.empty_dir_path(self.state_dir, pod_uid, volume)

    async def set_up(self, pod: types_pb2.Pod, lookup: projection.Lookup, facts: downward.PodFacts,
                     written: dict[str, str], tokens=projection.no_tokens) -> list[str]:
        """Bring every config volume of the pod to its current contents; `written` maps volume name to the
        digest last written (updated here); `tokens` gives ServiceAccount tokens. Returns the volumes whose
        files changed."""
        changed = []
        psc = pod.spec.security_context
        fs_group = psc.fs_group if psc.HasField("fs_group") else None
        for volume in pod.spec.volumes:
            if not projection.is_config_volume(volume):
                continue
            try:
                files = projection.payload(volume, pod, lookup, facts, tokens)
            except projection.ProjectionError as e:
                raise VolumeError(volume.name, str(e)) from None
            wanted = digest(files)
            if written.get(volume.name) == wanted:
                continue
            target = self.path(pod.metadata.uid, volume.name)
            try:
                if await asyncio.to_thread(self._write, target, files, projection.is_tmpfs(volume), fs_group):
                    changed.append(volume.name)
            except OSError as e:
                raise VolumeError(volume.name, str(e)) from None
            written[volume.name] = wanted
        return changed

    def _write(self, target: str, files: dict[str, FileProjection], tmpfs: bool, fs_group: int | None) -> bool:
        os.makedirs(target, mode=0o755, exist_ok=True)
        if tmpfs and self.tmpfs and not os.path.ismount(target):
            mount_tmpfs(target)
        # Owned by the pod's fsGroup and group-readable, so a non-root user of the pod can read a 0400 key.
        set_perms = None if fs_group is None else lambda root: fsgroup.set_ownership(root, fs_group, read_only=True)
        return AtomicWriter(target).write(files, set_perms)

    async def tear_down(self, pod_uid: str) -> None:
        """Unmount whatever is mounted under the pod's directory (before it is removed)."""
        await asyncio.to_thread(unmount_under, containers.pod_dir(self.state_dir, pod_uid))


def mount_tmpfs(target: str, options: str = "mode=0755") -> None:
    """A tmpfs on `target` (also emptyDir medium Memory, with its sizeLimit as `size=`)."""
    if _libc.mount(b"tmpfs", target.encode(), b"tmpfs", 0, options.encode()) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mounting a tmpfs on {target}: {os.strerror(err)}")


def bind_mount(source: str, target: str) -> None:
    """A bind mount of `source` on `target` (a /proc/self/fd/N source mounts that very file)."""
    if _libc.mount(source.encode(), target.encode(), None, _MS_BIND, None) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"bind-mounting {source} on {target}: {os.strerror(err)}")


def mounts_under(directory: str, mountinfo: str) -> list[str]:
    """Mount points at or below `directory` in /proc/self/mountinfo's text, deepest first."""
    prefix = directory.rstrip("/") + "/"
    points = []
    for line in mountinfo.splitlines():
        fields = line.split()
        if len(fields) > 4:
            point = fields[4].encode().decode("unicode_escape")  # mountinfo escapes spaces as \040
            if point == directory.rstrip("/") or point.startswith(prefix):
                points.append(point)
    return sorted(points, key=len, reverse=True)


def unmount_under(directory: str) -> None:
    try:
        with open("/proc/self/mountinfo") as f:
            info = f.read()
    except OSError:
        return
    for point in mounts_under(directory, info):
        if _libc.umount2(point.encode(), _MNT_DETACH) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"unmounting {point}: {os.strerror(err)}")
