"""`lab status`, `lab logs` and `lab exec`: look at the lab and reach into it.

Status comes from the state file, the processes found on the machine and the API's nodes.
"""
from __future__ import annotations

import os

from deploy.lab import cluster, net, procs, state as S
from deploy.lab import plan as P
from deploy.lab.shell import LabError


def _lab() -> tuple[S.State, P.Lab]:
    st = S.load()
    if st is None:
        raise LabError("no lab is up (no state file); run `python -m deploy.lab up`")
    return st, P.plan(st.settings)


def status() -> int:
    st, lab = _lab()
    s = lab.settings
    running = procs.running()
    print(f"underlay {s.underlay} (root {lab.root_ip} on {P.ROOT_LINK}); API server {lab.api_address}")
    print(f"node lifecycle: NotReady after {s.lifecycle.grace_period:g}s without a heartbeat, pods evicted "
          f"after {s.lifecycle.eviction_timeout:g}s more, checked every {s.lifecycle.monitor_period:g}s; "
          f"agents renew their lease every {s.lease_renew_interval:g}s")
    print(f"\n{'COMPONENT':<26}{'NAMESPACE':<20}{'PID':<9}{'STATE':<22}METRICS")
    for p in lab.processes:
        pids = running.get(p.name)
        state = "running" if pids else ("stopped (stop-host)" if _stopped_on_purpose(p, st) else "not running")
        url = (f"https://{p.metrics}/metrics" if p.metrics
               else P.prometheus_url(lab) if p.kind == "prometheus" else "-")
        print(f"{p.name:<26}{p.netns or '(root)':<20}{procs.main_pid(pids) if pids else '-':<9}{state:<22}{url}")
    nodes = cluster.node_readiness(lab.admin_kubeconfig)
    print(f"\n{'HOST':<16}{'IP':<14}{'UNDERLAY':<12}NODE")
    for h in lab.hosts:
        link = "up" if net.port_is_up(h) else "CUT"
        node = "-" if nodes is None else {True: "Ready", False: "NotReady"}.get(nodes.get(h.name), "not registered")
        print(f"{h.name:<16}{h.ip:<14}{link:<12}{node}")
    print(f"\nlogs: {P.LOG_DIR}/<component>.log")
    return 0


def exited(lines: int = 30) -> dict[str, str]:
    """The components of the lab up now that are not running and were not stopped on purpose (`stop-host`),
    each with the last `lines` lines of its log: what crashed, and why. {} when no lab is up."""
    st = S.load()
    if st is None:
        return {}
    lab = P.plan(st.settings)
    running = procs.running()
    gone = [p for p in lab.processes if p.name not in running and not _stopped_on_purpose(p, st)]
    return {p.name: _tail(p.log, lines) for p in gone}


def _stopped_on_purpose(proc: P.Process, st: S.State) -> bool:
    """An agent of a host that `stop-host` powered off."""
    return proc.name.removeprefix("agent-") in st.stopped


def _tail(path, lines: int) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def log_path(component: str) -> str:
    st, lab = _lab()
    names = [p.name for p in lab.processes]
    for candidate in (component, P.agent_process_name(component), f"agent-{P.HOST_PREFIX}{component}"):
        if candidate in names:
            return str(lab.process(candidate).log)
    raise LabError(f"no component {component!r}; components: {', '.join(names)}")


def logs(component: str, lines: int, follow: bool) -> int:
    path = log_path(component)
    os.execvp("tail", ["tail", "-n", str(lines)] + (["-F"] if follow else []) + [path])


def exec_in(host: str, argv: list[str]) -> int:
    net.require_root()
    st, lab = _lab()
    members = {m.name: m.netns for m in lab.hosts + lab.etcd} | {m.netns: m.netns for m in lab.hosts}
    try:
        netns = members.get(host) or lab.host(host).netns
    except KeyError:
        raise LabError(f"no host {host!r}; hosts: {', '.join(members)}") from None
    if not argv:
        argv = [os.environ.get("SHELL", "/bin/sh")]
    os.execvp("ip", ["ip", "netns", "exec", netns, *argv])
