"""Entering a network namespace from the calling thread, so pyroute2 and /proc/sys act inside it.

`entered(ns)` switches only the current thread (setns is per thread) and always switches back.
"""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
from collections.abc import Iterator

CLONE_NEWNET = 0x40000000
NETNS_RUN_DIR = "/var/run/netns"

_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


def ns_path(ns: str) -> str:
    """A namespace name (as `ip netns` makes them) or a path such as /proc/<pid>/ns/net."""
    return ns if "/" in ns else os.path.join(NETNS_RUN_DIR, ns)


def pid_ns(pid: int) -> str:
    return f"/proc/{pid}/ns/net"


def _setns(fd: int, where: str) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"cannot enter network namespace {where}: {os.strerror(err)}")


@contextlib.contextmanager
def entered(ns: str | None) -> Iterator[None]:
    """Run the block with this thread inside `ns`; None means stay where the thread is."""
    if ns is None:
        yield
        return
    path = ns_path(ns)
    try:
        target = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise OSError(f"network namespace {ns} does not exist ({path})") from None
    home = os.open(f"/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        _setns(target, path)
        try:
            yield
        finally:
            # A thread left in a foreign namespace would poison every later job of its pool.
            _setns(home, "of the calling thread")
    finally:
        os.close(target)
        os.close(home)


def write_sysctl(name: str, value: str) -> None:
    """Write a sysctl of the current thread's network namespace (net.* are per namespace)."""
    path = "/proc/sys/" + name.replace(".", "/")
    with open(path, "w") as f:
        f.write(value)


def read_sysctl(name: str) -> str:
    with open("/proc/sys/" + name.replace(".", "/")) as f:
        return f.read().strip()
