"""Impersonation, as Kubernetes' filter: from Impersonate-* headers (or gRPC metadata) to what the caller
must be allowed to `impersonate` and the identity the request is then served as.

`plan` is pure; each server authorizes its `checks` as the caller (the first refused one is the 403) and
then serves the request as its `user`.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from api import errors
from controlplane.apiserver.auth.attributes import Attributes
from controlplane.apiserver.auth.user import AUTHENTICATED, SERVICE_ACCOUNT_PREFIX, SERVICE_ACCOUNTS, UserInfo

USER_HEADER = "impersonate-user"
GROUP_HEADER = "impersonate-group"
UID_HEADER = "impersonate-uid"
EXTRA_PREFIX = "impersonate-extra-"
AUTHN_GROUP = "authentication.k8s.io"
ANONYMOUS = "system:anonymous"
UNAUTHENTICATED = "system:unauthenticated"


@dataclass(frozen=True)
class Plan:
    checks: tuple[Attributes, ...]  # each one the caller must be allowed, in Kubernetes' order
    user: UserInfo                  # who the request is served as once every check passed


def _split_service_account(name: str) -> tuple[str, str] | None:
    """(namespace, name) of `system:serviceaccount:NS:NAME`, as Kubernetes' serviceaccount.SplitUsername."""
    if not name.startswith(SERVICE_ACCOUNT_PREFIX):
        return None
    parts = name[len(SERVICE_ACCOUNT_PREFIX):].split(":")
    return (parts[0], parts[1]) if len(parts) == 2 and all(parts) else None


def _go_refs(checks: Iterable[Attributes], kinds: dict[str, str]) -> str:
    """The requests as Go prints a []ObjectReference (`[{Group  devs    }]`): Kubernetes' message shows it."""
    def ref(a: Attributes) -> str:
        kind = kinds[a.resource]
        version = f"{AUTHN_GROUP}/v1" if a.api_group else ""
        return "{" + " ".join((kind, a.namespace, a.name, "", version, "", a.subresource)) + "}"
    return "[" + " ".join(ref(a) for a in checks) + "]"


_KINDS = {"users": "User", "serviceaccounts": "ServiceAccount", "groups": "Group", "userextras": "UserExtra",
          "uids": "UID"}


def plan(headers: Iterable[tuple[str, str]]) -> Plan | None:
    """None when nothing is impersonated. `headers`: (name, value) pairs, a name repeated for each value.
    Groups, a uid or extras without a user: Internal, in Kubernetes' words (it answers 500 too)."""
    headers = [(k.lower(), v) for k, v in headers]
    user_name = next((v for k, v in headers if k == USER_HEADER and v), "")
    checks: list[Attributes] = []
    groups: list[str] = []
    service_account = _split_service_account(user_name) if user_name else None
    if service_account:
        namespace, name = service_account
        checks.append(Attributes("impersonate", "", "serviceaccounts", namespace=namespace, name=name))
    elif user_name:
        checks.append(Attributes("impersonate", "", "users", name=user_name))
    asked_groups = [v for k, v in headers if k == GROUP_HEADER]
    for group in asked_groups:
        checks.append(Attributes("impersonate", "", "groups", name=group))
        groups.append(group)
    extra: dict[str, list[str]] = {}
    for k, v in headers:
        if k.startswith(EXTRA_PREFIX):
            key = unquote(k[len(EXTRA_PREFIX):])  # kubectl escapes what a header name cannot hold
            checks.append(Attributes("impersonate", AUTHN_GROUP, "userextras", subresource=key, name=v))
            extra.setdefault(key, []).append(v)
    uid = next((v for k, v in headers if k == UID_HEADER and v), "")
    if uid:
        checks.append(Attributes("impersonate", AUTHN_GROUP, "uids", name=uid))
    if not checks:
        return None
    if not user_name:
        raise errors.Internal(f"Internal error occurred: requested {_go_refs(checks, _KINDS)} "
                              "without impersonating a user")
    if service_account and not asked_groups:
        # A service account's groups are fixed; when groups are given they are the whole answer.
        groups = [SERVICE_ACCOUNTS, f"{SERVICE_ACCOUNTS}:{service_account[0]}"]
    if user_name != ANONYMOUS:
        if AUTHENTICATED not in groups and UNAUTHENTICATED not in groups:
            groups.append(AUTHENTICATED)
    elif UNAUTHENTICATED not in groups:
        groups.append(UNAUTHENTICATED)
    user = UserInfo(user_name, tuple(groups), uid, tuple((k, tuple(v)) for k, v in extra.items()))
    return Plan(tuple(checks), user)

