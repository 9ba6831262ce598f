"""Failures on demand: power a simulated host off and on, cut and restore its underlay cable.

Power off kills the host's agent and its pods' containers at once, as a power cut would.
"""
from __future__ import annotations

import signal

from deploy.lab import containers, net, procs, state as S
from deploy.lab import plan as P
from deploy.lab.shell import LabError


def _lab_and_host(name: str) -> tuple[S.State, P.Lab, P.Member]:
    st = S.load()
    if st is None:
        raise LabError("no lab is up (no state file); run `python -m deploy.lab up` first")
    lab = P.plan(st.settings)
    try:
        return st, lab, lab.host(name)
    except KeyError:
        raise LabError(f"no host {name!r} in the lab; hosts: {', '.join(h.name for h in lab.hosts)}") from None


def stop_host(name: str) -> str:
    net.require_root()
    st, lab, host = _lab_and_host(name)
    agent = P.agent_process_name(host.name)
    procs.signal_all(procs.running().get(agent, []), signal.SIGKILL)
    ids = containers.of_nodes(host.name)
    containers.kill(ids)
    net.drop_announced(host)
    st.stopped = sorted(set(st.stopped) | {host.name})
    st.pids.pop(agent, None)
    S.save(st)
    return (f"{host.name} is off: agent killed, {len(ids)} container(s) killed; the node turns NotReady "
            f"after {st.settings.lifecycle.grace_period:g}s and its pods are evicted "
            f"{st.settings.lifecycle.eviction_timeout:g}s later")


def start_host(name: str) -> str:
    net.require_root()
    st, lab, host = _lab_and_host(name)
    proc = lab.process(P.agent_process_name(host.name))
    running = procs.running()
    if proc.name in running:
        note = "its agent is already running"
    else:
        st.pids[proc.name] = procs.start(proc)
        note = f"agent started (pid {st.pids[proc.name]})"
    st.stopped = sorted(set(st.stopped) - {host.name})
    S.save(st)
    return f"{host.name} is on: {note}"


def partition(name: str, cut: bool) -> str:
    net.require_root()
    st, lab, host = _lab_and_host(name)
    net.set_port(host, up=not cut)
    st.partitioned = sorted(set(st.partitioned) | {host.name} if cut else set(st.partitioned) - {host.name})
    S.save(st)
    if cut:
        return f"{host.name} is cut off the underlay ({host.ip} unreachable); `heal {host.name}` restores it"
    return f"{host.name} is back on the underlay"
