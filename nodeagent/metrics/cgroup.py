"""A container's cumulative CPU time and memory working set, read from its cgroup files (v1 and v2).

The parsers are pure functions over file text; `CgroupReader` finds a container's files and reads them.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

ROOT = "/sys/fs/cgroup"


@dataclass(frozen=True)
class Usage:
    cpu_ns: int  # cumulative CPU time of every process in the cgroup
    memory_working_set: int  # bytes: usage minus inactive file pages, as cAdvisor computes it


@dataclass(frozen=True)
class Dirs:
    """Where one cgroup's CPU and memory files are (the same directory under v2)."""

    cpu: str
    memory: str


def detect_version(root: str = ROOT) -> int:
    """2 on a unified hierarchy (cgroup.controllers at the root), else 1 (one mount per controller)."""
    return 2 if os.path.exists(os.path.join(root, "cgroup.controllers")) else 1


def parse_flat_keyed(text: str) -> dict[str, int]:
    """`memory.stat`, `cpu.stat`: one `key value` per line."""
    values = {}
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if value.strip().lstrip("-").isdigit():
            values[key] = int(value)
    return values


def parse_proc_cgroup(text: str) -> dict[str, str]:
    """`/proc/PID/cgroup` as {controller: path}; the v2 (unified) line `0::/path` is under ""."""
    paths = {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        for controller in controllers.split(",") if controllers else [""]:
            paths[controller] = path
    return paths


def working_set(usage_bytes: int, stat: dict[str, int], version: int) -> int:
    """Usage minus inactive file cache: what the kernel cannot easily reclaim, and what the OOM killer
    and the kubelet's eviction look at. v1 counts the whole subtree (`total_`), v2's stat always does."""
    inactive = stat.get("total_inactive_file" if version == 1 else "inactive_file", 0)
    return max(usage_bytes - inactive, 0)


def cpu_ns_v2(cpu_stat: dict[str, int]) -> int:
    return cpu_stat.get("usage_usec", 0) * 1000


def dirs_of(paths: dict[str, str], version: int, root: str = ROOT) -> Dirs:
    """The directories of a process's cgroup, from its parsed /proc/PID/cgroup."""
    if version == 2:
        d = os.path.join(root, paths.get("", "/").lstrip("/"))
        return Dirs(d, d)
    cpu = paths.get("cpuacct", paths.get("cpu", "/"))
    return Dirs(os.path.join(root, "cpuacct", cpu.lstrip("/")),
                os.path.join(root, "memory", paths.get("memory", "/").lstrip("/")))


def root_dirs(version: int, root: str = ROOT) -> Dirs:
    """The root cgroup: the whole node."""
    return dirs_of({}, version, root)


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()


class CgroupReader:
    """Reads usage of cgroups on this machine; remembers where each container's cgroup is."""

    def __init__(self, root: str = ROOT, proc: str = "/proc"):
        self.root = root
        self.proc = proc
        self.version = detect_version(self.root)
        self._dirs: dict[str, Dirs] = {}  # container id -> its cgroup

    def container_dirs(self, container_id: str, pid: int) -> Dirs:
        """A container's cgroup, found once through its main process (any driver, any parent)."""
        dirs = self._dirs.get(container_id)
        if dirs is None:
            paths = parse_proc_cgroup(_read(os.path.join(self.proc, str(pid), "cgroup")))
            dirs = self._dirs[container_id] = dirs_of(paths, self.version, self.root)
        return dirs

    def forget_except(self, container_ids: set[str]) -> None:
        for cid in set(self._dirs) - container_ids:
            del self._dirs[cid]

    def usage(self, dirs: Dirs) -> Usage:
        """Raises OSError when the cgroup is gone (the container just ended)."""
        stat = parse_flat_keyed(_read(os.path.join(dirs.memory, "memory.stat")))
        if self.version == 1:
            cpu = int(_read(os.path.join(dirs.cpu, "cpuacct.usage")))
            used = int(_read(os.path.join(dirs.memory, "memory.usage_in_bytes")))
        else:
            cpu = cpu_ns_v2(parse_flat_keyed(_read(os.path.join(dirs.cpu, "cpu.stat"))))
            used = int(_read(os.path.join(dirs.memory, "memory.current")))
        return Usage(cpu, working_set(used, stat, self.version))

    def node_usage(self) -> Usage:
        """The whole node. The v2 root has no memory.current: there, /proc/meminfo's used memory."""
        dirs = root_dirs(self.version, self.root)
        if self.version == 1:
            return self.usage(dirs)
        cpu = cpu_ns_v2(parse_flat_keyed(_read(os.path.join(dirs.cpu, "cpu.stat"))))
        return Usage(cpu, meminfo_working_set(_read(os.path.join(self.proc, "meminfo"))))


def meminfo_working_set(text: str) -> int:
    """MemTotal - MemAvailable, in bytes, from /proc/meminfo (values in kB)."""
    kb = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        fields = rest.split()
        if fields and fields[0].isdigit():
            kb[key] = int(fields[0])
    return max(kb.get("MemTotal", 0) - kb.get("MemAvailable", 0), 0) * 1024
