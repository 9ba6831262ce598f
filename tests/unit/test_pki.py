"""The cluster PKI: what each certificate names, files 0600, idempotent, renewal keeping the names."""
from __future__ import annotations

import datetime
import ipaddress
import stat

from cryptography import x509

from api import pki


def _load(directory, path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pki.cert_file(directory, path).read_bytes())


def _sans(cert):
    ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return set(ext.get_values_for_type(x509.DNSName)), {str(i) for i in ext.get_values_for_type(x509.IPAddress)}


LAYOUT = pki.ClusterLayout(apiserver_addresses=("10.250.0.1",), service_cidr="10.96.0.0/16",
                           etcd_members={"etcd-1": "10.250.0.2"}, nodes={"host-1": ("10.250.0.11",)})


def test_apiserver_cert_names_its_addresses_the_first_service_ip_and_the_kubernetes_service(tmp_path):
    pki.write_pki(tmp_path, pki.cluster_specs(LAYOUT))
    dns, ips = _sans(_load(tmp_path, "apiserver"))
    assert {"kubernetes", "kubernetes.default", "kubernetes.default.svc",
            "kubernetes.default.svc.cluster.local", "localhost"} <= dns
    assert {"10.96.0.1", "127.0.0.1", "10.250.0.1"} <= ips


def test_identities_follow_kubernetes_layout(tmp_path):
    pki.write_pki(tmp_path, pki.cluster_specs(LAYOUT))
    info = {name: i for name, i in pki.certificates(tmp_path)}
    assert info["nodes/host-1"].common_name == "system:node:host-1"
    assert info["nodes/host-1"].organizations == ("system:nodes",)
    assert info["admin"].organizations == ("system:masters",)
    assert info["scheduler"].common_name == "system:kube-scheduler"
    assert info["controller-manager"].common_name == "system:kube-controller-manager"
    assert info["ca"].is_ca and not info["apiserver"].is_ca
    assert {"etcd/etcd-1-server", "etcd/etcd-1-peer", "apiserver-etcd-client", "apiserver-kubelet-client"} <= set(info)
    dns, ips = _sans(_load(tmp_path, "nodes/host-1"))
    assert dns == {"host-1"} and ips == {"10.250.0.11"}


def test_every_file_is_0600_and_a_second_run_changes_nothing(tmp_path):
    made = pki.write_pki(tmp_path, pki.cluster_specs(LAYOUT))
    assert "apiserver" in made
    for f in tmp_path.rglob("*.*"):
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
    before = pki.cert_file(tmp_path, "admin").read_bytes()
    assert pki.write_pki(tmp_path, pki.cluster_specs(LAYOUT)) == []
    assert pki.cert_file(tmp_path, "admin").read_bytes() == before


def test_renew_keeps_names_and_usages_with_a_new_key_and_expiry(tmp_path):
    pki.write_pki(tmp_path, pki.cluster_specs(LAYOUT))
    old = _load(tmp_path, "apiserver")
    later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=10)
    pki.renew(tmp_path, "apiserver", now=later)
    new = _load(tmp_path, "apiserver")
    assert _sans(new) == _sans(old) and new.subject == old.subject
    assert new.not_valid_after_utc > old.not_valid_after_utc
    assert new.public_key().public_numbers() != old.public_key().public_numbers()


def test_first_service_ip_is_the_ranges_first_address():
    assert pki.first_service_ip("10.96.0.0/16") == "10.96.0.1"
    assert ipaddress.ip_address(pki.first_service_ip("172.20.0.0/24")) == ipaddress.ip_address("172.20.0.1")


def test_a_certificate_lacking_what_its_spec_now_asks_is_issued_again(tmp_path):
    # an older PKI: the scheduler's certificate was a client one only; now it serves /metrics too
    old = pki.CertSpec("scheduler", "system:kube-scheduler", client=True)
    pki.write_pki(tmp_path, [old])
    assert "scheduler" in pki.write_pki(tmp_path, pki.cluster_specs(LAYOUT))
    spec = pki.spec_of("scheduler", _load(tmp_path, "scheduler"))
    assert spec.server and spec.client and "10.250.0.1" in spec.ip_addresses
    assert pki.write_pki(tmp_path, pki.cluster_specs(LAYOUT)) == []


def test_the_ingress_controller_names_every_node_and_prometheus_is_in_system_monitoring(tmp_path):
    pki.write_pki(tmp_path, pki.cluster_specs(LAYOUT))
    assert {"10.250.0.1", "10.250.0.11", "127.0.0.1"} <= _sans(_load(tmp_path, "ingress-controller"))[1]
    info = {name: i for name, i in pki.certificates(tmp_path)}
    assert (info["prometheus"].common_name, info["prometheus"].organizations) == ("skiff:prometheus",
                                                                                   ("system:monitoring",))
