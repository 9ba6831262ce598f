"""CertificateSigningRequests (certificates.k8s.io/v1) as pure decisions: reading the PEM request, its
conditions, what a built-in signer may sign, the certificate it issues, and when the cleaner removes a request."""
from __future__ import annotations

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from api import meta
from api.age import human_duration

KUBE_APISERVER_CLIENT = "kubernetes.io/kube-apiserver-client"
KUBE_APISERVER_CLIENT_KUBELET = "kubernetes.io/kube-apiserver-client-kubelet"
KUBELET_SERVING = "kubernetes.io/kubelet-serving"
LEGACY_UNKNOWN = "kubernetes.io/legacy-unknown"
# The signers skiff's controller manager signs for, with the cluster CA.
SIGNED_HERE = (KUBE_APISERVER_CLIENT, KUBE_APISERVER_CLIENT_KUBELET)

APPROVED, DENIED, FAILED = "Approved", "Denied", "Failed"
MASTERS = "system:masters"
MIN_EXPIRATION_SECONDS = 600  # Kubernetes refuses a shorter expirationSeconds
DEFAULT_SIGNING_DURATION = 365 * 24 * 3600  # kube-controller-manager's --cluster-signing-duration
# What the certificate's start is set back by, so a clock a little behind still accepts it (Kubernetes: 5 min).
BACKDATE = datetime.timedelta(minutes=5)

# Kubernetes' KeyUsage values, as a CSR's spec.usages may name them.
USAGES = ("signing", "digital signature", "content commitment", "key encipherment", "key agreement",
          "data encipherment", "cert sign", "crl sign", "encipher only", "decipher only", "any", "server auth",
          "client auth", "code signing", "email protection", "s/mime", "ipsec end system", "ipsec tunnel",
          "ipsec user", "timestamping", "ocsp signing", "microsoft sgc", "netscape sgc")
_KEY_USAGES = {"digital signature", "key encipherment"}
_CLIENT_USAGES = {"digital signature", "key encipherment", "client auth"}
_EXTENDED = {"client auth": ExtendedKeyUsageOID.CLIENT_AUTH, "server auth": ExtendedKeyUsageOID.SERVER_AUTH,
             "code signing": ExtendedKeyUsageOID.CODE_SIGNING, "email protection": ExtendedKeyUsageOID.EMAIL_PROTECTION,
             "timestamping": ExtendedKeyUsageOID.TIME_STAMPING, "ocsp signing": ExtendedKeyUsageOID.OCSP_SIGNING}

# The cleaner (Kubernetes' csrcleaner): how long a request is kept.
APPROVED_EXPIRATION = datetime.timedelta(hours=1)
DENIED_EXPIRATION = datetime.timedelta(hours=1)
PENDING_EXPIRATION = datetime.timedelta(hours=24)


def parse_request(pem: bytes) -> x509.CertificateSigningRequest:
    """The PKCS#10 request in a PEM block; ValueError in Kubernetes' words when it is not one, or its
    signature does not match its key."""
    text = pem.lstrip()
    if not text.startswith(b"-----BEGIN "):
        raise ValueError("PEM block type must be CERTIFICATE REQUEST")
    block_type = text[len(b"-----BEGIN "):].split(b"-----", 1)[0]
    if block_type != b"CERTIFICATE REQUEST":
        raise ValueError("PEM block type must be CERTIFICATE REQUEST")
    try:
        req = x509.load_pem_x509_csr(pem)
    except ValueError as e:
        raise ValueError(f"x509: malformed certificate request: {e}") from None
    if not req.is_signature_valid:
        raise ValueError("x509: signature of the certificate request does not match its public key")
    return req


def subject(req: x509.CertificateSigningRequest) -> tuple[str, tuple[str, ...]]:
    """(common name, organizations): the user and groups a client certificate names."""
    cn = req.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    orgs = req.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return (str(cn[0].value) if cn else ""), tuple(str(o.value) for o in orgs)


def _sans(req: x509.CertificateSigningRequest) -> list:
    try:
        return list(req.extensions.get_extension_for_class(x509.SubjectAlternativeName).value)
    except x509.ExtensionNotFound:
        return []


# ---------------------------------------------------------------- conditions

def condition(csr, type_: str):
    return next((c for c in csr.status.conditions if c.type == type_), None)


def is_approved(csr) -> bool:
    c = condition(csr, APPROVED)
    return c is not None and c.status == "True"


def is_denied(csr) -> bool:
    c = condition(csr, DENIED)
    return c is not None and c.status == "True"


def has_failed(csr) -> bool:
    c = condition(csr, FAILED)
    return c is not None and c.status == "True"


def condition_text(csr) -> str:
    """kubectl's CONDITION column: the condition types, then Issued once there is a certificate; else Pending."""
    parts = [c.type for c in csr.status.conditions]
    if csr.status.certificate:
        parts.append("Issued")
    return ",".join(parts) or "Pending"


def requested_duration(csr) -> str:
    """kubectl's REQUESTEDDURATION column: <none> when the request sets no expirationSeconds."""
    if not csr.spec.HasField("expiration_seconds"):
        return "<none>"
    return human_duration(datetime.timedelta(seconds=csr.spec.expiration_seconds))


# ---------------------------------------------------------------- signing

def signer_refusal(signer: str, req: x509.CertificateSigningRequest, usages) -> str:
    """Why a built-in signer will not sign this request ("": it will), as Kubernetes' signer checks it."""
    if _sans(req):
        return "subjectAltNames are not allowed in client certificates"
    for usage in usages:
        if usage not in _CLIENT_USAGES:
            return f"invalid usage for client certificate: {usage}"
    if "client auth" not in usages:
        return "missing required usage for client certificate: client auth"
    cn, orgs = subject(req)
    if signer == KUBE_APISERVER_CLIENT_KUBELET:
        if list(orgs) != ["system:nodes"]:
            return 'organization must be exactly ["system:nodes"]'
        if not cn.startswith("system:node:"):
            return 'common name must begin with "system:node:"'
    return ""


def duration(expiration_seconds: int | None, max_seconds: int) -> int:
    """Seconds the certificate is valid: what was asked (at least 10 minutes), capped by the signer's maximum."""
    if expiration_seconds is None:
        return max_seconds
    return min(max_seconds, max(MIN_EXPIRATION_SECONDS, expiration_seconds))


def sign(ca_cert_pem: bytes, ca_key_pem: bytes, req: x509.CertificateSigningRequest, usages, seconds: int,
         now: datetime.datetime) -> bytes:
    """The PEM certificate the CA issues for the request: its subject and key, the usages asked, valid for
    `seconds` (never past the CA's own expiry)."""
    ca_cert = x509.load_pem_x509_certificate(ca_cert_pem)
    ca_key = serialization.load_pem_private_key(ca_key_pem, password=None)
    start = now - BACKDATE
    end = min(now + datetime.timedelta(seconds=seconds), ca_cert.not_valid_after_utc)
    extended = [_EXTENDED[u] for u in usages if u in _EXTENDED]
    builder = (x509.CertificateBuilder()
               .subject_name(req.subject).issuer_name(ca_cert.subject).public_key(req.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(start).not_valid_after(end)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),
                              critical=False))
    if _KEY_USAGES & set(usages):  # none asked: no KeyUsage at all (a KeyUsage of nothing would forbid TLS)
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature="digital signature" in usages, key_encipherment="key encipherment" in usages,
            key_cert_sign=False, content_commitment=False, data_encipherment=False, key_agreement=False,
            crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
    if extended:
        builder = builder.add_extension(x509.ExtendedKeyUsage(extended), critical=False)
    return builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


# ---------------------------------------------------------------- the cleaner

def _time(text: str) -> datetime.datetime | None:
    return meta.parse_time(text) if text else None


def expired(csr, now: datetime.datetime) -> bool:
    """Whether the cleaner removes the request: approved or denied an hour ago, pending for a day, or its
    certificate has expired (Kubernetes' csrcleaner)."""
    for type_, keep in ((APPROVED, APPROVED_EXPIRATION), (DENIED, DENIED_EXPIRATION)):
        c = condition(csr, type_)
        if c is not None:
            since = _time(c.last_update_time) or _time(csr.metadata.creation_timestamp)
            return since is not None and now - since > keep
    if csr.status.certificate:
        try:
            return x509.load_pem_x509_certificate(csr.status.certificate).not_valid_after_utc < now
        except ValueError:
            return False
    created = _time(csr.metadata.creation_timestamp)
    return created is not None and now - created > PENDING_EXPIRATION
