"""The kubeconfig that points kubectl (and Kubernetes client libraries) at skiff's REST API.

A pure function of the server URL, the CA to trust and the user's credentials; writing it is the caller's.
"""
from __future__ import annotations

import base64

import yaml

CLUSTER = "skiff"


def render(server_url: str, ca_pem: bytes, user: str = "admin", client_cert_pem: bytes | None = None,
           client_key_pem: bytes | None = None, token: str = "") -> str:
    """A kubeconfig with one cluster, one user and one current context named `skiff`."""
    credentials: dict = {}
    if client_cert_pem and client_key_pem:
        credentials = {"client-certificate-data": base64.b64encode(client_cert_pem).decode(),
                       "client-key-data": base64.b64encode(client_key_pem).decode()}
    elif token:
        credentials = {"token": token}
    config = {
        "apiVersion": "v1", "kind": "Config", "preferences": {},
        "clusters": [{"name": CLUSTER, "cluster": {
            "server": server_url, "certificate-authority-data": base64.b64encode(ca_pem).decode()}}],
        "users": [{"name": user, "user": credentials}],
        "contexts": [{"name": CLUSTER, "context": {"cluster": CLUSTER, "user": user, "namespace": "default"}}],
        "current-context": CLUSTER,
    }
    return yaml.safe_dump(config, sort_keys=False)
