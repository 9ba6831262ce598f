"""Crashes on demand: kill -9 one component (an API server, the scheduler, an etcd member, an agent) and
start it again, as a supervisor would; the fault suite (`tests/perf/faults.py`) drives these.
"""
from __future__ import annotations

import signal

from deploy.lab import procs, state as S
from deploy.lab import plan as P
from deploy.lab.shell import LabError


def _lab() -> tuple[S.State, P.Lab]:
    st = S.load()
    if st is None:
        raise LabError("no lab is up (no state file); run `python -m deploy.lab up` first")
    return st, P.plan(st.settings)


def _process(lab: P.Lab, name: str) -> P.Process:
    try:
        return lab.process(name)
    except KeyError:
        names = ", ".join(p.name for p in lab.processes)
        raise LabError(f"no component {name!r} in the lab; components: {names}") from None


def kill(name: str) -> str:
    """SIGKILL every process of the component: no shutdown, no lease given back (a crash)."""
    st, lab = _lab()
    proc = _process(lab, name)
    pids = procs.running().get(proc.name, [])
    procs.signal_all(pids, signal.SIGKILL)
    procs.wait_gone(pids, 5.0)  # one still dying counts as running, and start() right after would skip it
    st.pids.pop(proc.name, None)
    S.save(st)
    return f"{proc.name}: killed {len(pids)} process(es) with SIGKILL" if pids else f"{proc.name} was not running"


def start(name: str) -> str:
    """Start the component again unless it runs."""
    st, lab = _lab()
    proc = _process(lab, name)
    if proc.name in procs.running():
        return f"{proc.name} is already running"
    st.pids[proc.name] = procs.start(proc)
    S.save(st)
    return f"{proc.name} started (pid {st.pids[proc.name]})"
