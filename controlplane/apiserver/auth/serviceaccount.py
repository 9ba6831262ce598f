"""ServiceAccount tokens: JWTs (ES256) the API server signs for system:serviceaccount:NS:NAME, bound to
audiences and an expiry, and checks when they come back as bearer tokens.

Pure functions of keys, claims and the clock; nothing here reads files or the store.
"""
from __future__ import annotations

import base64
import functools
import json
import time
import uuid
from collections.abc import Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from controlplane.apiserver.auth.user import SERVICE_ACCOUNT_PREFIX, SERVICE_ACCOUNTS, UserInfo, with_authenticated

DEFAULT_ISSUER = "https://kubernetes.default.svc.cluster.local"
DEFAULT_EXPIRY_S = 3600


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# (namespace, name, uid) of the pod a token is bound to -> whether that pod still exists.
PodAlive = Callable[[str, str, str], bool]


@functools.lru_cache(maxsize=4)
def _private_key(key_pem: bytes) -> ec.EllipticCurvePrivateKey:
    """The signing key parsed once: parsing it again for every token cost a quarter of the signing."""
    return serialization.load_pem_private_key(key_pem, password=None)


def sign(key_pem: bytes, issuer: str, namespace: str, name: str, uid: str, audiences: list[str],
         expiration_s: int = DEFAULT_EXPIRY_S, now: float | None = None,
         pod: tuple[str, str] | None = None) -> tuple[str, int]:
    """(the token, its expiry as a Unix time); `pod` (name, uid): the token dies with that pod."""
    key = _private_key(key_pem)
    issued = int(now if now is not None else time.time())
    claims = {"iss": issuer, "sub": f"{SERVICE_ACCOUNT_PREFIX}{namespace}:{name}", "aud": audiences,
              "iat": issued, "nbf": issued, "exp": issued + expiration_s, "jti": str(uuid.uuid4()),
              "kubernetes.io": {"namespace": namespace, "serviceaccount": {"name": name, "uid": uid}}}
    if pod is not None:
        claims["kubernetes.io"]["pod"] = {"name": pod[0], "uid": pod[1]}
    head = _b64(json.dumps({"alg": "ES256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    r, s = decode_dss_signature(key.sign(f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256())))
    return f"{head}.{body}.{_b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}", issued + expiration_s


def verify(public_pems: list[bytes], issuer: str, audiences: list[str], token: str,
           now: float | None = None, pod_alive: PodAlive | None = None) -> UserInfo | None:
    """The ServiceAccount a token names, or None when it is not ours, tampered with, for another audience,
    expired, or bound to a pod that is gone (`pod_alive` says)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        header, claims, signature = json.loads(_unb64(parts[0])), json.loads(_unb64(parts[1])), _unb64(parts[2])
    except ValueError:
        return None
    if header.get("alg") != "ES256" or len(signature) != 64 or claims.get("iss") != issuer:
        return None
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    signed = f"{parts[0]}.{parts[1]}".encode()
    if not any(_verifies(pem, der, signed) for pem in public_pems):
        return None
    aud = claims.get("aud") or []
    if isinstance(aud, str):
        aud = [aud]
    if not set(aud) & set(audiences):
        return None
    clock = now if now is not None else time.time()
    if not isinstance(claims.get("exp"), int) or clock >= claims["exp"] or clock < claims.get("nbf", 0) - 60:
        return None
    sa = claims.get("kubernetes.io") or {}
    namespace, name = sa.get("namespace", ""), (sa.get("serviceaccount") or {}).get("name", "")
    if claims.get("sub") != f"{SERVICE_ACCOUNT_PREFIX}{namespace}:{name}" or not namespace or not name:
        return None
    pod = sa.get("pod")
    if isinstance(pod, dict) and pod_alive is not None and not pod_alive(namespace, pod.get("name", ""),
                                                                         pod.get("uid", "")):
        return None
    return with_authenticated(claims["sub"], [SERVICE_ACCOUNTS, f"{SERVICE_ACCOUNTS}:{namespace}"],
                              (sa.get("serviceaccount") or {}).get("uid", ""))


def _verifies(pem: bytes, der: bytes, signed: bytes) -> bool:
    try:
        serialization.load_pem_public_key(pem).verify(der, signed, ec.ECDSA(hashes.SHA256()))
        return True
    except (InvalidSignature, ValueError, TypeError):
        return False
