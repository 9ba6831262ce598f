"""The cluster's certificates and the kubeconfig of each component, made where the CA lives.

`prepare` is idempotent: what exists stays; the lab and install.sh both call it.
"""
from __future__ import annotations

from pathlib import Path

from api import kubeconfig, pki

PKI_DIR = Path("/etc/skiff/pki")
TOKEN_FILE = "tokens.csv"
AUDIT_POLICY = "audit-policy.yaml"


def cert(pki_dir: Path, path: str) -> str:
    return str(pki.cert_file(pki_dir, path))


def key(pki_dir: Path, path: str) -> str:
    return str(pki.key_file(pki_dir, path))


def kubeconfig_file(pki_dir: Path, who: str) -> str:
    """admin, scheduler, controller-manager, or nodes/NAME."""
    return str(Path(pki_dir) / f"{who}.conf")


def etcd_client_files(pki_dir: Path) -> tuple[str, str, str]:
    """(CA, certificate, key) the API server (and `deploy.etcdspace`) speak to etcd with."""
    return cert(pki_dir, "ca"), cert(pki_dir, "apiserver-etcd-client"), key(pki_dir, "apiserver-etcd-client")


def etcd_member_flags(pki_dir: Path, member: str) -> list[str]:
    """TLS for an etcd member's clients and peers, each required to show a certificate of the cluster CA."""
    ca = cert(pki_dir, "ca")
    server, peer = pki.etcd_server_path(member), pki.etcd_peer_path(member)
    return ["--cert-file", cert(pki_dir, server), "--key-file", key(pki_dir, server),
            "--client-cert-auth", "--trusted-ca-file", ca,
            "--peer-cert-file", cert(pki_dir, peer), "--peer-key-file", key(pki_dir, peer),
            "--peer-client-cert-auth", "--peer-trusted-ca-file", ca]


def apiserver_flags(pki_dir: Path) -> list[str]:
    token_file = Path(pki_dir) / TOKEN_FILE
    etcd_ca, etcd_cert, etcd_key = etcd_client_files(pki_dir)
    return ["--tls-cert-file", cert(pki_dir, "apiserver"), "--tls-private-key-file", key(pki_dir, "apiserver"),
            "--client-ca-file", cert(pki_dir, "ca"),
            "--kubelet-client-certificate", cert(pki_dir, "apiserver-kubelet-client"),
            "--kubelet-client-key", key(pki_dir, "apiserver-kubelet-client"),
            "--token-auth-file", str(token_file), "--audit-policy-file", str(Path(pki_dir) / AUDIT_POLICY),
            "--service-account-signing-key-file", str(Path(pki_dir) / "sa.key"),
            "--etcd-cafile", etcd_ca, "--etcd-certfile", etcd_cert, "--etcd-keyfile", etcd_key]


def prepare(pki_dir: Path, layout: pki.ClusterLayout, api_address: str, rest_address: str = "") -> list[str]:
    """Every certificate of the layout, a kubeconfig per component and node (naming the REST API too when
    `rest_address` is given: the garbage collector reaches custom resources there), an (empty) token file.

    Returns what was made now (nothing when all existed).
    """
    pki_dir = Path(pki_dir)
    made = pki.write_pki(pki_dir, pki.cluster_specs(layout))
    pki.ensure_service_account_key(pki_dir)
    ca = cert(pki_dir, "ca")
    users = {"admin": "admin", "scheduler": "scheduler", "controller-manager": "controller-manager",
             "ingress-controller": "ingress-controller"}
    users.update({pki.node_cert_path(n): pki.node_cert_path(n) for n in layout.nodes})
    for who, path in users.items():
        conf = Path(kubeconfig_file(pki_dir, who))
        text = kubeconfig.render(api_address, ca, cert(pki_dir, path), key(pki_dir, path),
                                 user=who.replace("nodes/", "system:node:"), rest=rest_address)
        if not conf.exists() or conf.read_text() != text:
            kubeconfig.write(conf, text)
            made.append(f"{who}.conf")
    policy = pki_dir / AUDIT_POLICY
    if not policy.exists():
        from controlplane.apiserver.auth.audit import WRITES_ONLY_POLICY_TEXT
        pki.write_file(policy, WRITES_ONLY_POLICY_TEXT.encode())
    token_file = pki_dir / TOKEN_FILE
    if not token_file.exists():
        pki.write_file(token_file, b"# token,user,uid,\"group1,group2\"  (Kubernetes' --token-auth-file)\n")
    return made


KUBECTL_CONFIG = "kubectl.conf"


def kubectl_config(pki_dir: Path, rest_address: str) -> list[str]:
    """`kubectl.conf`: the admin's kubeconfig for stock kubectl, whose server is the REST API (install.sh puts it
    at ~/.kube/config); the CA and the admin's certificate embedded, so the file works wherever it is copied.
    Returns [its name] when it was (re)written."""
    conf = Path(pki_dir) / KUBECTL_CONFIG
    text = kubeconfig.render(rest_address, Path(cert(pki_dir, "ca")).read_bytes(),
                             Path(cert(pki_dir, "admin")).read_bytes(), Path(key(pki_dir, "admin")).read_bytes(),
                             namespace="default")
    if conf.exists() and conf.read_text() == text:
        return []
    kubeconfig.write(conf, text)
    return [KUBECTL_CONFIG]


def layout_from_config(config: dict) -> pki.ClusterLayout:
    """The layout a cluster config (deploy/cluster.example.yaml) describes."""
    from deploy.units import api_servers
    api_ips = tuple(s.rsplit(":", 1)[0] for s in api_servers(config))
    return pki.ClusterLayout(apiserver_addresses=api_ips, service_cidr=str(config.get("serviceCIDR", "10.96.0.0/16")),
                             etcd_members={str(k): str(v) for k, v in config["etcd"].items()},
                             nodes={str(n["name"]): (str(n["ip"]),) for n in config["nodes"] if n.get("name")})


def main(argv: list[str] | None = None) -> int:
    import argparse
    import sys

    from deploy.units import ConfigError, load
    parser = argparse.ArgumentParser(prog="python -m deploy.pki",
                                     description="Make the cluster CA, every certificate and each component's "
                                                 "kubeconfig for a cluster config (what exists stays).")
    parser.add_argument("--config", required=True, help="the cluster config (deploy/cluster.example.yaml)")
    parser.add_argument("--dir", default=str(PKI_DIR), help="where the PKI lives (default %(default)s)")
    args = parser.parse_args(argv)
    try:
        config = load(args.config)
        from deploy.units import api_servers, rest_addresses
        made = prepare(Path(args.dir), layout_from_config(config), ",".join(api_servers(config)),
                       rest_addresses(config)[0])
        made += kubectl_config(Path(args.dir), rest_addresses(config)[0])
    except (ConfigError, KeyError, ValueError) as e:
        print(f"deploy.pki: {e}", file=sys.stderr)
        return 1
    for what in made:
        print(f"{args.dir}/{what}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
