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


def flat_value(text: str, key: str) -> int:
    """One key of a flat-keyed file, without parsing the other forty lines (the sampler's hot path)."""
    if text.startswith(key + " "):
        start = 0
    else:
        found = text.find("\n" + key + " ")
        if found < 0:
            return 0
        start = found + 1
    end = text.find("\n", start)
    return int(text[start + len(key) + 1:end if end >= 0 else len(text)])


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


def inactive_file_key(version: int) -> str:
    # v1 counts the whole subtree under `total_`; v2's memory.stat always does.
    return "total_inactive_file" if version == 1 else "inactive_file"


def working_set(usage_bytes: int, stat: dict[str, int], version: int) -> int:
    """Usage minus inactive file cache: what the kernel cannot easily reclaim, and what the OOM killer
    and the kubelet's eviction look at."""
    return max(usage_bytes - stat.get(inactive_file_key(version), 0), 0)


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
    # os.open/os.read: a sampling pass reads three files per container, and io.open's layers cost more
    # than the read itself.
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.read(fd, 65536).decode()
    finally:
        os.close(fd)


@dataclass(frozen=True)
class _Files:
    cpu: str
    usage: str
    stat: str


class CgroupReader:
    """Reads usage of cgroups on this machine; remembers where each container's cgroup is."""

    def __init__(self, root: str = ROOT, proc: str = "/proc"):
        self.root = root
        self.proc = proc
        self.version = detect_version(self.root)
        self._dirs: dict[str, Dirs] = {}  # container id -> its cgroup
        self._files: dict[Dirs, _Files] = {}

    def container_dirs(self, container_id: str, pid: int) -> Dirs:
        """A container's cgroup, found once through its main process (any driver, any parent)."""
        dirs = self._dirs.get(container_id)
        if dirs is None:
            paths = parse_proc_cgroup(_read(os.path.join(self.proc, str(pid), "cgroup")))
            dirs = self._dirs[container_id] = dirs_of(paths, self.version, self.root)
        return dirs

    def forget_except(self, container_ids: set[str]) -> None:
        for cid in set(self._dirs) - container_ids:
            self._files.pop(self._dirs.pop(cid), None)

    def _files_of(self, dirs: Dirs) -> _Files:
        files = self._files.get(dirs)
        if files is None:
            v1 = self.version == 1
            files = self._files[dirs] = _Files(
                os.path.join(dirs.cpu, "cpuacct.usage" if v1 else "cpu.stat"),
                os.path.join(dirs.memory, "memory.usage_in_bytes" if v1 else "memory.current"),
                os.path.join(dirs.memory, "memory.stat"))
        return files

    def usage(self, dirs: Dirs) -> Usage:
        """Raises OSError when the cgroup is gone (the container just ended)."""
        files = self._files_of(dirs)
        cpu_text = _read(files.cpu)
        cpu = int(cpu_text) if self.version == 1 else flat_value(cpu_text, "usage_usec") * 1000
        used = int(_read(files.usage))
        inactive = flat_value(_read(files.stat), inactive_file_key(self.version))
        return Usage(cpu, max(used - inactive, 0))

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
