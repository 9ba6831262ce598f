"""A volume's subPath made and mounted on the host without letting a symlink lead out of the volume.

A container can plant symlinks in a volume it shares; the agent creates and chmods what it must only
through directory fds opened component by component with O_NOFOLLOW, and bind-mounts the last fd itself
(/proc/self/fd/N), as the kubelet's subpath code does: no path is looked up again between check and mount.
"""
from __future__ import annotations

import os
import stat

from nodeagent import volumes


class SubPathError(ValueError):
    """The subPath is not a path inside its volume (absolute, "..", or a symlink leading out)."""


def _parts(sub_path: str) -> list[str]:
    if os.path.isabs(sub_path):
        raise SubPathError(f"subPath {sub_path!r} must be a relative path")
    parts = [p for p in sub_path.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise SubPathError(f"subPath {sub_path!r} must not contain '..'")
    return parts


def _within(path: str, base: str) -> bool:
    return path == base or path.startswith(base.rstrip("/") + "/")


def _open_beneath(base: str, parts: list[str]) -> int:
    """An fd on base/parts, every component opened without following a symlink (O_PATH for a last file)."""
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for i, name in enumerate(parts):
            last = i == len(parts) - 1
            try:
                child = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            except NotADirectoryError:
                if not last:
                    raise
                child = os.open(name, os.O_PATH | os.O_NOFOLLOW, dir_fd=fd)
                if stat.S_ISLNK(os.fstat(child).st_mode):
                    os.close(child)
                    raise SubPathError(f"{os.path.join(base, *parts)} changed into a symlink")
            except OSError as e:
                if e.errno == 40:  # ELOOP: a symlink appeared where the resolved path had none
                    raise SubPathError(f"{os.path.join(base, *parts[:i + 1])} is a symlink") from None
                raise
            os.close(fd)
            fd = child
        return fd
    except BaseException:
        os.close(fd)
        raise


def open_subpath(volume_path: str, sub_path: str, mode: int) -> int:
    """An fd on `sub_path` of the volume at `volume_path` (O_PATH for a file), its missing directories made
    with `mode`; the caller closes it. Symlinks are followed only while they stay inside the volume (a
    configMap's `..data` link does); one leading out is refused, and nothing outside the volume is created
    or chmodded. The fd pins what was checked: a component swapped for a symlink afterwards cannot change it."""
    base = os.path.realpath(volume_path)
    parts = _parts(sub_path)
    existing = len(parts)
    while existing > 0 and not os.path.lexists(os.path.join(base, *parts[:existing])):
        existing -= 1
    resolved = os.path.realpath(os.path.join(base, *parts[:existing]))
    if not _within(resolved, base):
        raise SubPathError(f"subPath {sub_path!r} leads out of its volume (to {resolved})")
    fd = _open_beneath(base, [p for p in os.path.relpath(resolved, base).split("/") if p != "."])
    try:
        for name in parts[existing:]:
            os.mkdir(name, mode, dir_fd=fd)
            child = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = child
            os.fchmod(fd, mode)  # not the umask's: the container's users must be able to write there
        real = os.readlink(f"/proc/self/fd/{fd}")
        if not _within(real, base):
            raise SubPathError(f"subPath {sub_path!r} leads out of its volume (to {real})")
        return fd
    except BaseException:
        os.close(fd)
        raise


def resolve(volume_path: str, sub_path: str, mode: int) -> str:
    """The host path of `sub_path` as `open_subpath` checked it (where no mount can be made: fake runtimes;
    the path may change after it returns, so real pods mount through `bind` instead)."""
    fd = open_subpath(volume_path, sub_path, mode)
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    finally:
        os.close(fd)


def bind(volume_path: str, sub_path: str, mode: int, target: str) -> str:
    """Bind-mount `sub_path` of the volume on `target` (a path only the agent writes) through the fd that
    was checked, as the kubelet does, so what is mounted is what was checked; returns `target`, the source
    to give the runtime. A mount left there by an earlier start of the container is replaced."""
    fd = open_subpath(volume_path, sub_path, mode)
    try:
        is_dir = stat.S_ISDIR(os.fstat(fd).st_mode)
        volumes.unmount_under(target)
        os.makedirs(os.path.dirname(target), mode=0o750, exist_ok=True)
        if is_dir:
            os.makedirs(target, mode=0o750, exist_ok=True)
        elif not os.path.lexists(target):
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o640))
        volumes.bind_mount(f"/proc/self/fd/{fd}", target)
    finally:
        os.close(fd)
    return target
