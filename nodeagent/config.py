"""The agent's settings, parsed from its command-line flags (the lab and the systemd units use these)."""
from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field, replace

from api import kubeconfig, monitoring
from api.credentials import Credentials, CredentialsError, read_certificate, read_key
from api.flagtypes import positive_seconds
from proto import types_pb2

TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


# The only client the agent's logs/exec server answers: the API server's kubelet-client certificate.
APISERVER_CLIENT = "kube-apiserver-kubelet-client"


@dataclass(frozen=True)
class ServingTLS:
    """The agent's own server: its certificate (naming the node), and who may call it."""

    cert_pem: bytes
    key_pem: bytes
    client_ca_pem: bytes
    allowed_client: str = APISERVER_CLIENT


@dataclass(frozen=True)
class AgentConfig:
    server: str
    node_name: str
    node_ip: str
    interface: str = ""
    runtime: str = "docker"
    hollow: int = 0
    state_dir: str = ""
    listen_port: int = 10250
    node_labels: dict[str, str] = field(default_factory=dict)
    taints: tuple[types_pb2.Taint, ...] = ()
    restart_backoff_base: float = 10.0
    restart_backoff_max: float = 300.0
    lease_renew_interval: float = 10.0
    lease_duration: int = 40
    status_update_interval: float = 10.0
    cluster_domain: str = "cluster.local"
    relist_period: float = 1.0
    pod_resync_period: float = 10.0  # each pod is synced this often even when nothing seems to change
    # The network namespace standing in for this host (the lab, e2e tests); None: the agent's own.
    host_netns: str | None = None
    bridge: str = "skiff0"
    # The service proxy masquerades by, and opens Docker's FORWARD drop for, these (nodeagent.proxy).
    cluster_cidr: str = "10.244.0.0/16"
    service_cidr: str = "10.96.0.0/16"
    # Cluster DNS on the bridge address (nodeagent.dns): other names go to the upstream; "": REFUSED.
    dns_upstream: str = ""
    dns_port: int = 53
    # TLS of the logs/exec server; there is no plain listener, so an agent running pods needs it.
    tls: ServingTLS | None = None
    # How the agent itself calls the API server (from --kubeconfig); tests hand a client in instead.
    credentials: Credentials | None = None
    # How often container and node usage is sampled and pushed to the metrics API (nodeagent.metrics).
    metrics_resolution: float = 15.0
    # Prometheus /metrics, /healthz, /readyz as (HOST, PORT), HOST "" meaning the node IP; None: off.
    metrics_bind_address: tuple[str, int] | None = None

    def for_node(self, name: str) -> "AgentConfig":
        return replace(self, node_name=name, state_dir=os.path.join(os.path.dirname(self.state_dir), name))


def parse_labels(text: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    for item in filter(None, (s.strip() for s in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise argparse.ArgumentTypeError(f"--node-labels: {item!r} is not KEY=VALUE")
        labels[key] = value
    return labels


def parse_taints(text: str) -> tuple[types_pb2.Taint, ...]:
    taints = []
    for item in filter(None, (s.strip() for s in text.split(","))):
        kv, sep, effect = item.rpartition(":")
        key, _, value = kv.partition("=")
        if not sep or not key or effect not in TAINT_EFFECTS:
            raise argparse.ArgumentTypeError(
                f"--register-with-taints: {item!r} is not KEY[=VALUE]:EFFECT with EFFECT one of "
                f"{', '.join(TAINT_EFFECTS)}")
        taints.append(types_pb2.Taint(key=key, value=value, effect=effect))
    return tuple(taints)


def dns_upstream(text: str) -> str:
    from nodeagent.dns.server import parse_upstream
    try:
        parse_upstream(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return text


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="skiff-agent",
                                description="Run pods on this host for a skiff cluster: register the node, "
                                            "heartbeat, start containers, wire pod networking.")
    p.add_argument("--kubeconfig", default=None, metavar="PATH",
                   help="(required) how to reach the API server as this node: server, cluster CA, the node's "
                        "certificate (CN=system:node:NAME, O=system:nodes) and key")
    p.add_argument("--server", default="", metavar="HOST:PORT",
                   help="the API server (default: the one --kubeconfig names)")
    p.add_argument("--tls-cert-file", default="", metavar="PATH",
                   help="serving certificate of the logs/exec server, naming the node (DNS SAN = node name); "
                        "default: the kubeconfig's client certificate")
    p.add_argument("--tls-private-key-file", default="", metavar="PATH", help="its private key")
    p.add_argument("--client-ca-file", default="", metavar="PATH",
                   help="CA of the API server's client certificate (default: the kubeconfig's cluster CA)")
    p.add_argument("--apiserver-client-name", default=APISERVER_CLIENT, metavar="CN",
                   help="the only client certificate CN the logs/exec server answers (default %(default)s)")
    p.add_argument("--node-name", default=os.uname().nodename, metavar="NAME",
                   help="this node's name (default: the host name)")
    p.add_argument("--node-ip", required=True, metavar="IP",
                   help="this host's address: the Node's InternalIP, the target of other nodes' pod routes")
    p.add_argument("--interface", default="", metavar="IFACE",
                   help="the interface holding --node-ip, on which this node holds and announces (gratuitous ARP) "
                        "the LoadBalancer addresses it is chosen for (default: the one found holding --node-ip)")
    p.add_argument("--runtime", choices=("docker", "fake"), default="docker")
    p.add_argument("--hollow", type=int, default=0, metavar="N",
                   help="run N hollow nodes NAME-0..NAME-N-1 in this process (needs --runtime fake)")
    p.add_argument("--state-dir", default="", metavar="DIR",
                   help="pod volumes and IP allocations (default /var/lib/skiff/agent/NODE-NAME)")
    p.add_argument("--listen-port", type=int, default=10250, metavar="PORT",
                   help="port for logs and exec (on --node-ip)")
    p.add_argument("--node-labels", type=parse_labels, default={}, metavar="K=V,...")
    p.add_argument("--register-with-taints", type=parse_taints, default=(), metavar="KEY=VALUE:EFFECT,...")
    p.add_argument("--restart-backoff-base", type=float, default=10.0, metavar="SECONDS",
                   help="first crash-loop back-off; it doubles up to --restart-backoff-max")
    p.add_argument("--restart-backoff-max", type=float, default=300.0, metavar="SECONDS")
    p.add_argument("--lease-renew-interval", type=float, default=10.0, metavar="SECONDS")
    p.add_argument("--status-update-interval", type=float, default=10.0, metavar="SECONDS")
    p.add_argument("--cluster-domain", default="cluster.local")
    p.add_argument("--host-netns", default=None, metavar="NAME",
                   help="the network namespace that stands in for this host (lab and tests)")
    p.add_argument("--cluster-cidr", default="10.244.0.0/16", metavar="CIDR",
                   help="pod addresses of the whole cluster (default %(default)s)")
    p.add_argument("--service-cluster-ip-range", default="10.96.0.0/16", metavar="CIDR",
                   help="the Services' ClusterIP range, as given to the API server (default %(default)s)")
    p.add_argument("--dns-upstream", type=dns_upstream, default="", metavar="HOST:PORT",
                   help="where cluster DNS forwards names outside --cluster-domain (default: none, they "
                        "are refused)")
    p.add_argument("--dns-port", type=int, default=53, metavar="PORT",
                   help="port of cluster DNS on the bridge address (default %(default)s)")
    p.add_argument("--metrics-resolution", type=positive_seconds, default=15.0, metavar="SECONDS",
                   help="how often container and node CPU and memory are sampled from the cgroups and pushed "
                        "to the metrics API for `skiff top` (default %(default)s)")
    monitoring.add_flag(p, ":10255")  # HOST empty: the node IP
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return p


def security_from_args(args: argparse.Namespace) -> tuple[kubeconfig.Connection, ServingTLS]:
    """The agent's connection and serving TLS; SystemExit naming the file when one is wrong."""
    if not args.kubeconfig:
        raise SystemExit("skiff-agent: --kubeconfig is required (the API server, the cluster CA and the "
                         "node's certificate)")
    try:
        connection = kubeconfig.load(args.kubeconfig, server=args.server or None)
        creds = connection.credentials
        cert = read_certificate(args.tls_cert_file, "serving certificate") if args.tls_cert_file else creds.cert_pem
        key = read_key(args.tls_private_key_file) if args.tls_private_key_file else creds.key_pem
        ca = read_certificate(args.client_ca_file, "client CA") if args.client_ca_file else creds.ca_pem
    except (kubeconfig.KubeconfigError, CredentialsError) as e:
        raise SystemExit(f"skiff-agent: {e}") from None
    if not cert or not key:
        raise SystemExit("skiff-agent: the logs/exec server needs a certificate: give --tls-cert-file and "
                         "--tls-private-key-file, or a client certificate in --kubeconfig")
    return connection, ServingTLS(cert, key, ca, args.apiserver_client_name)


def from_args(args: argparse.Namespace) -> AgentConfig:
    if args.hollow and args.runtime != "fake":
        raise SystemExit("skiff-agent: --hollow needs --runtime fake")
    connection, tls = security_from_args(args)
    return AgentConfig(
        server=connection.server, credentials=connection.credentials, tls=tls, node_name=args.node_name, node_ip=args.node_ip, interface=args.interface,
        runtime=args.runtime, hollow=args.hollow,
        state_dir=args.state_dir or os.path.join("/var/lib/skiff/agent", args.node_name),
        listen_port=args.listen_port, node_labels=args.node_labels, taints=args.register_with_taints,
        restart_backoff_base=args.restart_backoff_base, restart_backoff_max=args.restart_backoff_max,
        lease_renew_interval=args.lease_renew_interval, status_update_interval=args.status_update_interval,
        cluster_domain=args.cluster_domain, host_netns=args.host_netns,
        cluster_cidr=args.cluster_cidr, service_cidr=args.service_cluster_ip_range,
        dns_upstream=args.dns_upstream, dns_port=args.dns_port, metrics_resolution=args.metrics_resolution,
        metrics_bind_address=args.metrics_bind_address)
