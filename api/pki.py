"""The cluster's certificates: one CA, and the certificates Kubernetes lays out, signed by it.

Pure functions make keys and certificates in memory; `write_pki` puts them on disk, files 0600.
"""
from __future__ import annotations

import datetime
import ipaddress
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_DAYS = 3650
CERT_DAYS = 365
# Renew what expires within this many days (`skiff certs renew` without --all).
RENEW_BEFORE_DAYS = 30
SERVICE_DNS_NAMES = ("kubernetes", "kubernetes.default", "kubernetes.default.svc",
                     "kubernetes.default.svc.cluster.local")

MASTERS = "system:masters"
NODES = "system:nodes"
NODE_PREFIX = "system:node:"


@dataclass(frozen=True)
class CertSpec:
    """One certificate to issue: the file stem it lives under, who it names, what it may be used for."""

    path: str  # relative to the PKI directory, without .crt/.key
    common_name: str
    organizations: tuple[str, ...] = ()
    dns_names: tuple[str, ...] = ()
    ip_addresses: tuple[str, ...] = ()
    server: bool = False
    client: bool = False
    days: int = CERT_DAYS


@dataclass(frozen=True)
class KeyPair:
    cert_pem: bytes
    key_pem: bytes


@dataclass(frozen=True)
class ClusterLayout:
    """What the certificates must name: the API server's addresses, etcd members, nodes."""

    apiserver_addresses: tuple[str, ...] = ("127.0.0.1",)
    service_cidr: str = "10.96.0.0/16"
    etcd_members: dict[str, str] = field(default_factory=dict)  # member name -> IP
    nodes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # node name -> its IPs


# The ingress controller's identity; the API server binds it to a ClusterRole of the same name.
INGRESS_CONTROLLER_USER = "skiff:ingress-controller"
# Prometheus' identity: in Kubernetes' system:monitoring group, which may read every component's /metrics.
PROMETHEUS_USER = "skiff:prometheus"
MONITORING_GROUP = "system:monitoring"


def first_service_ip(service_cidr: str) -> str:
    """The ClusterIP of the `kubernetes` Service: the service range's first address."""
    return str(ipaddress.ip_network(service_cidr, strict=False).network_address + 1)


def node_cert_path(node: str) -> str:
    return f"nodes/{node}"


def etcd_server_path(member: str) -> str:
    return f"etcd/{member}-server"


def etcd_peer_path(member: str) -> str:
    return f"etcd/{member}-peer"


def cluster_specs(layout: ClusterLayout) -> list[CertSpec]:
    """Every certificate of a cluster, as Kubernetes lays them out (kubeadm's names where it has one)."""
    api_ips = _unique(["127.0.0.1", first_service_ip(layout.service_cidr), *layout.apiserver_addresses])
    control_plane_serving = dict(dns_names=("localhost",), ip_addresses=tuple(a for a in api_ips if _is_ip(a)),
                                 server=True, client=True)
    specs = [
        CertSpec("apiserver", "kube-apiserver", dns_names=("localhost", *SERVICE_DNS_NAMES),
                 ip_addresses=tuple(a for a in api_ips if _is_ip(a)), server=True),
        CertSpec("apiserver-etcd-client", "kube-apiserver-etcd-client", client=True),
        CertSpec("apiserver-kubelet-client", "kube-apiserver-kubelet-client", (MASTERS,), client=True),
        # The control plane's programs also serve their /metrics with their one certificate, where they run.
        CertSpec("scheduler", "system:kube-scheduler", **control_plane_serving),
        CertSpec("controller-manager", "system:kube-controller-manager", **control_plane_serving),
        # the ingress controller runs on a node: its certificate names every node's address too
        CertSpec("ingress-controller", INGRESS_CONTROLLER_USER, dns_names=("localhost",),
                 ip_addresses=tuple(_unique([*control_plane_serving["ip_addresses"],
                                             *(ip for ips in layout.nodes.values() for ip in ips if _is_ip(ip))])),
                 server=True, client=True),
        CertSpec("prometheus", PROMETHEUS_USER, (MONITORING_GROUP,), client=True),
        CertSpec("admin", "kubernetes-admin", (MASTERS,), client=True),
    ]
    for member, ip in sorted(layout.etcd_members.items()):
        ips = tuple(_unique(["127.0.0.1", ip]))
        specs.append(CertSpec(etcd_server_path(member), member, dns_names=("localhost", member),
                              ip_addresses=ips, server=True, client=True))
        specs.append(CertSpec(etcd_peer_path(member), member, dns_names=(member,), ip_addresses=ips,
                              server=True, client=True))
    for node, ips in sorted(layout.nodes.items()):
        specs.append(node_spec(node, ips))
    return specs


def node_spec(node: str, ips: Iterable[str] = ()) -> CertSpec:
    """A node's one certificate: its identity to the API server and its agent's serving cert."""
    return CertSpec(node_cert_path(node), NODE_PREFIX + node, (NODES,), dns_names=(node,),
                    ip_addresses=tuple(_unique(ips)), server=True, client=True)


# ------------------------------------------------------------------ making keys and certificates

def new_key() -> ec.EllipticCurvePrivateKey:
    # P-256: as strong as RSA-3072 and a thousand times quicker to make, which the test PKI needs.
    return ec.generate_private_key(ec.SECP256R1())


def make_ca(common_name: str = "skiff-ca", days: int = CA_DAYS,
            now: datetime.datetime | None = None) -> KeyPair:
    key = new_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = (now or _now()) - datetime.timedelta(minutes=5)
    cert = (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return KeyPair(_cert_pem(cert), _key_pem(key))


def issue(ca: KeyPair, spec: CertSpec, now: datetime.datetime | None = None,
          days: int | None = None) -> KeyPair:
    """A new key and a certificate for it, signed by the CA."""
    ca_cert = x509.load_pem_x509_certificate(ca.cert_pem)
    ca_key = serialization.load_pem_private_key(ca.key_pem, password=None)
    key = new_key()
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in spec.organizations]
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, spec.common_name))
    start = (now or _now()) - datetime.timedelta(minutes=5)
    usages = ([ExtendedKeyUsageOID.SERVER_AUTH] if spec.server else []) + \
             ([ExtendedKeyUsageOID.CLIENT_AUTH] if spec.client else [])
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name(attrs)).issuer_name(ca_cert.subject).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(start)
               .not_valid_after(start + datetime.timedelta(days=spec.days if days is None else days))
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, key_encipherment=False, key_cert_sign=False,
                                            content_commitment=False, data_encipherment=False,
                                            key_agreement=False, crl_sign=False, encipher_only=False,
                                            decipher_only=False), critical=True)
               .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),
                              critical=False))
    sans: list[x509.GeneralName] = [x509.DNSName(d) for d in spec.dns_names]
    sans += [x509.IPAddress(ipaddress.ip_address(a)) for a in spec.ip_addresses]
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return KeyPair(_cert_pem(builder.sign(ca_key, hashes.SHA256())), _key_pem(key))


# ------------------------------------------------------------------ reading certificates

@dataclass(frozen=True)
class CertInfo:
    common_name: str
    organizations: tuple[str, ...]
    not_after: datetime.datetime
    is_ca: bool


def describe(cert_pem: bytes) -> CertInfo:
    """Who a certificate names and when it expires; ValueError when it is not a PEM certificate."""
    cert = x509.load_pem_x509_certificate(cert_pem)
    try:
        is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    cn = _attr(cert.subject, NameOID.COMMON_NAME)
    return CertInfo(cn[0] if cn else "", tuple(_attr(cert.subject, NameOID.ORGANIZATION_NAME)),
                    cert.not_valid_after_utc, is_ca)


def _attr(name: x509.Name, oid) -> list[str]:
    return [str(a.value) for a in name.get_attributes_for_oid(oid)]


# ------------------------------------------------------------------ on disk

def cert_file(directory: Path, path: str) -> Path:
    return Path(directory) / f"{path}.crt"


def key_file(directory: Path, path: str) -> Path:
    return Path(directory) / f"{path}.key"


def write_file(path: Path, data: bytes) -> None:
    """Write atomically with mode 0600: a key is never readable by others, not even for a moment."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def load_ca(directory: Path) -> KeyPair:
    return KeyPair(cert_file(directory, "ca").read_bytes(), key_file(directory, "ca").read_bytes())


def ensure_ca(directory: Path) -> KeyPair:
    """The CA in `directory`, made when there is none yet."""
    if cert_file(directory, "ca").exists() and key_file(directory, "ca").exists():
        return load_ca(directory)
    ca = make_ca()
    write_file(key_file(directory, "ca"), ca.key_pem)
    write_file(cert_file(directory, "ca"), ca.cert_pem)
    return ca


def write_pki(directory: Path, specs: Iterable[CertSpec], renew: bool = False) -> list[str]:
    """Make the CA if missing and every certificate that is missing (or all of them with `renew`).

    Returns the paths it (re)issued. Existing certificates stay, so running it twice changes nothing,
    unless one lacks a name or usage its spec now asks for (a PKI made by an older skiff: the control
    plane's certificates now also serve /metrics), which is issued again.
    """
    directory = Path(directory)
    ca = ensure_ca(directory)
    made = []
    for spec in specs:
        crt, key = cert_file(directory, spec.path), key_file(directory, spec.path)
        if not renew and crt.exists() and key.exists() and \
                covers(spec_of(spec.path, x509.load_pem_x509_certificate(crt.read_bytes())), spec):
            continue
        pair = issue(ca, spec)
        write_file(key, pair.key_pem)
        write_file(crt, pair.cert_pem)
        made.append(spec.path)
    return made


def certificates(directory: Path) -> list[tuple[str, CertInfo]]:
    """(relative path without .crt, what it names) for every certificate under the directory."""
    directory = Path(directory)
    found = []
    for crt in sorted(directory.rglob("*.crt")):
        found.append((str(crt.relative_to(directory))[:-4], describe(crt.read_bytes())))
    return found


def renew(directory: Path, path: str, now: datetime.datetime | None = None) -> None:
    """Re-issue one certificate with the same names and usages, a fresh key and a new expiry."""
    directory = Path(directory)
    ca = load_ca(directory)
    old = x509.load_pem_x509_certificate(cert_file(directory, path).read_bytes())
    pair = issue(ca, spec_of(path, old), now=now)
    write_file(key_file(directory, path), pair.key_pem)
    write_file(cert_file(directory, path), pair.cert_pem)


def covers(existing: CertSpec, wanted: CertSpec) -> bool:
    """Whether a certificate issued as `existing` does all `wanted` asks: the same subject, every name, every usage."""
    return (existing.common_name, existing.organizations) == (wanted.common_name, wanted.organizations) and \
        set(wanted.dns_names) <= set(existing.dns_names) and set(wanted.ip_addresses) <= set(existing.ip_addresses) \
        and existing.server >= wanted.server and existing.client >= wanted.client


def spec_of(path: str, cert: x509.Certificate) -> CertSpec:
    """The CertSpec that would issue a certificate like `cert`."""
    try:
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns = tuple(sans.get_values_for_type(x509.DNSName))
        ips = tuple(str(i) for i in sans.get_values_for_type(x509.IPAddress))
    except x509.ExtensionNotFound:
        dns, ips = (), ()
    try:
        usages = list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        usages = []
    cn = _attr(cert.subject, NameOID.COMMON_NAME)
    return CertSpec(path, cn[0] if cn else "", tuple(_attr(cert.subject, NameOID.ORGANIZATION_NAME)), dns, ips,
                    server=ExtendedKeyUsageOID.SERVER_AUTH in usages,
                    client=ExtendedKeyUsageOID.CLIENT_AUTH in usages)


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        return False


def _unique(values: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for v in values:
        if v:
            seen.setdefault(v, None)
    return list(seen)


def ensure_service_account_key(directory: Path) -> tuple[Path, Path]:
    """sa.key and sa.pub (kubeadm's names): the key ServiceAccount tokens are signed with, made once."""
    directory = Path(directory)
    private, public = directory / "sa.key", directory / "sa.pub"
    if not (private.exists() and public.exists()):
        key = new_key()
        write_file(private, _key_pem(key))
        write_file(public, key.public_key().public_bytes(serialization.Encoding.PEM,
                                                         serialization.PublicFormat.SubjectPublicKeyInfo))
    return private, public
