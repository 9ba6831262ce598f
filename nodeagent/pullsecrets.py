"""Registry credentials for an image from a pod's imagePullSecrets (kubernetes.io/dockerconfigjson or
dockercfg), matched by registry host as the kubelet's keyring does. Pure: secrets in, auth out."""
from __future__ import annotations

import base64
import binascii
import json

from proto import types_pb2

DOCKER_HUB = "docker.io"
_HUB_ALIASES = {"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"}


def registry_of(image: str) -> str:
    """The registry host of an image reference ("busybox" and "library/x" are Docker Hub's)."""
    first, _, rest = image.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first
    return DOCKER_HUB


def _host(key: str) -> str:
    """A dockerconfig key ("https://index.docker.io/v1/", "registry.example.com:5000") as a host."""
    host = key.split("://", 1)[-1].split("/", 1)[0]
    return DOCKER_HUB if host in _HUB_ALIASES else host


def _entries(secret: types_pb2.Secret) -> dict:
    if secret.type == "kubernetes.io/dockerconfigjson":
        raw = secret.data.get(".dockerconfigjson", b"")
        field = "auths"
    elif secret.type == "kubernetes.io/dockercfg":
        raw = secret.data.get(".dockercfg", b"")
        field = None
    else:
        return {}
    try:
        parsed = json.loads(raw or b"{}")
    except ValueError:
        return {}
    entries = parsed.get(field, {}) if field else parsed
    return entries if isinstance(entries, dict) else {}


def credentials_for(image: str, secrets: list[types_pb2.Secret]) -> dict[str, str] | None:
    """Docker's auth_config (username, password, serveraddress) for the image, from the first secret
    with an entry for its registry; None when none has one (pull anonymously, as the kubelet does)."""
    registry = registry_of(image)
    for secret in secrets:
        for key, entry in _entries(secret).items():
            if _host(key) != registry or not isinstance(entry, dict):
                continue
            username, password = entry.get("username", ""), entry.get("password", "")
            if not username and entry.get("auth"):
                try:
                    username, _, password = base64.b64decode(entry["auth"]).decode().partition(":")
                except (binascii.Error, UnicodeDecodeError, ValueError):
                    continue
            return {"username": username, "password": password, "serveraddress": key}
    return None
