"""systemd units for a real cluster, rendered from a cluster config with the lab's own command lines.

`python -m deploy.units --config cluster.yaml --role controlplane|node --name vm1 --out /etc/systemd/system`
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from deploy import components
from deploy.pki import PKI_DIR

INSTALL_DIR = Path("/opt/skiff")
BIN_DIR = INSTALL_DIR / ".venv" / "bin"
ETCD_DATA = "/var/lib/skiff/etcd"
ENCRYPTION_CONFIG = "/etc/skiff/encryption.yaml"  # made by install.sh: the key of Secrets at rest


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Unit:
    name: str
    description: str
    argv: list[str]
    after: str = ""

    def render(self) -> str:
        requires = f"Requires={self.after}\n" if self.after else ""
        return (f"# Rendered by deploy/units.py from the cluster config; re-run deploy/install.sh to change it.\n"
                f"[Unit]\nDescription=skiff: {self.description}\n"
                f"After=network-online.target {self.after}".rstrip() + "\n"
                f"Wants=network-online.target\n{requires}\n"
                f"[Service]\nExecStart={' '.join(self.argv)}\nRestart=always\nRestartSec=2\n"
                f"LimitNOFILE=65536\n\n[Install]\nWantedBy=multi-user.target\n")


def load(path: str) -> dict:
    try:
        with open(path) as f:
            config = yaml.safe_load(f) or {}
    except OSError as e:
        raise ConfigError(f"cannot read cluster config {path}: {e.strerror}") from None
    except yaml.YAMLError as e:
        raise ConfigError(f"cluster config {path} is not valid YAML: {e}") from None
    missing = [k for k in ("apiServer", "clusterCIDR", "etcd", "nodes") if k not in config]
    if missing:
        raise ConfigError(f"cluster config {path} lacks {', '.join(missing)} (see deploy/cluster.example.yaml)")
    return config


DEFAULT_REST_PORT = 6444  # the Kubernetes REST API (stock kubectl), beside each API server's gRPC port, as in the lab


def rest_port(config: dict) -> int:
    """`restPort`: where each API server serves the Kubernetes REST API (kubectl), on its own IP."""
    try:
        port = int(config.get("restPort", DEFAULT_REST_PORT))
    except (TypeError, ValueError):
        raise ConfigError(f"restPort must be a port number, not {config.get('restPort')!r}") from None
    if not 0 < port < 65536:
        raise ConfigError(f"restPort must be a port number (1-65535), not {port}")
    return port


def rest_addresses(config: dict) -> list[str]:
    """Each API server's REST HOST:PORT, in the order of `apiServer`."""
    return [f"{s.rsplit(':', 1)[0]}:{rest_port(config)}" for s in api_servers(config)]


def api_servers(config: dict) -> list[str]:
    """`apiServer`: one HOST:PORT, or several (a list, or comma-separated) for several API servers."""
    value = config["apiServer"]
    items = value if isinstance(value, list) else str(value).split(",")
    return [str(i).strip() for i in items if str(i).strip()]


def controlplane_units(config: dict, name: str, bin_dir: Path = BIN_DIR) -> list[Unit]:
    members = {str(k): str(v) for k, v in config["etcd"].items()}
    endpoints = [f"{ip}:2379" for ip in members.values()]
    life = config.get("nodeLifecycle", {})
    lifecycle = components.NodeLifecycle(
        grace_period=float(life.get("gracePeriod", components.NodeLifecycle.grace_period)),
        eviction_timeout=float(life.get("evictionTimeout", components.NodeLifecycle.eviction_timeout)),
        monitor_period=float(life.get("monitorPeriod", components.NodeLifecycle.monitor_period)))
    servers = api_servers(config)
    server = ",".join(servers)  # every client is given them all, and fails over
    own_ip = next((str(n["ip"]) for n in config["nodes"] if str(n.get("name")) == name and n.get("ip")),
                  members.get(name, "0.0.0.0"))
    units = []
    if name in members:
        units.append(Unit("skiff-etcd", f"etcd member {name}",
                          components.etcd(name, ETCD_DATA, members[name], members, PKI_DIR)))
    units += [
        Unit("skiff-apiserver", "API server",
             components.apiserver(f"{own_ip}:{servers[0].rsplit(':', 1)[1]}", endpoints, PKI_DIR, bin_dir,
                                  encryption_config=ENCRYPTION_CONFIG, metrics_ip=own_ip,
                                  rest_listen=f"{own_ip}:{rest_port(config)}",
                                  audit_log="/var/log/skiff-apiserver-audit.log"),
             "skiff-etcd.service" if name in members else ""),
        Unit("skiff-scheduler", "scheduler", components.scheduler(server, PKI_DIR, bin_dir, metrics_ip=own_ip)),
        Unit("skiff-controller-manager", "controller manager",
             components.controller_manager(server, config["clusterCIDR"], lifecycle, PKI_DIR, bin_dir,
                                           metrics_ip=own_ip)),
    ]
    return units


def node_units(config: dict, name: str, bin_dir: Path = BIN_DIR) -> list[Unit]:
    for node in config["nodes"]:
        if str(node.get("name")) == name:
            for key in ("ip", "interface"):
                if not node.get(key):
                    raise ConfigError(f"node {name} in the cluster config has no {key}")
            return [Unit("skiff-agent", f"node agent of {name}",
                         components.agent(",".join(api_servers(config)), name, str(node["ip"]), str(node["interface"]),
                                          PKI_DIR, bin_dir=bin_dir), "docker.service")]
    raise ConfigError(f"no node named {name!r} in the cluster config; nodes: "
                      f"{', '.join(str(n.get('name')) for n in config['nodes'])}")


def render(config: dict, role: str, name: str, bin_dir: Path = BIN_DIR) -> dict[str, str]:
    """File name -> unit text for one machine's role."""
    units = controlplane_units(config, name, bin_dir) if role == "controlplane" else node_units(config, name, bin_dir)
    return {f"{u.name}.service": u.render() for u in units}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.units", description=__doc__.split("\n")[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--role", choices=("controlplane", "node"), required=True)
    parser.add_argument("--name", required=True, help="this machine's name in the config")
    parser.add_argument("--out", required=True, help="directory for the unit files")
    parser.add_argument("--bin-dir", default=str(BIN_DIR), help="where skiff's programs are installed")
    args = parser.parse_args(argv)
    try:
        files = render(load(args.config), args.role, args.name, Path(args.bin_dir))
    except ConfigError as e:
        print(f"deploy.units: {e}", file=sys.stderr)
        return 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for filename, text in files.items():
        (out / filename).write_text(text)
        print(out / filename)
    return 0


if __name__ == "__main__":
    sys.exit(main())
