"""Admission rules that depend on who is asking (Kubernetes' NodeRestriction, as this cluster needs it).

Pure functions of the caller and the object(s); each returns the reason to refuse, or None.
"""
from __future__ import annotations

from controlplane.apiserver.auth.user import MASTERS, UserInfo
from proto import types_pb2


def node_addresses_owner(user: UserInfo | None, new: types_pb2.Node, old: types_pb2.Node | None) -> str | None:
    """Only the node itself (or system:masters) may set a Node's status.addresses and daemonEndpoints:
    the API server dials those for logs and exec, so nobody else may point it somewhere."""
    if user is None or MASTERS in user.groups or user.node_name == new.metadata.name:
        return None  # a request from the node, an administrator, or the API server itself
    before = (list(old.status.addresses), old.status.daemon_endpoints) if old is not None else \
        ([], types_pb2.NodeDaemonEndpoints())
    if (list(new.status.addresses), new.status.daemon_endpoints) == before:
        return None
    return (f'nodes "{new.metadata.name}" is forbidden: only node "{new.metadata.name}" may set '
            f"status.addresses and status.daemonEndpoints (not {user.name})")
