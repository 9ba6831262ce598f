"""The command line of every skiff process, built in one place for the lab and the systemd units.

Each function takes plain settings and returns argv; nothing here starts or writes anything.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from deploy import pki

REPO_ROOT = Path(__file__).resolve().parent.parent
ETCD_BINARY = "/usr/bin/etcd"
# etcd's space quota: writes stop with "database space exceeded" above it (etcd's default is 2 GiB; say
# it explicitly so the limit is visible where etcd is started). Compaction keeps the data far below it.
ETCD_QUOTA_BYTES = 2 * 1024 ** 3


@dataclass(frozen=True)
class NodeLifecycle:
    """How fast a silent node turns NotReady and loses its pods (the lab shortens both)."""
    grace_period: float = 40.0
    eviction_timeout: float = 300.0
    monitor_period: float = 5.0


LAB_LIFECYCLE = NodeLifecycle(grace_period=15.0, eviction_timeout=30.0, monitor_period=2.0)

# Prometheus /metrics (and /healthz, /readyz) of each program, over HTTPS, as --metrics-bind-address.
METRICS_PORTS = {"apiserver": 10251, "scheduler": 10259, "controller-manager": 10257, "agent": 10255,
                 "ingress": 10254}
LAB_METRICS_RESOLUTION = 5.0  # `skiff top` follows a lab experiment closely; real nodes keep 15 s


@dataclass(frozen=True)
class Autoscaling:
    """How often HPAs are looked at, and how long a scale-down waits (the lab shortens both)."""
    sync_period: float = 15.0
    downscale_stabilization: float = 300.0


LAB_AUTOSCALING = Autoscaling(sync_period=5.0, downscale_stabilization=30.0)


def program(name: str, bin_dir: Path | None = None) -> str:
    """A console script: in `bin_dir` when given (an install elsewhere), else beside the running
    interpreter, else in the repo's .venv; never a hard-coded checkout path."""
    if bin_dir is not None:
        return str(bin_dir / name)
    for directory in (Path(sys.executable).parent, REPO_ROOT / ".venv" / "bin"):
        if (directory / name).exists():
            return str(directory / name)
    return name


def _seconds(value: float) -> str:
    return f"{value:g}"


def etcd(name: str, data_dir: str, ip: str, members: dict[str, str], pki_dir: Path, state: str = "new",
         client_port: int = 2379, peer_port: int = 2380, binary: str = ETCD_BINARY,
         quota_bytes: int = ETCD_QUOTA_BYTES) -> list[str]:
    """One etcd member; `members` maps every member's name to its IP (the initial cluster). Clients and
    peers speak TLS and must show a certificate of the cluster CA in `pki_dir`."""
    cluster = ",".join(f"{n}=https://{addr}:{peer_port}" for n, addr in sorted(members.items()))
    return [binary, "--name", name, "--data-dir", data_dir,
            "--listen-client-urls", f"https://{ip}:{client_port},https://127.0.0.1:{client_port}",
            "--advertise-client-urls", f"https://{ip}:{client_port}",
            "--listen-peer-urls", f"https://{ip}:{peer_port}",
            "--initial-advertise-peer-urls", f"https://{ip}:{peer_port}",
            *pki.etcd_member_flags(pki_dir, name),
            "--initial-cluster", cluster, "--initial-cluster-state", state,
            "--initial-cluster-token", "skiff", "--quota-backend-bytes", str(quota_bytes),
            # etcd 3.5's default, off in 3.4: a member that lost quorum does not inflate its term by
            # campaigning alone, so when the others return they elect a leader at once, not after a few
            # disrupted rounds of a second each (writes resumed 2 to 7 s after quorum came back without).
            "--pre-vote"]


def metrics_address(component: str, ip: str) -> str:
    return f"{ip}:{METRICS_PORTS[component]}"


def apiserver(listen: str, etcd_endpoints: list[str], pki_dir: Path, bin_dir: Path | None = None,
              token_listen: str = "", encryption_config: str = "", metrics_ip: str = "",
              rest_listen: str = "", audit_log: str = "") -> list[str]:
    """`encryption_config`: the EncryptionConfiguration file that keeps Secrets encrypted in etcd;
    `rest_listen`: where to serve the Kubernetes REST API (kubectl), with the same serving certificate."""
    argv = [program("skiff-apiserver", bin_dir), "--listen", listen,
            "--etcd-servers", ",".join(etcd_endpoints), *pki.apiserver_flags(pki_dir),
            "--metrics-bind-address", metrics_address("apiserver", metrics_ip or "127.0.0.1")]
    if token_listen:
        argv += ["--token-listen", token_listen]
    if encryption_config:
        argv += ["--encryption-provider-config", encryption_config]
    if rest_listen:
        argv += ["--rest-listen", rest_listen]
    if audit_log:
        argv += ["--audit-log-path", audit_log]
    return argv


def scheduler(server: str, pki_dir: Path, bin_dir: Path | None = None, metrics_ip: str = "") -> list[str]:
    return [program("skiff-scheduler", bin_dir), "--server", server,
            "--kubeconfig", pki.kubeconfig_file(pki_dir, "scheduler"),
            "--metrics-bind-address", metrics_address("scheduler", metrics_ip or "127.0.0.1")]


def controller_manager(server: str, cluster_cidr: str, lifecycle: NodeLifecycle, pki_dir: Path,
                       bin_dir: Path | None = None, metrics_ip: str = "",
                       autoscaling: Autoscaling | None = None, load_balancer_pool: str = "") -> list[str]:
    argv = [program("skiff-controller-manager", bin_dir), "--server", server,
            "--kubeconfig", pki.kubeconfig_file(pki_dir, "controller-manager"),
            "--metrics-bind-address", metrics_address("controller-manager", metrics_ip or "127.0.0.1"),
            "--cluster-cidr", cluster_cidr,
            "--node-monitor-grace-period", _seconds(lifecycle.grace_period),
            "--pod-eviction-timeout", _seconds(lifecycle.eviction_timeout),
            "--node-monitor-period", _seconds(lifecycle.monitor_period),
            # the csrsigning controller issues CertificateSigningRequests' certificates from the cluster CA
            "--cluster-signing-cert-file", pki.cert(pki_dir, "ca"),
            "--cluster-signing-key-file", pki.key(pki_dir, "ca")]
    if autoscaling is not None:
        argv += ["--horizontal-pod-autoscaler-sync-period", _seconds(autoscaling.sync_period),
                 "--horizontal-pod-autoscaler-downscale-stabilization", _seconds(autoscaling.downscale_stabilization)]
    if load_balancer_pool:
        argv += ["--load-balancer-pool", load_balancer_pool]
    return argv


INGRESS_CONTROLLER = "skiff.io/ingress-nginx"  # spec.controller of the IngressClass it serves


def ingress_controller(server: str, listen_ip: str, work_dir: str, pki_dir: Path,
                       bin_dir: Path | None = None) -> list[str]:
    """nginx on this host's address, serving the Ingresses of the IngressClasses naming INGRESS_CONTROLLER."""
    return [program("skiff-ingress-controller", bin_dir), "--server", server, "--listen-address", listen_ip,
            "--kubeconfig", pki.kubeconfig_file(pki_dir, "ingress-controller"),
            "--controller-name", INGRESS_CONTROLLER, "--work-dir", work_dir,
            "--metrics-bind-address", metrics_address("ingress", listen_ip)]


def agent(server: str, node_name: str, node_ip: str, interface: str, pki_dir: Path, state_dir: str | None = None,
          lease_renew_interval: float | None = None, bin_dir: Path | None = None,
          metrics_resolution: float | None = None) -> list[str]:
    # The node's one certificate is its identity to the API server and its logs/exec serving cert.
    argv = [program("skiff-agent", bin_dir), "--server", server, "--node-name", node_name,
            "--node-ip", node_ip, "--interface", interface,
            "--kubeconfig", pki.kubeconfig_file(pki_dir, f"nodes/{node_name}"),
            "--metrics-bind-address", metrics_address("agent", node_ip)]
    if metrics_resolution is not None:
        argv += ["--metrics-resolution", _seconds(metrics_resolution)]
    if state_dir:
        argv += ["--state-dir", state_dir]
    if lease_renew_interval is not None:
        # The lease must be renewed well inside the grace period, or a healthy node flaps.
        argv += ["--lease-renew-interval", _seconds(lease_renew_interval)]
    return argv
