"""Admission rules that depend on who is asking (Kubernetes' NodeRestriction, as this cluster needs it).

Pure functions of the caller and the object(s); each returns the reason to refuse, or None.
"""
from __future__ import annotations

from api import storage
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


def _marks_its_clone(node: str, new: types_pb2.PersistentVolume, old: types_pb2.PersistentVolume) -> bool:
    """The other change a node may make: mark a clone's volume pinned to it as copied (nothing else changed)."""
    if storage.CLONE_SOURCE not in old.metadata.annotations or storage.CLONED in old.metadata.annotations or \
            not storage.fits_node(old, {"kubernetes.io/hostname": node}, node):
        return False
    expected, compared = type(old)(), type(new)()
    expected.CopyFrom(old)
    compared.CopyFrom(new)
    expected.metadata.annotations[storage.CLONED] = new.metadata.annotations.get(storage.CLONED, "")
    compared.metadata.resource_version = expected.metadata.resource_version
    compared.metadata.ClearField("managed_fields")
    expected.metadata.ClearField("managed_fields")
    return compared == expected and bool(new.metadata.annotations.get(storage.CLONED))


def node_volume_change(user: UserInfo | None, new: types_pb2.PersistentVolume,
                       old: types_pb2.PersistentVolume | None) -> str | None:
    """A node may change a PersistentVolume in two ways only: mark a clone pinned to it as copied, and drop the
    local-path clean-up finalizer of a provisioned volume being deleted, once it has removed the directory. The Node authorizer lets nodes
    write volumes (its graph knows pods, not volumes); this keeps one from re-pointing another node's."""
    if user is None or not user.node_name:
        return None
    if old is not None and _marks_its_clone(user.node_name, new, old):
        return None
    if old is not None and old.metadata.deletion_timestamp and \
            old.metadata.annotations.get(storage.PROVISIONED_BY) == storage.LOCAL_PATH_PROVISIONER and \
            storage.LOCAL_PATH_CLEANUP in old.metadata.finalizers:
        expected = type(old)()
        expected.CopyFrom(old)
        del expected.metadata.finalizers[:]
        expected.metadata.finalizers.extend(f for f in old.metadata.finalizers if f != storage.LOCAL_PATH_CLEANUP)
        compared = type(new)()
        compared.CopyFrom(new)
        compared.metadata.resource_version = expected.metadata.resource_version
        compared.metadata.ClearField("managed_fields")
        expected.metadata.ClearField("managed_fields")
        if compared == expected:
            return None
    return (f'persistentvolumes "{new.metadata.name}" is forbidden: node "{user.node_name}" may only remove '
            f"the {storage.LOCAL_PATH_CLEANUP} finalizer of a provisioned volume being deleted")
