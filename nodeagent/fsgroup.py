"""A pod's fsGroup applied to a volume as the kubelet's SetVolumeOwnership does: every file and directory
given the group, group bits by the volume's access (read-only: r, else rw), directories setgid."""
from __future__ import annotations

import os
import stat

READ_WRITE = 0o660  # the kubelet's rwMask
READ_ONLY = 0o440  # its roMask: configMap, secret, downwardAPI and projected volumes
DIR_EXTRA = stat.S_ISGID | 0o110  # new files inherit the group; owner and group may enter


def mode_for(mode: int, is_dir: bool, read_only: bool) -> int:
    """The permission bits a file or directory gets: its own, plus the group's (and setgid on a directory),
    never fewer than it had (a defaultMode of 0400 becomes 0440; 0644 stays 0644)."""
    mask = READ_ONLY if read_only else READ_WRITE
    if is_dir:
        mask |= DIR_EXTRA
    return (mode & 0o7777) | mask


def set_ownership(root: str, fs_group: int, read_only: bool) -> None:
    """Give everything under `root` (itself included) the group `fs_group` and its bits; only for a volume
    no container can write (a config volume), whose entries cannot turn into links while it walks."""
    own(root, fs_group, read_only)
    for top, dirs, files in os.walk(root):
        for name in dirs + files:
            own(os.path.join(top, name), fs_group, read_only)


def own(path: str, fs_group: int, read_only: bool) -> None:
    """One entry: a symlink gets the group only (its own, never its target's)."""
    os.lchown(path, -1, fs_group)
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        return
    wanted = mode_for(info.st_mode, stat.S_ISDIR(info.st_mode), read_only)
    if wanted != info.st_mode & 0o7777:
        os.chmod(path, wanted)  # not a link (lstat said); the volume is read-only to containers
