"""CertificateSigningRequests as pure decisions: validation in Kubernetes' words, what the built-in signers sign
and for how long, the admission plugins' refusals, the kubectl columns and the cleaner's windows."""
from __future__ import annotations

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from api import certificates, manifest, meta, pki
from controlplane.apiserver.auth import certificates as csr_admission
from controlplane.apiserver.auth.attributes import Decision
from controlplane.apiserver.auth.user import UserInfo
from controlplane.apiserver.validation import certificates as validation
from proto import types_pb2

NOW = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.timezone.utc)


def request(cn: str = "myuser", orgs=(), dns=()) -> tuple[x509.CertificateSigningRequest, bytes]:
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in orgs]
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(attrs))
    if dns:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(d) for d in dns]), critical=False)
    req = builder.sign(pki.new_key(), hashes.SHA256())
    return req, req.public_bytes(serialization.Encoding.PEM)


def csr(**spec) -> types_pb2.CertificateSigningRequest:
    _, pem = request()
    obj = types_pb2.CertificateSigningRequest(metadata=types_pb2.ObjectMeta(name="myuser"))
    obj.spec.request = pem
    obj.spec.signer_name = certificates.KUBE_APISERVER_CLIENT
    obj.spec.usages.append("client auth")
    for key, value in spec.items():
        if isinstance(value, list):
            del getattr(obj.spec, key)[:]
            getattr(obj.spec, key).extend(value)
        else:
            setattr(obj.spec, key, value)
    return obj


def test_a_valid_request_has_no_problems():
    assert validation.validate(csr(expiration_seconds=86400)) == []


def test_a_request_that_is_not_a_pem_csr_is_refused_naming_the_block():
    problems = validation.validate(csr(request=b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
    assert problems == ["spec.request: Invalid value: []byte{...}: PEM block type must be CERTIFICATE REQUEST"]


def test_expiration_under_ten_minutes_and_unknown_usages_are_refused():
    problems = validation.validate(csr(expiration_seconds=599, usages=["client auth", "flying"]))
    assert "spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 600 seconds " \
           "(10 minutes)" in problems
    assert any(p.startswith('spec.usages[1]: Unsupported value: "flying": supported values: "signing"')
               for p in problems)


def test_usages_and_a_qualified_signer_name_are_required():
    problems = validation.validate(csr(usages=[], signer_name="kube-apiserver-client"))
    assert "spec.usages: Required value: usages must be provided" in problems
    assert ('spec.signerName: Invalid value: "kube-apiserver-client": must be a fully qualified domain and path of '
            "the form 'example.com/signer-name'") in problems


def test_approved_and_denied_are_mutually_exclusive():
    obj = csr()
    obj.status.conditions.add(type="Approved", status="True")
    obj.status.conditions.add(type="Denied", status="True")
    assert any("Approved and Denied conditions are mutually exclusive" in p for p in validation.validate(obj))


def test_an_approval_cannot_be_taken_back_and_a_certificate_not_replaced():
    old = csr()
    old.status.conditions.add(type="Approved", status="True")
    old.status.certificate = b"x"
    new = meta.copy(old)
    del new.status.conditions[:]
    assert validation.validate_approval_update(new, old) == [
        'status.conditions: Forbidden: updates may not remove a condition of type "Approved"']
    changed = meta.copy(old)
    changed.status.certificate = b"y"
    assert any("updates may not modify existing certificate content" in p
               for p in validation.validate_status_update(changed, old))


def test_the_request_reads_from_and_writes_to_base64_in_the_manifest():
    obj = csr()
    data = manifest.to_dict(obj)
    assert isinstance(data["spec"]["request"], str)
    back, _ = manifest.from_dict({"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
                                  **data})
    assert back.spec.request == obj.spec.request


# ---------------------------------------------------------------- the signer

def test_the_client_signer_wants_client_auth_and_no_alt_names():
    req, _ = request()
    assert certificates.signer_refusal(certificates.KUBE_APISERVER_CLIENT, req, ["client auth"]) == ""
    assert certificates.signer_refusal(certificates.KUBE_APISERVER_CLIENT, req, ["server auth"]) == \
        "invalid usage for client certificate: server auth"
    assert certificates.signer_refusal(certificates.KUBE_APISERVER_CLIENT, req, ["digital signature"]) == \
        "missing required usage for client certificate: client auth"
    with_sans, _ = request(dns=("example.com",))
    assert "subjectAltNames" in certificates.signer_refusal(certificates.KUBE_APISERVER_CLIENT, with_sans,
                                                            ["client auth"])


def test_the_kubelet_client_signer_signs_only_node_identities():
    node, _ = request("system:node:n1", ("system:nodes",))
    other, _ = request("alice", ("system:nodes",))
    signer = certificates.KUBE_APISERVER_CLIENT_KUBELET
    assert certificates.signer_refusal(signer, node, ["client auth", "digital signature"]) == ""
    assert certificates.signer_refusal(signer, other, ["client auth"]) == \
        'common name must begin with "system:node:"'


def test_the_duration_asked_is_capped_by_the_signer_and_floored_at_ten_minutes():
    year = certificates.DEFAULT_SIGNING_DURATION
    assert certificates.duration(None, year) == year
    assert certificates.duration(86400, year) == 86400
    assert certificates.duration(10 * year, year) == year
    assert certificates.duration(60, year) == 600


def test_the_issued_certificate_names_the_requests_subject_and_the_ca():
    ca = pki.make_ca()
    req, _ = request("myuser", ("developers",))
    pem = certificates.sign(ca.cert_pem, ca.key_pem, req, ["client auth"], 86400, NOW)
    cert = x509.load_pem_x509_certificate(pem)
    assert cert.subject == req.subject
    assert cert.issuer == x509.load_pem_x509_certificate(ca.cert_pem).subject
    assert cert.not_valid_after_utc == NOW + datetime.timedelta(days=1)
    assert cert.not_valid_before_utc == NOW - certificates.BACKDATE


# ---------------------------------------------------------------- admission

def test_system_masters_through_the_client_signer_is_refused():
    _, pem = request("root", (certificates.MASTERS,))
    assert csr_admission.subject_restriction(csr(request=pem)) == \
        "use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed"
    assert csr_admission.subject_restriction(csr(request=pem, signer_name="example.com/other")) == ""


def test_approval_is_allowed_by_the_signer_name_or_its_domain_wildcard():
    asked = []

    def authorize(user, attrs):
        asked.append((attrs.verb, attrs.resource, attrs.name))
        return Decision(attrs.name == "example.com/*")
    bob = UserInfo("bob")
    assert csr_admission.approval_refusal(authorize, bob, csr(signer_name="example.com/my-signer")) == ""
    assert asked[:2] == [("approve", "signers", "example.com/my-signer"), ("approve", "signers", "example.com/*")]
    assert csr_admission.approval_refusal(authorize, bob, csr()) == \
        'user not permitted to approve requests with signerName "kubernetes.io/kube-apiserver-client"'


# ---------------------------------------------------------------- columns and the cleaner

def test_the_condition_column_lists_conditions_then_issued():
    obj = csr(expiration_seconds=86400)
    assert (certificates.condition_text(obj), certificates.requested_duration(obj)) == ("Pending", "24h")
    obj.status.conditions.add(type="Approved", status="True")
    obj.status.certificate = b"pem"
    assert certificates.condition_text(obj) == "Approved,Issued"


def test_the_cleaner_keeps_pending_for_a_day_and_decided_for_an_hour():
    pending = csr()
    pending.metadata.creation_timestamp = meta.format_time(NOW - datetime.timedelta(hours=23))
    assert not certificates.expired(pending, NOW)
    pending.metadata.creation_timestamp = meta.format_time(NOW - datetime.timedelta(hours=25))
    assert certificates.expired(pending, NOW)
    approved = csr()
    approved.metadata.creation_timestamp = meta.format_time(NOW - datetime.timedelta(hours=3))
    approved.status.conditions.add(type="Approved", status="True",
                                   last_update_time=meta.format_time(NOW - datetime.timedelta(minutes=30)))
    assert not certificates.expired(approved, NOW)
    approved.status.conditions[0].last_update_time = meta.format_time(NOW - datetime.timedelta(minutes=61))
    assert certificates.expired(approved, NOW)
