"""The REST listener's TLS: the API server's serving certificate (cluster CA), and client certificates
asked for but optional, so kubectl may present one or a bearer token instead.
"""
from __future__ import annotations

import ssl
import tempfile
from pathlib import Path


def server_context(cert_pem: bytes, key_pem: bytes, client_ca: bytes | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    # ssl loads a certificate chain only from files: write them to a private temporary directory, then remove it.
    with tempfile.TemporaryDirectory() as tmp:
        cert_file, key_file = Path(tmp, "tls.crt"), Path(tmp, "tls.key")
        key_file.touch(mode=0o600)
        key_file.write_bytes(key_pem)
        cert_file.write_bytes(cert_pem)
        context.load_cert_chain(cert_file, key_file)
    if client_ca:
        context.verify_mode = ssl.CERT_OPTIONAL  # verified when given; a token may stand in for it
        context.load_verify_locations(cadata=client_ca.decode())
    context.set_alpn_protocols(["http/1.1"])
    return context


def peer_certificate(request) -> bytes | None:
    """The client certificate TLS verified for this request, as PEM, or None."""
    transport = request.transport
    ssl_object = transport.get_extra_info("ssl_object") if transport is not None else None
    der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    return ssl.DER_cert_to_PEM_cert(der).encode() if der else None
