"""Reading usage from cgroup files, v1 and v2: working set as cAdvisor computes it, paths from /proc/PID/cgroup."""
from __future__ import annotations

from pathlib import Path

from nodeagent.metrics import cgroup
from nodeagent.metrics.cgroup import CgroupReader

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cgroup"
MiB = 2**20


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


def test_working_set_v1_is_usage_minus_total_inactive_file():
    stat = cgroup.parse_flat_keyed(fixture("v1-memory.stat"))
    assert cgroup.working_set(72 * MiB, stat, version=1) == 72 * MiB - 3 * MiB


def test_working_set_v2_is_current_minus_inactive_file():
    stat = cgroup.parse_flat_keyed(fixture("v2-memory.stat"))
    assert cgroup.working_set(72 * MiB, stat, version=2) == 72 * MiB - 3 * MiB


def test_working_set_never_goes_below_zero():
    assert cgroup.working_set(MiB, {"inactive_file": 2 * MiB}, version=2) == 0


def test_cpu_v2_comes_from_usage_usec_in_nanoseconds():
    assert cgroup.cpu_ns_v2(cgroup.parse_flat_keyed(fixture("v2-cpu.stat"))) == 2_500_000_000


def test_proc_cgroup_v1_finds_cpuacct_and_memory_dirs():
    paths = cgroup.parse_proc_cgroup(fixture("proc-cgroup-v1"))
    dirs = cgroup.dirs_of(paths, 1, "/sys/fs/cgroup")
    assert dirs.cpu == "/sys/fs/cgroup/cpuacct/docker/0a1b2c"
    assert dirs.memory == "/sys/fs/cgroup/memory/docker/0a1b2c"


def test_proc_cgroup_v2_uses_the_unified_line():
    dirs = cgroup.dirs_of(cgroup.parse_proc_cgroup(fixture("proc-cgroup-v2")), 2, "/sys/fs/cgroup")
    assert dirs.cpu == dirs.memory == "/sys/fs/cgroup/system.slice/docker-0a1b2c.scope"


def test_meminfo_used_is_total_minus_available():
    text = "MemTotal:       2048 kB\nMemFree:  100 kB\nMemAvailable:   1024 kB\n"
    assert cgroup.meminfo_working_set(text) == 1024 * 1024


def _tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def test_reader_v1_reads_a_container_through_its_pid(tmp_path):
    sys_root, proc = tmp_path / "cgroup", tmp_path / "proc"
    _tree(sys_root, {"cpuacct/docker/0a1b2c/cpuacct.usage": "1500000000\n",
                     "memory/docker/0a1b2c/memory.usage_in_bytes": f"{72 * MiB}\n",
                     "memory/docker/0a1b2c/memory.stat": fixture("v1-memory.stat")})
    _tree(proc, {"42/cgroup": fixture("proc-cgroup-v1")})
    reader = CgroupReader(str(sys_root), str(proc))
    assert reader.version == 1
    assert reader.usage(reader.container_dirs("0a1b2c", 42)) == cgroup.Usage(1_500_000_000, 69 * MiB)


def test_reader_v2_reads_a_container_through_its_pid(tmp_path):
    sys_root, proc = tmp_path / "cgroup", tmp_path / "proc"
    scope = "system.slice/docker-0a1b2c.scope"
    _tree(sys_root, {"cgroup.controllers": "cpu memory\n", f"{scope}/cpu.stat": fixture("v2-cpu.stat"),
                     f"{scope}/memory.current": f"{72 * MiB}\n", f"{scope}/memory.stat": fixture("v2-memory.stat")})
    _tree(proc, {"42/cgroup": fixture("proc-cgroup-v2")})
    reader = CgroupReader(str(sys_root), str(proc))
    assert reader.version == 2
    assert reader.usage(reader.container_dirs("0a1b2c", 42)) == cgroup.Usage(2_500_000_000, 69 * MiB)



def test_flat_value_reads_one_key_as_the_full_parser_does():
    text = fixture("v1-memory.stat")
    parsed = cgroup.parse_flat_keyed(text)
    for key in ("cache", "inactive_file", "total_inactive_file", "total_unevictable"):
        assert cgroup.flat_value(text, key) == parsed[key]
    assert cgroup.flat_value(text, "absent") == 0
