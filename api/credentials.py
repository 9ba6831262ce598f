"""Who a client is to the API server: the cluster CA it trusts, and a client certificate or a token.

Read from files with errors that name the file; turned into gRPC channel credentials in one place.
"""
from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import grpc

# grpc is imported where used, and paths are os.path strings, not pathlib: the CLI reads its config on every
# run, even `--help`, and pays for every module imported.


def impersonation_headers(user: str = "", groups=(), uid: str = "") -> tuple[tuple[str, str], ...]:
    """kubectl's `--as`, `--as-group`, `--as-uid` as the Impersonate-* headers it sends."""
    return (*((("Impersonate-User", user),) if user else ()), *(("Impersonate-Group", g) for g in groups),
            *((("Impersonate-Uid", uid),) if uid else ()))


class CredentialsError(ValueError):
    """A certificate, key or token file is missing or malformed; the message names the file."""


class Credentials(NamedTuple):
    ca_pem: bytes
    cert_pem: bytes | None = None
    key_pem: bytes | None = None
    token: str | None = None
    # (header, value) pairs asking to act as someone else (`--as`): see impersonation_headers
    impersonate: tuple[tuple[str, str], ...] = ()

    def channel_credentials(self) -> "grpc.ChannelCredentials":
        """TLS verifying the server against the cluster CA, presenting the client cert, sending the token
        and the Impersonate-* headers (as gRPC metadata) on every call."""
        import grpc
        tls = grpc.ssl_channel_credentials(self.ca_pem, self.key_pem, self.cert_pem)
        calls = [grpc.access_token_call_credentials(self.token)] if self.token else []
        if self.impersonate:
            pairs = tuple((k.lower(), v) for k, v in self.impersonate)  # gRPC metadata keys are lower case
            calls.append(grpc.metadata_call_credentials(lambda _context, callback: callback(pairs, None)))
        return grpc.composite_channel_credentials(tls, *calls) if calls else tls

    @classmethod
    def from_files(cls, ca: str | os.PathLike, cert: str | os.PathLike | None = None,
                   key: str | os.PathLike | None = None, token_file: str | os.PathLike | None = None,
                   token: str | None = None) -> "Credentials":
        """Load and check every file; CredentialsError names the first one that is wrong."""
        if bool(cert) != bool(key):
            raise CredentialsError("a client certificate needs its key, and a key its certificate")
        ca_pem = read_certificate(ca, "certificate authority")
        cert_pem = read_certificate(cert, "client certificate") if cert else None
        key_pem = read_key(key) if key else None
        if token_file:
            token = read_token(token_file)
        return cls(ca_pem, cert_pem, key_pem, token or None)


def _read(path: str | os.PathLike, what: str) -> bytes:
    try:
        with open(os.path.expanduser(path), "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise CredentialsError(f"{what} file {path} does not exist") from None
    except OSError as e:
        raise CredentialsError(f"cannot read {what} file {path}: {e.strerror}") from None


# The PEM armour is checked here, not the DER inside: parsing with cryptography costs every CLI run
# tens of milliseconds, and the TLS handshake rejects a damaged certificate or key anyway.
_CERTIFICATE = re.compile(rb"-----BEGIN CERTIFICATE-----\s+[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----")
_KEY = re.compile(rb"-----BEGIN (RSA |EC )?PRIVATE KEY-----\s+[A-Za-z0-9+/=\s]+-----END (RSA |EC )?PRIVATE KEY-----")


def read_certificate(path: str | os.PathLike, what: str = "certificate") -> bytes:
    data = _read(path, what)
    if not _CERTIFICATE.search(data):
        raise CredentialsError(f"{what} file {path} holds no PEM certificate")
    return data


def read_key(path: str | os.PathLike) -> bytes:
    data = _read(path, "private key")
    if not _KEY.search(data):
        raise CredentialsError(f"private key file {path} holds no unencrypted PEM private key")
    return data


def read_token(path: str | os.PathLike) -> str:
    token = _read(path, "token").decode(errors="replace").strip()
    if not token:
        raise CredentialsError(f"token file {path} is empty")
    return token
