"""The API server's security settings, read from the files its flags name, with errors naming the file.

Serving certificate, the client CA, who may call (token file), and the certificate it shows agents.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import grpc

from api.credentials import Credentials, CredentialsError, read_certificate, read_key
from controlplane.apiserver.auth.authn import Authenticator
from controlplane.apiserver.auth import serviceaccount, tokenfile
from controlplane.apiserver.etcdclient import EtcdTLS


@dataclass
class Security:
    serving_cert: bytes
    serving_key: bytes
    client_ca: bytes
    authenticator: Authenticator = field(default_factory=Authenticator)
    # How the API server proves itself to agents (and checks their serving certs); None: no agent calls.
    kubelet_client: Credentials | None = None
    # One JSON line per request (auth/audit.py); None: no audit log.
    audit: object | None = None
    # ServiceAccount tokens: the key they are signed with, and the issuer and audiences they must carry.
    service_account_key: bytes = b""
    service_account_issuer: str = serviceaccount.DEFAULT_ISSUER
    api_audiences: tuple[str, ...] = (serviceaccount.DEFAULT_ISSUER,)
    # How the API server speaks to etcd (--etcd-cafile, --etcd-certfile, --etcd-keyfile); None: plain gRPC.
    etcd: EtcdTLS | None = None
    # Whether the pod a token is bound to still exists (the API server sets it from its watch cache).
    pod_alive: serviceaccount.PodAlive | None = None

    def __post_init__(self) -> None:
        self.authenticator.verifiers.append(self.verify_service_account_token)

    def verify_service_account_token(self, token: str):
        if not self.service_account_key:
            return None
        public = _public_pem(self.service_account_key)
        return serviceaccount.verify([public], self.service_account_issuer, list(self.api_audiences), token,
                                     pod_alive=self.pod_alive)

    def server_credentials(self, require_client_cert: bool) -> grpc.ServerCredentials:
        # gRPC can only require a client certificate or not ask for one at all: the certificate port
        # requires one, the token port asks for none and takes a bearer token instead.
        return grpc.ssl_server_credentials([(self.serving_key, self.serving_cert)],
                                           root_certificates=self.client_ca if require_client_cert else None,
                                           require_client_auth=require_client_cert)

    @classmethod
    def from_files(cls, cert: str, key: str, client_ca: str, token_file: str = "",
                   kubelet_cert: str = "", kubelet_key: str = "", kubelet_ca: str = "",
                   service_account_key: str = "") -> "Security":
        """Raises ValueError with a message naming the flag's file when any is missing or malformed."""
        try:
            tokens = tokenfile.load(token_file) if token_file else {}
            kubelet = None
            if kubelet_cert or kubelet_key:
                kubelet = Credentials.from_files(kubelet_ca or client_ca, kubelet_cert, kubelet_key)
            sa_key = read_key(service_account_key) if service_account_key else b""
            return cls(read_certificate(cert, "serving certificate"), read_key(key),
                       read_certificate(client_ca, "client CA"), Authenticator(tokens), kubelet,
                       service_account_key=sa_key)
        except (CredentialsError, tokenfile.TokenFileError) as e:
            raise ValueError(str(e)) from None


@functools.lru_cache(maxsize=4)
def _public_pem(private_pem: bytes) -> bytes:
    from cryptography.hazmat.primitives import serialization
    key = serialization.load_pem_private_key(private_pem, password=None)
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
