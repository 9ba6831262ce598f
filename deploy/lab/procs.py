"""Starting the lab's processes (setsid, in a namespace, logging to a file) and finding them again.

Every lab process carries SKIFF_LAB_COMPONENT in its environment, so `down` finds it without a state file.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from deploy.lab import plan as P
from deploy.lab.shell import run


def start(proc: P.Process) -> int:
    """Start one component in its namespace, in a session of its own; returns its pid."""
    proc.log.parent.mkdir(parents=True, exist_ok=True)
    # Only the network namespace: `ip netns exec` would also give the process a mount namespace of its own,
    # and an agent's tmpfs for secret volumes must be in the host's, where dockerd bind-mounts it from.
    argv = (["nsenter", f"--net=/run/netns/{proc.netns}"] if proc.netns else []) + proc.argv
    # PYTHONFAULTHANDLER: a component that dies of a signal (SIGSEGV, SIGABRT) leaves its Python stack in its log.
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONFAULTHANDLER="1", **{P.COMPONENT_ENV: proc.name})
    env.pop("SKIFF_CONFIG", None)
    with open(proc.log, "ab") as log:
        log.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} start {' '.join(argv)}\n".encode())
        log.flush()
        # nsenter execs the program, so this pid is the component's own.
        child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                 start_new_session=True, cwd="/", env=env)
    return child.pid


def component_of(pid: int) -> str | None:
    """The lab component a process belongs to, from its environment; None for anything else."""
    try:
        data = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return None
    marker = P.COMPONENT_ENV.encode() + b"="
    for item in data.split(b"\0"):
        if item.startswith(marker):
            return item[len(marker):].decode(errors="replace")
    return None


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def running() -> dict[str, list[int]]:
    """Every live lab process on the machine, by component (children share their parent's marker)."""
    found: dict[str, list[int]] = {}
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        name = component_of(int(entry))
        if name is not None and alive(int(entry)):
            found.setdefault(name, []).append(int(entry))
    for pids in found.values():
        pids.sort()
    return found


def main_pid(pids: list[int]) -> int:
    """The component's own process: the one whose parent is not also part of it."""
    members = set(pids)
    for pid in pids:
        try:
            ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid not in members:
            return pid
    return pids[0]


def pids_in_netns(netns: str) -> list[int]:
    out = run(["ip", "netns", "pids", netns], check=False)
    return [int(p) for p in out.split() if p.isdigit()]


def kill(pids: list[int], grace: float = 5.0) -> None:
    """SIGTERM, then SIGKILL whatever still lives after `grace` seconds."""
    signal_all(pids, signal.SIGTERM)
    wait_gone(pids, grace)
    signal_all([p for p in pids if alive(p)], signal.SIGKILL)
    wait_gone(pids, grace)


def wait_gone(pids: list[int], timeout: float) -> None:
    """Wait up to `timeout` seconds until none of `pids` lives (a dying process still counts as running)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.05)


def signal_all(pids: list[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass
