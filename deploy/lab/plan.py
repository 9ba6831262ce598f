"""The lab's layout as plain data: names, addresses and command lines of every piece, from its settings.

Pure: nothing here touches the machine, so the layout is tested without root.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from api.pki import ClusterLayout, cert_file, key_file
from deploy import components

# Every name the lab gives to the machine starts with one of these, so `down` finds leftovers
# even when the state file is lost.
NETNS_PREFIXES = ("skiff-lab-", "skiff-host-")
HOST_PREFIX = "skiff-host-"
SWITCH_NETNS = "skiff-lab-sw"
SWITCH_BRIDGE = "br0"
ROOT_LINK = "skiff-lab0"          # the root namespace's leg on the underlay
ROOT_PORT = "skl-root"            # its peer, a port of the switch
PORT_PREFIX = "skl-"
HOST_LINK = "eth0"                # a simulated host's underlay interface
NFT_TABLE = ("inet", "skiff_lab")
ROUTE_PROTO = 94                  # marks the lab's own routes in the root namespace
COMPONENT_ENV = "SKIFF_LAB_COMPONENT"
STATE_DIR = Path("/var/lib/skiff/lab")
ENCRYPTION_CONFIG = STATE_DIR / "encryption.yaml"  # the lab's key for Secrets at rest, made once by `up`
LOG_DIR = Path("/var/log/skiff-lab")
PKI_DIR = STATE_DIR / "pki"      # the lab's CA and certificates, made by `up`, removed by `down`
ADMIN_KUBECONFIG = str(PKI_DIR / "admin.conf")  # the cluster admin's config (also copied to ~/.skiff/config)
API_PORT = 6443
REST_PORT = 6444  # the Kubernetes REST API (kubectl), HTTPS, with the API server's serving certificate
TOKEN_PORT = 6445  # the gRPC API for bearer tokens (no client certificate)


@dataclass(frozen=True)
class Settings:
    nodes: int = 3
    etcd_members: int = 1
    apiservers: int = 1  # API server processes, each with its own watch cache and address
    underlay: str = "10.250.0.0/24"
    cluster_cidr: str = "10.244.0.0/16"
    service_cidr: str = "10.96.0.0/16"
    lifecycle: components.NodeLifecycle = components.LAB_LIFECYCLE
    lease_renew_interval: float = 3.0
    prometheus: bool = False  # a real Prometheus scraping every component (`up --prometheus`)
    ingress: bool = False  # nginx serving Ingresses on the first host's address (`up --ingress`)
    load_balancer_pool: str = "10.250.0.200-10.250.0.250"  # LoadBalancer Services' addresses, on the underlay


@dataclass(frozen=True)
class Member:
    """A simulated machine: a network namespace with one leg (`eth0`) on the underlay switch."""
    name: str
    netns: str
    ip: str
    port: str  # its switch port in SWITCH_NETNS


@dataclass(frozen=True)
class Process:
    name: str
    argv: list[str]
    netns: str | None  # None: the root namespace
    kind: str          # etcd | controlplane | agent | ingress | prometheus
    metrics: str = ""  # HOST:PORT of its Prometheus /metrics, "" when it has none

    @property
    def log(self) -> Path:
        return LOG_DIR / f"{self.name}.log"


@dataclass(frozen=True)
class Lab:
    settings: Settings
    root_ip: str
    prefixlen: int
    etcd: list[Member]
    hosts: list[Member]
    processes: list[Process] = field(default_factory=list)

    @property
    def api_ips(self) -> list[str]:
        """The first API server on the root namespace's address, the others on .5, .6, ... beside it."""
        first = ipaddress.IPv4Address(self.root_ip)
        return [self.root_ip] + [str(first + 3 + i) for i in range(1, self.settings.apiservers)]

    @property
    def api_addresses(self) -> list[str]:
        return [f"{ip}:{API_PORT}" for ip in self.api_ips]

    @property
    def rest_address(self) -> str:
        return f"{self.root_ip}:{REST_PORT}"

    @property
    def api_address(self) -> str:
        """What every client is given: all the API servers, comma-separated (the client fails over)."""
        return ",".join(self.api_addresses)

    @property
    def admin_kubeconfig(self) -> str:
        return ADMIN_KUBECONFIG

    @property
    def pki_layout(self) -> ClusterLayout:
        """What the certificates name: the API server's address, etcd members, every host."""
        return ClusterLayout(apiserver_addresses=tuple(self.api_ips), service_cidr=self.settings.service_cidr,
                             etcd_members={m.name: m.ip for m in self.etcd},
                             nodes={h.name: (h.ip,) for h in self.hosts})

    @property
    def etcd_endpoints(self) -> list[str]:
        return [f"{m.ip}:2379" for m in self.etcd]

    @property
    def namespaces(self) -> list[str]:
        return [SWITCH_NETNS] + [m.netns for m in self.etcd + self.hosts]

    def host(self, name: str) -> Member:
        for h in self.hosts:
            if name in (h.name, h.netns, h.name.removeprefix(HOST_PREFIX)):
                return h
        raise KeyError(name)

    def process(self, name: str) -> Process:
        for p in self.processes:
            if p.name == name:
                return p
        raise KeyError(name)


class PlanError(ValueError):
    pass


def host_name(index: int) -> str:
    return f"{HOST_PREFIX}{index}"


def apiserver_process_name(index: int) -> str:
    """`apiserver` for the first (as with one), `apiserver-2` onward for the others."""
    return "apiserver" if index == 0 else f"apiserver-{index + 1}"


def agent_process_name(node: str) -> str:
    return f"agent-{node}"


def plan(settings: Settings) -> Lab:
    """Addresses: .1 is the root namespace (and the first API server), .2-.4 the etcd members, .5-.9 more
    API servers (in the root namespace too), .11 onward the hosts."""
    if settings.etcd_members not in (1, 3):
        raise PlanError(f"--etcd-members must be 1 or 3, not {settings.etcd_members}")
    if not 1 <= settings.apiservers <= 6:
        raise PlanError(f"--apiservers must be between 1 and 6, not {settings.apiservers}")
    net = ipaddress.IPv4Network(settings.underlay)
    if not 1 <= settings.nodes <= net.num_addresses - 13:
        raise PlanError(f"--nodes must be between 1 and {net.num_addresses - 13} for underlay {net}")
    for other in (settings.cluster_cidr, settings.service_cidr):
        if net.overlaps(ipaddress.IPv4Network(other)):
            raise PlanError(f"underlay {net} overlaps {other}")
    addr = lambda n: str(net.network_address + n)  # noqa: E731
    etcd = [Member(f"etcd-{i}", f"skiff-lab-etcd-{i}", addr(1 + i), f"{PORT_PREFIX}etcd-{i}")
            for i in range(1, settings.etcd_members + 1)]
    hosts = [Member(host_name(i), host_name(i), addr(10 + i), f"{PORT_PREFIX}host-{i}")
             for i in range(1, settings.nodes + 1)]
    lab = Lab(settings, addr(1), net.prefixlen, etcd, hosts)
    lab.processes.extend(_processes(lab))
    return lab


def _processes(lab: Lab) -> list[Process]:
    s = lab.settings
    members = {m.name: m.ip for m in lab.etcd}
    procs = [Process(m.name, components.etcd(m.name, str(STATE_DIR / m.name), m.ip, members, PKI_DIR),
                     m.netns, "etcd") for m in lab.etcd]
    root = lab.root_ip
    for i, ip in enumerate(lab.api_ips):
        procs.append(Process(apiserver_process_name(i), components.apiserver(
            f"{ip}:{API_PORT}", lab.etcd_endpoints, PKI_DIR, token_listen=f"{ip}:{TOKEN_PORT}",
            encryption_config=str(ENCRYPTION_CONFIG), metrics_ip=ip, rest_listen=f"{ip}:{REST_PORT}",
            audit_log=str(LOG_DIR / f"{apiserver_process_name(i)}-audit.log")),
            None, "controlplane", components.metrics_address("apiserver", ip)))
    procs.append(Process("scheduler", components.scheduler(lab.api_address, PKI_DIR, metrics_ip=root), None,
                         "controlplane", components.metrics_address("scheduler", root)))
    procs.append(Process("controller-manager",
                         components.controller_manager(lab.api_address, s.cluster_cidr, s.lifecycle, PKI_DIR,
                                                       metrics_ip=root, autoscaling=components.LAB_AUTOSCALING,
                                                       load_balancer_pool=s.load_balancer_pool),
                         None, "controlplane", components.metrics_address("controller-manager", root)))
    for h in lab.hosts:
        argv = components.agent(lab.api_address, h.name, h.ip, HOST_LINK, PKI_DIR,
                                state_dir=str(STATE_DIR / "agent" / h.name),
                                lease_renew_interval=s.lease_renew_interval,
                                metrics_resolution=components.LAB_METRICS_RESOLUTION)
        procs.append(Process(agent_process_name(h.name), argv, h.netns, "agent",
                             components.metrics_address("agent", h.ip)))
    if s.ingress:
        host = lab.hosts[0]
        procs.append(Process(INGRESS_PROCESS, components.ingress_controller(
            lab.api_address, host.ip, str(STATE_DIR / "ingress"), PKI_DIR), host.netns, "ingress",
            components.metrics_address("ingress", host.ip)))
    if s.prometheus:
        procs.append(Process("prometheus", prometheus_argv(lab), None, "prometheus"))
    return procs


INGRESS_PROCESS = "ingress-controller"
INGRESS_CLASS = "nginx"  # the lab's default IngressClass, as ingress-nginx names its own


def ingress_host(lab: Lab) -> Member:
    """Where the lab's ingress controller runs (its nginx listens on that host's underlay address)."""
    return lab.hosts[0]


PROMETHEUS_BINARY = "/usr/bin/prometheus"
PROMETHEUS_PORT = 9090
PROMETHEUS_DIR = STATE_DIR / "prometheus"


def prometheus_url(lab: Lab) -> str:
    return f"http://{lab.root_ip}:{PROMETHEUS_PORT}"


def prometheus_argv(lab: Lab) -> list[str]:
    return [PROMETHEUS_BINARY, f"--config.file={PROMETHEUS_DIR / 'prometheus.yml'}",
            f"--storage.tsdb.path={PROMETHEUS_DIR / 'data'}", f"--web.listen-address={lab.root_ip}:{PROMETHEUS_PORT}",
            "--storage.tsdb.retention.time=1d"]


def prometheus_config(lab: Lab) -> str:
    """Scrape every component of every host, one job per kind of component, every 5 s."""
    jobs: dict[str, list[tuple[str, str]]] = {}
    for p in lab.processes:
        if p.metrics:
            job = "agent" if p.kind == "agent" else p.name
            jobs.setdefault(job, []).append((p.metrics, p.name.removeprefix("agent-") if p.kind == "agent"
                                             else "control-plane"))
    return scrape_config(f"{lab.root_ip}:{PROMETHEUS_PORT}", jobs, PKI_DIR)


def scrape_config(own_address: str, jobs: dict[str, list[tuple[str, str]]], pki_dir: Path) -> str:
    """Prometheus' configuration: itself, and each job's targets (address, host label) over HTTPS, the
    cluster CA checking each component's certificate and Prometheus showing its own (skiff:prometheus,
    in system:monitoring, which RBAC lets read /metrics)."""
    lines = ["# Written by `python -m deploy.lab up --prometheus`; rewritten on every up.",
             "global:", "  scrape_interval: 5s", "  evaluation_interval: 5s", "scrape_configs:",
             "  - job_name: prometheus", "    static_configs:", f"      - targets: ['{own_address}']"]
    for job, targets in jobs.items():
        lines += [f"  - job_name: {job}", "    scheme: https", "    tls_config:",
                  f"      ca_file: {cert_file(pki_dir, 'ca')}", f"      cert_file: {cert_file(pki_dir, 'prometheus')}",
                  f"      key_file: {key_file(pki_dir, 'prometheus')}", "    static_configs:"]
        for address, instance in targets:
            lines += [f"      - targets: ['{address}']", f"        labels: {{host: '{instance}'}}"]
    return "\n".join(lines) + "\n"


def unreachable_prefixes(settings: Settings) -> list[str]:
    """Routed nowhere in every namespace that does not own them (DESIGN.md, traffic safety)."""
    return [settings.cluster_cidr, settings.service_cidr]


def is_lab_netns(name: str) -> bool:
    return name.startswith(NETNS_PREFIXES)


def is_lab_node(node_label: str) -> bool:
    return node_label.startswith(HOST_PREFIX)
