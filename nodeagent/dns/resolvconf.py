"""A pod's /etc/resolv.conf from its dnsPolicy and dnsConfig, as the kubelet builds it (pkg/kubelet/network/dns).

Pure: parse the host's file, decide the pod's servers/searches/options, render the text; `write` is the I/O.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass

from proto import types_pb2

NDOTS = "ndots:5"
MAX_NAMESERVERS = 3
MAX_SEARCHES = 32
MAX_SEARCH_CHARS = 2048
HOST_RESOLV_CONF = "/etc/resolv.conf"


@dataclass(frozen=True)
class DnsConfig:
    nameservers: tuple[str, ...] = ()
    searches: tuple[str, ...] = ()
    options: tuple[str, ...] = ()


def parse(text: str) -> DnsConfig:
    """A resolv.conf's nameservers, search list (the last `search` line wins) and options."""
    nameservers: list[str] = []
    searches: list[str] = []
    options: list[str] = []
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split(";", 1)[0].split()
        if not fields:
            continue
        if fields[0] == "nameserver" and len(fields) > 1:
            nameservers.append(fields[1])
        elif fields[0] in ("search", "domain"):
            searches = [s.removesuffix(".") for s in fields[1:] if s != "."]
        elif fields[0] == "options":
            options += fields[1:]
    return DnsConfig(tuple(nameservers), tuple(searches), tuple(options))


def policy_of(pod: types_pb2.Pod) -> str:
    """Which resolver the pod gets: "cluster", "host" or "none" (ClusterFirst with hostNetwork is Default)."""
    policy = pod.spec.dns_policy or "ClusterFirst"
    if policy == "None":
        return "none"
    if policy == "ClusterFirstWithHostNet" or (policy == "ClusterFirst" and not pod.spec.host_network):
        return "cluster"
    return "host"


def for_pod(pod: types_pb2.Pod, cluster_domain: str, nameserver: str, host: DnsConfig) -> DnsConfig:
    policy = policy_of(pod)
    if policy == "cluster":
        ns = pod.metadata.namespace or "default"
        clusters = (f"{ns}.svc.{cluster_domain}", f"svc.{cluster_domain}", cluster_domain)
        base = DnsConfig((nameserver,), clusters + host.searches, (NDOTS,))
    elif policy == "host":
        base = host
    else:
        base = DnsConfig()
    if pod.spec.HasField("dns_config"):
        base = merged(base, pod.spec.dns_config)
    return fit_limits(base)


def merged(base: DnsConfig, extra: types_pb2.PodDNSConfig) -> DnsConfig:
    """The pod's dnsConfig on top: its servers after, its searches before, its options overriding by name."""
    options: dict[str, str] = {}
    for option in base.options:
        options[option.partition(":")[0]] = option
    for option in extra.options:
        options[option.name] = f"{option.name}:{option.value}" if option.value else option.name
    return DnsConfig(_unique(base.nameservers + tuple(extra.nameservers)),
                     _unique(tuple(extra.searches) + base.searches), tuple(options.values()))


def fit_limits(cfg: DnsConfig) -> DnsConfig:
    """At most 3 nameservers (the resolver ignores more) and 32 search domains in 2048 characters."""
    searches: list[str] = []
    for domain in _unique(cfg.searches)[:MAX_SEARCHES]:
        if len(" ".join(searches + [domain])) > MAX_SEARCH_CHARS:
            break
        searches.append(domain)
    return DnsConfig(_unique(cfg.nameservers)[:MAX_NAMESERVERS], tuple(searches), cfg.options)


def render(cfg: DnsConfig) -> str:
    lines = []
    if cfg.searches:
        lines.append("search " + " ".join(cfg.searches))
    lines += [f"nameserver {server}" for server in cfg.nameservers]
    if cfg.options:
        lines.append("options " + " ".join(cfg.options))
    return "\n".join(lines) + "\n"


def pod_resolv_conf(pod: types_pb2.Pod, cluster_domain: str, nameserver: str, host_text: str) -> str:
    """The whole file for one pod, given the host's resolv.conf text."""
    return render(for_pod(pod, cluster_domain, nameserver, parse(host_text)))


def _unique(items) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))


# ---------------------------------------------------------------- I/O


def read_host(path: str = HOST_RESOLV_CONF) -> str:
    """The host's resolv.conf; "" when it has none (pods with dnsPolicy Default then get no servers)."""
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def write(path: str, text: str) -> None:
    """Replace the file atomically, so a container starting meanwhile sees the old or the new, never half."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".resolv.")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
