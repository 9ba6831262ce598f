"""Encryption at rest, as Kubernetes' EncryptionConfiguration: per resource, a list of providers (aesgcm,
secretbox, identity); the first encrypts what is written, any of them decrypts what is read.

Stored values carry Kubernetes' prefix (`k8s:enc:aesgcm:v1:KEYNAME:`), so etcd data is interchangeable.
"""
from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass

import yaml
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

API_VERSIONS = ("apiserver.config.k8s.io/v1", "apiserver.config.k8s.io/v1beta1")
KIND = "EncryptionConfiguration"
_GCM_NONCE = 12
_SECRETBOX_NONCE = 24


class ConfigError(ValueError):
    """An encryption configuration that cannot be used; the message names the file and the field."""


class DecryptError(ValueError):
    """A stored value no configured provider can read (its key was removed, or it was tampered with)."""


class Provider:
    """One provider: a prefix that marks what it wrote, and the two directions."""

    prefix: bytes = b""
    name: str = ""

    def encrypt(self, data: bytes, context: bytes) -> bytes:
        raise NotImplementedError

    def decrypt(self, data: bytes, context: bytes) -> bytes:
        raise NotImplementedError


class Identity(Provider):
    name = "identity"

    def encrypt(self, data: bytes, context: bytes) -> bytes:
        return data

    def decrypt(self, data: bytes, context: bytes) -> bytes:
        return data


class AesGcm(Provider):
    """AES-GCM with a random nonce; the etcd key is the authenticated data, so a value cannot be moved."""

    def __init__(self, key_name: str, key: bytes):
        self.name = f"aesgcm:{key_name}"
        self.prefix = f"k8s:enc:aesgcm:v1:{key_name}:".encode()
        self._aead = AESGCM(key)

    def encrypt(self, data: bytes, context: bytes) -> bytes:
        nonce = os.urandom(_GCM_NONCE)
        return self.prefix + nonce + self._aead.encrypt(nonce, data, context)

    def decrypt(self, data: bytes, context: bytes) -> bytes:
        body = data[len(self.prefix):]
        try:
            return self._aead.decrypt(body[:_GCM_NONCE], body[_GCM_NONCE:], context)
        except InvalidTag:
            raise DecryptError(f"{self.name}: the value does not decrypt (wrong key or tampered)") from None


class SecretBox(Provider):
    """XSalsa20-Poly1305 (NaCl's secretbox) with a random nonce, as Kubernetes' secretbox provider."""

    def __init__(self, key_name: str, key: bytes):
        import nacl.secret  # only where configured

        self.name = f"secretbox:{key_name}"
        self.prefix = f"k8s:enc:secretbox:v1:{key_name}:".encode()
        self._box = nacl.secret.SecretBox(key)

    def encrypt(self, data: bytes, context: bytes) -> bytes:
        return self.prefix + bytes(self._box.encrypt(data, os.urandom(_SECRETBOX_NONCE)))

    def decrypt(self, data: bytes, context: bytes) -> bytes:
        import nacl.exceptions

        try:
            return self._box.decrypt(data[len(self.prefix):])
        except nacl.exceptions.CryptoError:
            raise DecryptError(f"{self.name}: the value does not decrypt (wrong key or tampered)") from None


@dataclass(frozen=True)
class Transformer:
    """The providers of one resource, in order: the first writes; reads go by prefix."""

    providers: tuple[Provider, ...]

    @property
    def writer(self) -> Provider:
        return self.providers[0]

    def to_storage(self, data: bytes, context: bytes) -> bytes:
        return self.writer.encrypt(data, context)

    def from_storage(self, data: bytes, context: bytes) -> tuple[bytes, bool]:
        """The plaintext, and whether it is stale: not written by the first provider (rewrite it)."""
        for provider in self.providers:
            if provider.prefix and data.startswith(provider.prefix):
                return provider.decrypt(data, context), provider is not self.writer
        if any(isinstance(p, Identity) for p in self.providers):
            return data, not isinstance(self.writer, Identity)
        raise DecryptError("no matching prefix found: the value was written with a key that is no longer "
                           "configured")


# ---------------------------------------------------------------- the configuration file

_KEY_SIZES = {"aesgcm": (16, 24, 32), "secretbox": (32,)}


def parse(text: str, source: str = "") -> dict[str, Transformer]:
    """Resource name ("secrets") -> its transformer, from an EncryptionConfiguration's YAML."""
    where = f"{source}: " if source else ""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ConfigError(f"{where}not YAML: {e}") from None
    if not isinstance(doc, dict):
        raise ConfigError(f"{where}expected a mapping with apiVersion, kind and resources")
    if doc.get("kind") != KIND or doc.get("apiVersion") not in API_VERSIONS:
        raise ConfigError(f"{where}kind: expected {KIND} of apiVersion {API_VERSIONS[0]}, got "
                          f"{doc.get('kind')!r} of {doc.get('apiVersion')!r}")
    unknown = set(doc) - {"apiVersion", "kind", "resources"}
    if unknown:
        raise ConfigError(f"{where}{sorted(unknown)[0]}: unknown field")
    resources = doc.get("resources")
    if not isinstance(resources, list) or not resources:
        raise ConfigError(f"{where}resources: Required value")
    out: dict[str, Transformer] = {}
    for i, entry in enumerate(resources):
        path = f"resources[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("resources"), list) or not entry["resources"]:
            raise ConfigError(f"{where}{path}.resources: Required value")
        if set(entry) - {"resources", "providers"}:
            raise ConfigError(f"{where}{path}.{sorted(set(entry) - {'resources', 'providers'})[0]}: unknown field")
        providers = _providers(entry.get("providers"), f"{where}{path}.providers")
        for name in entry["resources"]:
            if not isinstance(name, str) or not name:
                raise ConfigError(f"{where}{path}.resources: expected resource names such as secrets")
            if name in out:
                raise ConfigError(f"{where}{path}.resources: {name!r} is configured twice")
            out[name] = Transformer(providers)
    return out


def load(path: str) -> dict[str, Transformer]:
    try:
        with open(path) as f:
            return parse(f.read(), path)
    except OSError as e:
        raise ConfigError(f"{path}: {e.strerror}") from None


def _providers(items, path: str) -> tuple[Provider, ...]:
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{path}: Required value")
    providers: list[Provider] = []
    for i, item in enumerate(items):
        p = f"{path}[{i}]"
        if not isinstance(item, dict) or len(item) != 1:
            raise ConfigError(f"{p}: exactly one of aesgcm, secretbox, identity")
        (kind, body), = item.items()
        if kind == "identity":
            providers.append(Identity())
        elif kind in _KEY_SIZES:
            providers += _keyed(kind, body, f"{p}.{kind}")
        else:
            raise ConfigError(f"{p}.{kind}: unsupported provider (supported: aesgcm, secretbox, identity)")
    return tuple(providers)


def _keyed(kind: str, body, path: str) -> list[Provider]:
    keys = body.get("keys") if isinstance(body, dict) else None
    if not isinstance(keys, list) or not keys:
        raise ConfigError(f"{path}.keys: Required value")
    out: list[Provider] = []
    for i, key in enumerate(keys):
        p = f"{path}.keys[{i}]"
        if not isinstance(key, dict) or not key.get("name") or not key.get("secret"):
            raise ConfigError(f"{p}: name and secret are required")
        if ":" in str(key["name"]):
            raise ConfigError(f"{p}.name: must not contain ':'")
        try:
            raw = base64.b64decode(str(key["secret"]), validate=True)
        except (binascii.Error, ValueError):
            raise ConfigError(f"{p}.secret: not valid base64") from None
        if len(raw) not in _KEY_SIZES[kind]:
            sizes = ", ".join(str(n) for n in _KEY_SIZES[kind])
            raise ConfigError(f"{p}.secret: a {kind} key is {sizes} bytes, got {len(raw)}")
        out.append(AesGcm(key["name"], raw) if kind == "aesgcm" else SecretBox(key["name"], raw))
    return out


def generate(kind: str = "aesgcm", key_name: str = "key1") -> str:
    """A new EncryptionConfiguration for Secrets with one fresh 32-byte key, then identity (to read
    what was stored before encryption was turned on)."""
    secret = base64.b64encode(os.urandom(32)).decode()
    return (f"apiVersion: {API_VERSIONS[0]}\nkind: {KIND}\nresources:\n- resources: [secrets]\n  providers:\n"
            f"  - {kind}:\n      keys:\n      - name: {key_name}\n        secret: {secret}\n  - identity: {{}}\n")


def main(argv=None) -> None:
    """`python -m controlplane.apiserver.encryption [aesgcm|secretbox]`: print a new configuration."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m controlplane.apiserver.encryption",
                                description="Print a new EncryptionConfiguration with a fresh key for Secrets.")
    p.add_argument("provider", nargs="?", default="aesgcm", choices=["aesgcm", "secretbox"])
    p.add_argument("--key-name", default="key1", help="the key's name, stored with every value (default key1)")
    args = p.parse_args(argv)
    print(generate(args.provider, args.key_name), end="")


if __name__ == "__main__":
    main()
