"""A server's TLS, for every HTTPS listener of skiff (the REST API, each program's /metrics): its own
certificate, and the cluster CA that callers' client certificates are verified against when they give one.
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
        # verified when given; a caller may present none (a token instead, or an anonymous health check)
        context.verify_mode = ssl.CERT_OPTIONAL
        context.load_verify_locations(cadata=client_ca.decode())
    context.set_alpn_protocols(["http/1.1"])
    return context
