"""The API server's etcd client over TLS, as kube-apiserver's --etcd-cafile/--etcd-certfile/--etcd-keyfile:
aetcd's Client dials with an insecure channel; `TlsClient` differs only in dialing a secure one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aetcd
import grpc
from aetcd import rpc, watcher
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from api.credentials import CredentialsError, read_certificate, read_key


@dataclass(frozen=True)
class EtcdTLS:
    """The CA etcd's serving certificate is checked against, and the certificate the API server shows."""

    ca: bytes
    cert: bytes
    key: bytes

    @classmethod
    def from_files(cls, ca: str, cert: str, key: str) -> "EtcdTLS":
        """Every file read and parsed now: ValueError naming the flag and file that is missing or malformed."""
        try:
            tls = cls(read_certificate(ca, "--etcd-cafile"), read_certificate(cert, "--etcd-certfile"),
                      read_key(key))
        except CredentialsError as e:
            raise ValueError(str(e)) from None
        for flag, path, data, parse in (("--etcd-cafile", ca, tls.ca, x509.load_pem_x509_certificates),
                                        ("--etcd-certfile", cert, tls.cert, x509.load_pem_x509_certificates),
                                        ("--etcd-keyfile", key, tls.key,
                                         lambda d: serialization.load_pem_private_key(d, password=None))):
            try:
                parse(data)
            except (ValueError, TypeError) as e:
                raise ValueError(f"{flag} {path}: not a valid PEM file: {e}") from None
        return tls

    def channel_credentials(self) -> grpc.ChannelCredentials:
        return grpc.ssl_channel_credentials(self.ca, self.key, self.cert)


class TlsClient(aetcd.Client):
    """aetcd.Client on a TLS channel. Its connect() is aetcd's own (aetcd 1.0), without the username and
    password login skiff does not use, and with `secure_channel` where aetcd calls `insecure_channel`."""

    def __init__(self, *args: Any, tls: EtcdTLS, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._tls = tls

    async def connect(self) -> None:
        if self._connected.is_set():
            return
        # Nothing here awaits, so no second caller can come in half-way (aetcd's _is_connecting guard).
        self.channel = grpc.aio.secure_channel(f"{self._host}:{self._port}", self._tls.channel_credentials(),
                                               options=self._options.items())
        self.kvstub = rpc.KVStub(self.channel)
        self.clusterstub = rpc.ClusterStub(self.channel)
        self.leasestub = rpc.LeaseStub(self.channel)
        self.maintenancestub = rpc.MaintenanceStub(self.channel)
        self._watcher = watcher.Watcher(rpc.WatchStub(self.channel), timeout=self._timeout, metadata=self.metadata)
        self._connected.set()


def client(endpoint: str, tls: EtcdTLS | None, timeout: float | None = None,
           options: dict[str, Any] | None = None) -> aetcd.Client:
    """A client of one etcd member (HOST:PORT), over TLS when `tls` is given (not connected yet)."""
    host, _, port = endpoint.rpartition(":")
    if tls is None:
        return aetcd.Client(host=host, port=int(port), timeout=timeout, options=options)
    return TlsClient(host=host, port=int(port), timeout=timeout, options=options, tls=tls)
