"""The REST listener's TLS: the API server's serving certificate (cluster CA, api/tls.py), and client
certificates asked for but optional, so kubectl may present one or a bearer token instead.
"""
from __future__ import annotations

import ssl

from api.tls import server_context

__all__ = ["server_context", "peer_certificate"]


def peer_certificate(request) -> bytes | None:
    """The client certificate TLS verified for this request, as PEM, or None."""
    transport = request.transport
    ssl_object = transport.get_extra_info("ssl_object") if transport is not None else None
    der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    return ssl.DER_cert_to_PEM_cert(der).encode() if der else None
