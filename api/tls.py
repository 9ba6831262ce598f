"""A server's TLS, for every HTTPS listener of skiff (the REST API, each program's /metrics): its own
certificate, and the cluster CA that callers' client certificates are verified against when they give one.
"""
from __future__ import annotations

import contextlib
import os
import ssl


def server_context(cert_pem: bytes, key_pem: bytes, client_ca: bytes | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    with _in_memory_file(cert_pem) as cert_file, _in_memory_file(key_pem) as key_file:
        context.load_cert_chain(cert_file, key_file)
    if client_ca:
        # verified when given; a caller may present none (a token instead, or an anonymous health check)
        context.verify_mode = ssl.CERT_OPTIONAL
        context.load_verify_locations(cadata=client_ca.decode())
    context.set_alpn_protocols(["http/1.1"])
    return context


def client_context(ca_pem: bytes, cert_pem: bytes | None = None, key_pem: bytes | None = None) -> ssl.SSLContext:
    """A client's TLS to a skiff HTTPS listener: the server checked against the cluster CA, this client's
    certificate presented when it has one (a component's REST calls, as its gRPC ones)."""
    context = ssl.create_default_context(cadata=ca_pem.decode())
    if cert_pem and key_pem:
        with _in_memory_file(cert_pem) as cert_file, _in_memory_file(key_pem) as key_file:
            context.load_cert_chain(cert_file, key_file)
    return context


@contextlib.contextmanager
def _in_memory_file(data: bytes):
    """A path to `data` that never touches a disk. ssl loads a certificate chain only from files; an
    anonymous memory file (memfd) read through /proc/self/fd is one that nothing else can open, and that
    vanishes with its descriptor, even when the process is killed half-way (a temporary directory would
    be left behind, with the private key in it)."""
    fd = os.memfd_create("skiff-tls", os.MFD_CLOEXEC)
    try:
        os.write(fd, data)
        yield f"/proc/self/fd/{fd}"
    finally:
        os.close(fd)
