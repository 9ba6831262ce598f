"""Validation of ConfigMaps and Secrets as Kubernetes': key names, 1 MiB in all, immutable objects keep
their data, and each Secret type's required keys."""
from __future__ import annotations

import json
import re

from controlplane.apiserver.validation.fielderrors import Path, forbidden, invalid, required
from proto import types_pb2

MAX_SIZE = 1024 * 1024  # Kubernetes' MaxSecretSize, also a ConfigMap's limit
MAX_KEY_LENGTH = 253
_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
_IMMUTABLE = "field is immutable when `immutable` is set"
REDACTED = "<secret contents redacted>"

# Secret types and the keys they need (Kubernetes' SecretType constants).
OPAQUE = "Opaque"
TLS = "kubernetes.io/tls"
DOCKER_CONFIG_JSON = "kubernetes.io/dockerconfigjson"
DOCKER_CFG = "kubernetes.io/dockercfg"
BASIC_AUTH = "kubernetes.io/basic-auth"
SSH_AUTH = "kubernetes.io/ssh-auth"
SERVICE_ACCOUNT_TOKEN = "kubernetes.io/service-account-token"


def config_key_problems(key: str) -> list[str]:
    """Kubernetes' IsConfigMapKey, which Secret keys follow too."""
    problems = []
    if len(key) > MAX_KEY_LENGTH:
        problems.append(f"must be no more than {MAX_KEY_LENGTH} characters")
    if not _KEY.match(key):
        problems.append("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
                        "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')")
    if key == ".":
        problems.append("must not be '.'")
    elif key == "..":
        problems.append("must not be '..'")
    elif key.startswith(".."):
        problems.append("must not start with '..'")
    return problems


def _keys(keys, path: Path) -> list[str]:
    return [invalid(path.key(k), k, p) for k in sorted(keys) for p in config_key_problems(k)]


def validate_config_map(cm: types_pb2.ConfigMap) -> list[str]:
    errors = _keys(cm.data, Path("data")) + _keys(cm.binary_data, Path("binaryData"))
    for key in sorted(set(cm.data) & set(cm.binary_data)):
        errors.append(invalid(Path("data").key(key), key, "duplicate of key present in binaryData"))
    size = sum(len(k) + len(v.encode()) for k, v in cm.data.items()) + \
        sum(len(k) + len(v) for k, v in cm.binary_data.items())
    if size > MAX_SIZE:
        errors.append(f"data: Too long: must have at most {MAX_SIZE} bytes")
    return errors


def validate_secret(secret: types_pb2.Secret) -> list[str]:
    data = Path("data")
    errors = _keys(secret.data, data)
    if sum(len(k) + len(v) for k, v in secret.data.items()) > MAX_SIZE:
        errors.append(f"data: Too long: must have at most {MAX_SIZE} bytes")
    kind = secret.type
    if kind == SERVICE_ACCOUNT_TOKEN:
        if not secret.metadata.annotations.get("kubernetes.io/service-account.name"):
            errors.append(required(Path("metadata.annotations").key("kubernetes.io/service-account.name")))
    elif kind in (DOCKER_CONFIG_JSON, DOCKER_CFG):
        key = ".dockerconfigjson" if kind == DOCKER_CONFIG_JSON else ".dockercfg"
        if key not in secret.data:
            errors.append(required(data.key(key)))
        else:
            try:
                json.loads(secret.data[key])
            except ValueError as e:
                errors.append(invalid(data.key(key), REDACTED, str(e)))
    elif kind == BASIC_AUTH:
        if "username" not in secret.data and "password" not in secret.data:
            errors += [required(data.key("username")), required(data.key("password"))]
    elif kind == SSH_AUTH:
        if "ssh-privatekey" not in secret.data:
            errors.append(required(data.key("ssh-privatekey")))
    elif kind == TLS:
        errors += [required(data.key(k)) for k in ("tls.key", "tls.crt") if k not in secret.data]
    return errors


def _immutable_update(new, old, fields: tuple[tuple[str, str], ...]) -> list[str]:
    """An object stored with immutable: true keeps its data and stays immutable."""
    if not old.immutable:
        return []
    errors = []
    if not new.immutable:
        errors.append(forbidden(Path("immutable"), _IMMUTABLE))
    for name, json_name in fields:
        if dict(getattr(new, name)) != dict(getattr(old, name)):
            errors.append(forbidden(Path(json_name), _IMMUTABLE))
    return errors


def validate_config_map_update(new: types_pb2.ConfigMap, old: types_pb2.ConfigMap) -> list[str]:
    return _immutable_update(new, old, (("data", "data"), ("binary_data", "binaryData")))


def validate_secret_update(new: types_pb2.Secret, old: types_pb2.Secret) -> list[str]:
    errors = []
    if new.type != old.type:
        errors.append(invalid(Path("type"), new.type, "field is immutable"))
    return errors + _immutable_update(new, old, (("data", "data"),))


def fold_string_data(secret: types_pb2.Secret) -> None:
    """stringData is write-only: its keys go into data (winning over data's), as Kubernetes converts it."""
    for key, value in secret.string_data.items():
        secret.data[key] = value.encode()
    secret.ClearField("string_data")
