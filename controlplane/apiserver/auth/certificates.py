"""The admission plugins of CertificateSigningRequests, as Kubernetes': CertificateApproval and CertificateSigning
(the caller needs the `approve` or `sign` verb on the signer, as resource `signers` of certificates.k8s.io) and
CertificateSubjectRestriction (no system:masters through kube-apiserver-client)."""
from __future__ import annotations

from collections.abc import Callable

from api import certificates
from controlplane.apiserver.auth.attributes import Attributes, Decision
from controlplane.apiserver.auth.user import UserInfo

Authorize = Callable[[UserInfo, Attributes], Decision]


def may(authorize: Authorize, user: UserInfo, verb: str, signer: str) -> bool:
    """Whether `user` may `verb` for the signer, by its name or by its domain's wildcard (`example.com/*`)."""
    domain = signer.partition("/")[0]
    return any(authorize(user, Attributes(verb=verb, api_group="certificates.k8s.io", resource="signers",
                                          name=name)).allowed
               for name in (signer, f"{domain}/*"))


def subject_restriction(csr) -> str:
    """Why the request may not be made ("": it may): a kube-apiserver-client certificate naming system:masters
    would make its holder a cluster administrator that no RBAC can restrict."""
    if csr.spec.signer_name != certificates.KUBE_APISERVER_CLIENT:
        return ""
    try:
        _, groups = certificates.subject(certificates.parse_request(csr.spec.request))
    except ValueError:
        return ""  # validation has said what is wrong with it
    if certificates.MASTERS in groups:
        return f"use of {certificates.KUBE_APISERVER_CLIENT} signer with {certificates.MASTERS} group is not allowed"
    return ""


def approval_refusal(authorize: Authorize, user: UserInfo | None, csr) -> str:
    if user is None or may(authorize, user, "approve", csr.spec.signer_name):
        return ""
    return f'user not permitted to approve requests with signerName "{csr.spec.signer_name}"'


def signing_refusal(authorize: Authorize, user: UserInfo | None, new, old) -> str:
    """Only a change of the certificate needs the `sign` verb (a signer's Failed condition does not)."""
    if user is None or new.status.certificate == old.status.certificate or \
            may(authorize, user, "sign", new.spec.signer_name):
        return ""
    return f'user not permitted to sign requests with signerName "{new.spec.signer_name}"'
