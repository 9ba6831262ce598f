"""Validation of CertificateSigningRequests in Kubernetes' words (pkg/apis/certificates/validation): the PEM
request, signerName, usages, expirationSeconds, the conditions, and what approval and status updates may not do."""
from __future__ import annotations

from cryptography import x509

from api import certificates, names
from controlplane.apiserver.validation.fielderrors import (Path, duplicate, forbidden, invalid, not_supported,
                                                            required)
from proto import types_pb2

SPEC, STATUS = Path("spec"), Path("status")
CONDITION_STATUSES = ("True", "False", "Unknown")
_EXCLUSIVE = (certificates.APPROVED, certificates.DENIED, certificates.FAILED)  # at most one of each


def validate_signer_name(name: str, path: Path) -> list[str]:
    """`<domain>/<path>`: a DNS subdomain with a dot, then a path (Kubernetes' ValidateSignerName)."""
    if not name:
        return [required(path)]
    domain, slash, rest = name.partition("/")
    if not slash or not rest:
        return [invalid(path, name, "must be a fully qualified domain and path of the form 'example.com/signer-name'")]
    problems = [invalid(path, name, f"validating domain component: {p}") for p in names.dns1123_subdomain(domain)]
    if "." not in domain:
        problems.append(invalid(path, name, "should be a domain with at least two segments separated by dots"))
    if len(rest) > 253 or any(not s for s in rest.split("/")):
        problems.append(invalid(path, name, "validating path component: must be a valid path of non-empty segments"))
    return problems


def validate_spec(spec: types_pb2.CertificateSigningRequestSpec) -> list[str]:
    problems = []
    request = SPEC.child("request")
    if not spec.request:
        problems.append(required(request))
    else:
        try:
            certificates.parse_request(spec.request)
        except ValueError as e:
            problems.append(f"{request}: Invalid value: []byte{{...}}: {e}")
    problems += validate_signer_name(spec.signer_name, SPEC.child("signerName"))
    if spec.HasField("expiration_seconds") and spec.expiration_seconds < certificates.MIN_EXPIRATION_SECONDS:
        problems.append(invalid(SPEC.child("expirationSeconds"), spec.expiration_seconds,
                                "may not specify a duration less than 600 seconds (10 minutes)"))
    usages = SPEC.child("usages")
    if not spec.usages:
        problems.append(required(usages, "usages must be provided"))
    seen = set()
    for i, usage in enumerate(spec.usages):
        if usage not in certificates.USAGES:
            problems.append(not_supported(usages.index(i), usage, certificates.USAGES))
        elif usage in seen:
            problems.append(duplicate(usages.index(i), usage))
        seen.add(usage)
    return problems


def validate_conditions(status: types_pb2.CertificateSigningRequestStatus) -> list[str]:
    problems, seen = [], set()
    path = STATUS.child("conditions")
    for i, c in enumerate(status.conditions):
        here = path.index(i)
        if not c.type:
            problems.append(required(here.child("type")))
        elif c.type in _EXCLUSIVE and c.type in seen:
            problems.append(duplicate(here.child("type"), c.type))
        seen.add(c.type)
        if c.type in (certificates.APPROVED, certificates.DENIED) and c.status != "True":
            problems.append(not_supported(here.child("status"), c.status, ("True",)))
        elif c.status not in CONDITION_STATUSES:
            problems.append(not_supported(here.child("status"), c.status, CONDITION_STATUSES))
    if certificates.APPROVED in seen and certificates.DENIED in seen:
        problems.append(invalid(path, [c.type for c in status.conditions],
                                "Approved and Denied conditions are mutually exclusive"))
    return problems


def validate_certificate(status: types_pb2.CertificateSigningRequestStatus) -> list[str]:
    if not status.certificate:
        return []
    try:
        x509.load_pem_x509_certificates(status.certificate)
    except ValueError:
        return [invalid(STATUS.child("certificate"), "<certificate data>",
                        "only CERTIFICATE PEM blocks are allowed, and at least one is required")]
    return []


def validate(csr: types_pb2.CertificateSigningRequest) -> list[str]:
    return validate_spec(csr.spec) + validate_conditions(csr.status) + validate_certificate(csr.status)


def _approvals(csr) -> list[str]:
    return [c.type for c in csr.status.conditions if c.type in (certificates.APPROVED, certificates.DENIED)]


def validate_approval_update(new, old) -> list[str]:
    """An Approved or Denied condition, once set, stays (Kubernetes' approval strategy)."""
    kept = _approvals(new)
    return [forbidden(STATUS.child("conditions"), f'updates may not remove a condition of type "{t}"')
            for t in _approvals(old) if t not in kept]


def validate_status_update(new, old) -> list[str]:
    """The signer's write: the certificate once issued stays, and approval is the approval subresource's."""
    problems = validate_conditions(new.status) + validate_certificate(new.status)
    if old.status.certificate and new.status.certificate != old.status.certificate:
        problems.append(forbidden(STATUS.child("certificate"), "updates may not modify existing certificate content"))
    if sorted(_approvals(new)) != sorted(_approvals(old)):
        problems.append(forbidden(STATUS.child("conditions"), "updates may not add or remove Approved or Denied "
                                                              "conditions; use the approval subresource"))
    return problems
