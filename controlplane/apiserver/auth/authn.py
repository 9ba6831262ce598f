"""Authentication: from a request's client certificate or bearer token to a UserInfo, or Unauthenticated.

Certificates were verified against the cluster CA by TLS already; here CN is the user, O the groups.
"""
from __future__ import annotations

import functools
from collections.abc import Callable

from cryptography import x509
from cryptography.x509.oid import NameOID

from api import errors
from controlplane.apiserver.auth.user import UserInfo, with_authenticated

# A token verifier returns the user a token names, or None when it is not its kind of token.
TokenVerifier = Callable[[str], "UserInfo | None"]


class Authenticator:
    def __init__(self, tokens: dict[str, UserInfo] | None = None, verifiers: list[TokenVerifier] | None = None):
        self.tokens = tokens or {}
        self.verifiers = list(verifiers or [])

    def authenticate(self, cert_pem: bytes | None, token: str | None) -> UserInfo:
        """The caller; a token wins over a certificate (as Kubernetes' union authenticator tries it first)."""
        if token:
            user = self.tokens.get(token)
            for verify in self.verifiers:
                if user is not None:
                    break
                user = verify(token)
            if user is None:
                raise errors.Unauthenticated("Unauthorized")
            return user
        if cert_pem:
            return user_of_certificate(cert_pem)
        raise errors.Unauthenticated("Unauthorized")


@functools.lru_cache(maxsize=4096)
def user_of_certificate(cert_pem: bytes) -> UserInfo:
    """CN is the user name, each O a group (a verified certificate, so parsed once per distinct cert)."""
    subject = x509.load_pem_x509_certificate(cert_pem).subject
    names = [str(a.value) for a in subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    if not names or not names[0]:
        raise errors.Unauthenticated("Unauthorized: the client certificate names no user (empty CN)")
    groups = [str(a.value) for a in subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]
    return with_authenticated(names[0], groups)


def bearer_token(authorization: str) -> str | None:
    """The token of an `Authorization: Bearer TOKEN` header value, else None."""
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
