"""`lab up`: make each piece of the lab if it is missing, one progress line per step, then a summary.

Every step checks before it acts, so a second `up` reports what runs and a half-made lab is completed.
"""
from __future__ import annotations

import importlib.util
import inspect
import asyncio
import dataclasses
import json
import os
import signal
import ssl
import subprocess
import time
import urllib.request
from pathlib import Path

from api import kubeconfig
from deploy import components, pki
from deploy.lab import cluster, net, procs, state as S
from deploy.lab import kubeconfig as lab_kubeconfig
from deploy.lab import plan as P
from deploy.lab.shell import LabError

# The program each process runs, by module: a process whose module is not there yet is skipped.
MODULES = {"scheduler": "controlplane.scheduler.main", "controller-manager": "controlplane.controllers.main",
           "agent": "nodeagent.main"}
CLI_CONFIG = Path("~/.skiff/config").expanduser()
CLI_CONFIG_MARK = "# written by deploy/lab; `deploy/lab down` removes it\n"


def module_present(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def missing_module(proc: P.Process) -> str | None:
    module = MODULES.get(proc.kind if proc.kind == "agent" else proc.name)
    return module if module and not module_present(module) else None


class Progress:
    def __init__(self, total: int):
        self.total, self.step, self.started = total, 0, time.monotonic()

    def __call__(self, what: str, detail: str) -> None:
        self.step += 1
        print(f"[{self.step}/{self.total}] {what:<19} {detail}", flush=True)


def up(settings: P.Settings, ready_timeout: float = 120.0, agents: bool = True) -> int:
    net.require_root()
    existing = S.load()
    if existing and (existing.settings.underlay, existing.settings.etcd_members, existing.settings.apiservers) != (
            settings.underlay, settings.etcd_members, settings.apiservers):
        raise LabError(f"a lab with underlay {existing.settings.underlay}, {existing.settings.etcd_members} etcd "
                       f"member(s) and {existing.settings.apiservers} API server(s) exists; run `deploy/lab down` "
                       f"first")
    if existing and existing.settings.nodes > settings.nodes:
        print(f"note: the lab has {existing.settings.nodes} hosts; keeping them all")
        settings = dataclasses.replace(existing.settings, prometheus=settings.prometheus, ingress=settings.ingress)
    if existing and existing.settings.prometheus and not settings.prometheus:
        settings = dataclasses.replace(settings, prometheus=True)  # once asked for, it stays until `down`
    if existing and existing.settings.ingress and not settings.ingress:
        settings = dataclasses.replace(settings, ingress=True)
    lab = P.plan(settings)
    st = existing or S.State(settings)
    st.settings = settings
    progress = Progress(total=12)
    running = procs.running()

    progress("underlay", _underlay(lab, st))
    S.save(st)
    progress("hosts", _members(lab, lab.hosts))
    progress("certificates", _certificates(lab))
    progress("etcd", _start_etcd(lab, st, running))
    progress("apiserver", _start_apiserver(lab, st, running))
    progress("scheduler", _start_simple(lab.process("scheduler"), st, running))
    progress("controller-manager", _start_simple(lab.process("controller-manager"), st, running))
    progress("images", _images())
    progress("agents", _start_agents(lab, st, running) if agents else "left out (--no-agents)")
    progress("cli config", _write_cli_config(lab, st))
    progress("kubeconfig", lab_kubeconfig.write(lab))
    progress("ingress", _start_ingress(lab, st, running) if agents else "left out (--no-agents)")
    progress("prometheus", _start_prometheus(lab, st, running))
    S.save(st)
    ready = _wait_ready(lab, ready_timeout) if agents else None
    print()
    print(summary(lab, ready, time.monotonic() - progress.started))
    return 0 if ready is None or all(ready.get(h.name) for h in lab.hosts) else 1


def _underlay(lab: P.Lab, st: S.State) -> str:
    made = P.ROOT_LINK not in net.links()
    if made:
        net.check_underlay_free(lab.settings.underlay)
    net.ensure_netns(P.SWITCH_NETNS)
    net.ensure_switch()
    net.ensure_root_leg(lab.root_ip, lab.prefixlen)
    for ip in lab.api_ips[1:]:
        net.ensure_root_address(ip, lab.prefixlen)
    added = net.root_unreachable_routes(P.unreachable_prefixes(lab.settings))
    st.root_routes = sorted(set(st.root_routes) | set(added))
    net.ensure_root_guard()
    _members(lab, lab.etcd)
    verb = "made" if made else "already there"
    return (f"{lab.settings.underlay} {verb}: root {lab.root_ip} on {P.ROOT_LINK}, "
            f"{', '.join(P.unreachable_prefixes(lab.settings))} unreachable")


def _members(lab: P.Lab, members: list[P.Member]) -> str:
    made = []
    for m in members:
        if net.ensure_netns(m.netns):
            made.append(m.name)
        net.ensure_member_leg(m, lab.prefixlen)
        net.ensure_isolated_routes(m.netns, P.unreachable_prefixes(lab.settings))
    names = ", ".join(f"{m.name} {m.ip}" for m in members)
    return names + ("" if made else " (already there)")


def _is_running(name: str, st: S.State, running: dict[str, list[int]]) -> bool:
    if name in running:
        st.pids[name] = procs.main_pid(running[name])
        return True
    return False


def _start(proc: P.Process, st: S.State, running: dict[str, list[int]]) -> bool:
    """Start unless it runs; True when it was started now."""
    if _is_running(proc.name, st, running):
        return False
    st.pids[proc.name] = procs.start(proc)
    return True


def _start_etcd(lab: P.Lab, st: S.State, running) -> str:
    members = [p for p in lab.processes if p.kind == "etcd"]
    started = [_start(p, st, running) for p in members]
    ok = cluster.wait_for(lambda: all(_etcd_healthy(m.ip) for m in lab.etcd), 30)
    if not ok:
        raise LabError(f"etcd did not become healthy within 30s; see {P.LOG_DIR}/etcd-*.log")
    return f"{len(members)} member(s) at {','.join(lab.etcd_endpoints)}" + ("" if any(started) else " (already running)")


def _etcd_healthy(ip: str) -> bool:
    ca, cert, key = pki.etcd_client_files(P.PKI_DIR)  # etcd answers /health only to a client certificate
    context = ssl.create_default_context(cafile=ca)
    context.load_cert_chain(cert, key)
    try:
        with urllib.request.urlopen(f"https://{ip}:2379/health", timeout=1, context=context) as r:
            return json.loads(r.read() or b"{}").get("health") in ("true", True)
    except (OSError, ValueError):
        return False


def _encryption_key() -> None:
    """A key for Secrets at rest, made once and kept: a new one would leave stored Secrets unreadable."""
    if P.ENCRYPTION_CONFIG.exists():
        return
    from controlplane.apiserver import encryption
    P.ENCRYPTION_CONFIG.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(P.ENCRYPTION_CONFIG, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(encryption.generate())


def _start_apiserver(lab: P.Lab, st: S.State, running) -> str:
    _encryption_key()
    started = []
    for i, address in enumerate(lab.api_addresses):
        proc = lab.process(P.apiserver_process_name(i))
        started.append(_start(proc, st, running))
        config = pki.kubeconfig_file(P.PKI_DIR, "admin")
        if not cluster.wait_for(lambda: cluster.api_answers(config, address) or not procs.alive(st.pids[proc.name]),
                                30) or not procs.alive(st.pids[proc.name]):
            raise LabError(f"the API server did not answer on {address}; see {proc.log}")
    return f"{lab.api_address}" + ("" if any(started) else " (already running)")


def _start_simple(proc: P.Process, st: S.State, running) -> str:
    module = missing_module(proc)
    if module:
        return f"skipped: {module} is not there yet"
    return "started" if _start(proc, st, running) else "already running"


def _images() -> str:
    if not module_present("nodeagent.runtime.images"):
        return "skipped: nodeagent.runtime.images is not there yet"
    from nodeagent.runtime import images
    try:
        result = images.ensure_local_images()
        if inspect.isawaitable(result):
            result = asyncio.run(result)
    except Exception as e:  # docker down, busybox-static missing, a failed build: all end the step
        raise LabError(f"building the local images in dockerd: {e} (is dockerd running? `make setup`)") from None
    built = f"built {', '.join(result)}" if result else "already there"
    return f"busybox:latest and the pause image: {built}"


def _start_agents(lab: P.Lab, st: S.State, running) -> str:
    agents = [p for p in lab.processes if p.kind == "agent"]
    module = missing_module(agents[0])
    if module:
        return f"skipped: {module} is not there yet"
    started = [p.name for p in agents if _node_of(p) not in st.stopped and _start(p, st, running)]
    return f"{len(started)} started, {len(agents) - len(started)} already running"


def _start_ingress(lab: P.Lab, st: S.State, running) -> str:
    """nginx serving Ingresses on the first host, and the default IngressClass that sends them there."""
    if not lab.settings.ingress:
        return "not asked for (up --ingress)"
    cluster.ensure_ingress_class(lab.admin_kubeconfig, P.INGRESS_CLASS, components.INGRESS_CONTROLLER)
    host = P.ingress_host(lab)
    proc = lab.process(P.INGRESS_PROCESS)
    started = _start(proc, st, running)
    if not cluster.wait_for(lambda: _tcp_open(host.netns, host.ip, 80) or not procs.alive(st.pids[proc.name]), 30) \
            or not procs.alive(st.pids[proc.name]):
        raise LabError(f"the ingress controller's nginx did not listen on {host.ip}:80; see {proc.log}")
    return (f"nginx on {host.ip}:80 and :443 (IngressClass {P.INGRESS_CLASS}, the default)"
            + ("" if started else " (already running)"))


def _tcp_open(netns: str, ip: str, port: int) -> bool:
    return subprocess.run(["ip", "netns", "exec", netns, "bash", "-c", f"exec 3<>/dev/tcp/{ip}/{port}"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False).returncode == 0


def _start_prometheus(lab: P.Lab, st: S.State, running) -> str:
    """Debian's prometheus (installed by `make setup-prometheus` when missing) scraping every component."""
    if not lab.settings.prometheus:
        return "not asked for (up --prometheus)"
    if not os.path.exists(P.PROMETHEUS_BINARY):
        print("installing Debian's prometheus (make setup-prometheus) ...", flush=True)
        done = subprocess.run(["make", "-C", str(components.REPO_ROOT), "setup-prometheus"], check=False)
        if done.returncode != 0 or not os.path.exists(P.PROMETHEUS_BINARY):
            raise LabError("could not install prometheus; run `make setup-prometheus` and see its output")
    (P.PROMETHEUS_DIR / "data").mkdir(parents=True, exist_ok=True)
    config = P.PROMETHEUS_DIR / "prometheus.yml"
    text = P.prometheus_config(lab)
    changed = not config.exists() or config.read_text() != text
    config.write_text(text)
    proc = lab.process("prometheus")
    if changed and _is_running(proc.name, st, running):
        os.kill(st.pids[proc.name], signal.SIGHUP)  # prometheus re-reads its configuration on SIGHUP
    started = _start(proc, st, running)
    url = P.prometheus_url(lab)
    if not cluster.wait_for(lambda: _http_ok(url + "/-/ready") or not procs.alive(st.pids[proc.name]), 60) \
            or not procs.alive(st.pids[proc.name]):
        raise LabError(f"prometheus did not answer on {url}; see {proc.log}")
    return f"{url} scraping every component" + ("" if started else " (already running)")


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


def _node_of(proc: P.Process) -> str:
    return proc.name.removeprefix("agent-")


def _certificates(lab: P.Lab) -> str:
    made = pki.prepare(P.PKI_DIR, lab.pki_layout, lab.api_address, lab.rest_address)
    return f"{P.PKI_DIR}: " + (f"{len(made)} made" if made else "already there")


def _write_cli_config(lab: P.Lab, st: S.State) -> str:
    # the REST address too: `skiff get` lists there without loading gRPC (cli.restget)
    text = CLI_CONFIG_MARK + kubeconfig.render(lab.api_address, pki.cert(P.PKI_DIR, "ca"),
                                               pki.cert(P.PKI_DIR, "admin"), pki.key(P.PKI_DIR, "admin"),
                                               rest=lab.rest_address)
    if CLI_CONFIG.exists() and not CLI_CONFIG.read_text().startswith(CLI_CONFIG_MARK) \
            and CLI_CONFIG.read_text() != text:
        backup = CLI_CONFIG.with_name("config.before-lab")
        CLI_CONFIG.replace(backup)
        note = f" (yours moved to {backup})"
    else:
        note = ""
    kubeconfig.write(CLI_CONFIG, text)
    st.cli_config = str(CLI_CONFIG)
    return f"{CLI_CONFIG}: server {lab.api_address} as the cluster admin{note}"


def _wait_ready(lab: P.Lab, timeout: float) -> dict[str, bool] | None:
    """Wait for every host to be a Ready node; None when there are no agents to wait for."""
    if not module_present(MODULES["agent"]):
        return None
    want = {h.name for h in lab.hosts}
    print(f"waiting up to {timeout:g}s for {len(want)} nodes to be Ready ...", flush=True)
    last: dict[str, bool] = {}

    def all_ready():
        nonlocal last
        last = cluster.node_readiness(lab.admin_kubeconfig) or last
        return all(last.get(n) for n in want)

    cluster.wait_for(all_ready, timeout, interval=0.5)
    return last


def summary(lab: P.Lab, ready: dict[str, bool] | None, took: float) -> str:
    s = lab.settings
    if ready is None:
        nodes = "no agents"
    else:
        nodes = f"{sum(1 for h in lab.hosts if ready.get(h.name))}/{len(lab.hosts)} nodes Ready: " + \
            ", ".join(f"{h.name} ({h.ip}){'' if ready.get(h.name) else ' NOT READY'}" for h in lab.hosts)
    lines = [
        f"lab up in {took:.1f}s. {nodes}",
        f"  API server    {lab.api_address} (written to {CLI_CONFIG})",
        f"  etcd          {', '.join(lab.etcd_endpoints)}",
        f"  node failure  NotReady after {s.lifecycle.grace_period:g}s silence, pods evicted "
        f"{s.lifecycle.eviction_timeout:g}s later",
        f"  logs          {P.LOG_DIR}/<component>.log  (python -m deploy.lab logs apiserver)",
        f"  metrics       https://HOST:PORT/metrics of each component (python -m deploy.lab status), for a "
        f"client certificate in system:monitoring ({P.PKI_DIR}/prometheus.crt)",
        *([f"  prometheus    {P.prometheus_url(lab)}"] if s.prometheus else []),
        *([f"  ingress       http://{P.ingress_host(lab).ip}/ and https:// (nginx, IngressClass {P.INGRESS_CLASS})"]
          if s.ingress else []),
        "try:",
        "  .venv/bin/skiff get nodes -o wide",
        "  .venv/bin/python -m deploy.lab demo",
        f"  .venv/bin/python -m deploy.lab exec {lab.hosts[0].name} -- ip route",
        f"  .venv/bin/python -m deploy.lab stop-host {lab.hosts[-1].name}    (then start-host)",
        "  .venv/bin/python -m deploy.lab status | down",
    ]
    return "\n".join(lines)
