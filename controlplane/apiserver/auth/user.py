"""The identity of a caller, as Kubernetes' user.Info: a name, groups, and what kind of caller it is."""
from __future__ import annotations

from dataclasses import dataclass

AUTHENTICATED = "system:authenticated"
MASTERS = "system:masters"
NODES = "system:nodes"
NODE_PREFIX = "system:node:"
SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"
SERVICE_ACCOUNTS = "system:serviceaccounts"


@dataclass(frozen=True)
class UserInfo:
    name: str
    groups: tuple[str, ...] = ()
    uid: str = ""
    extra: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (key, values): only an impersonated user has any

    @property
    def node_name(self) -> str:
        """The node a node's credentials name ("" for anyone else), as Kubernetes' NodeIdentifier."""
        if NODES in self.groups and self.name.startswith(NODE_PREFIX):
            return self.name[len(NODE_PREFIX):]
        return ""

    @property
    def service_account(self) -> tuple[str, str] | None:
        """(namespace, name) for a ServiceAccount's token, else None."""
        if not self.name.startswith(SERVICE_ACCOUNT_PREFIX):
            return None
        namespace, _, name = self.name[len(SERVICE_ACCOUNT_PREFIX):].partition(":")
        return (namespace, name) if namespace and name else None


def with_authenticated(name: str, groups, uid: str = "") -> UserInfo:
    """Every authenticated caller is also in system:authenticated, as in Kubernetes."""
    groups = tuple(dict.fromkeys([*groups, AUTHENTICATED]))
    return UserInfo(name, groups, uid)


def user_info_dict(user: UserInfo) -> dict:
    """authentication.k8s.io/v1 UserInfo (audit events, SelfSubjectReview), empty fields left out as
    Kubernetes writes them."""
    return {"username": user.name, **({"uid": user.uid} if user.uid else {}), "groups": list(user.groups),
            **({"extra": {k: list(v) for k, v in user.extra}} if user.extra else {})}
