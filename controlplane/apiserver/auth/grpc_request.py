"""What a gRPC request carries about its caller: the verified client certificate, a bearer token and whom
it asks to act as (the Impersonate-* headers, as metadata)."""
from __future__ import annotations

import grpc

from controlplane.apiserver.auth.authn import bearer_token


def caller_credentials(context: grpc.aio.ServicerContext) -> tuple[bytes | None, str | None]:
    """(client certificate PEM, bearer token); either may be None."""
    auth = context.auth_context() or {}
    certs = auth.get("x509_pem_cert") or []
    cert = certs[0] if certs else None
    if isinstance(cert, str):
        cert = cert.encode()
    token = None
    for key, value in context.invocation_metadata() or ():
        if key == "authorization":
            token = bearer_token(value if isinstance(value, str) else value.decode(errors="replace"))
            break
    return cert, token


def impersonation_metadata(context: grpc.aio.ServicerContext) -> list[tuple[str, str]]:
    """The Impersonate-* entries of the call's metadata, as (name, value) pairs (a name once per value)."""
    return [(key, value if isinstance(value, str) else value.decode(errors="replace"))
            for key, value in context.invocation_metadata() or () if key.startswith("impersonate-")]
