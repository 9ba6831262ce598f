"""Kubernetes' validation rules for every kind: `validate(obj, old)` lists every problem at once,
one "field.path: message" line each, in the words Kubernetes uses. Objects are validated after defaulting.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from google.protobuf.message import Message

from api import kinds
from controlplane.apiserver.validation import cluster, pods, services, workloads
from controlplane.apiserver.validation.fielderrors import Path
from controlplane.apiserver.validation.meta import validate_object_meta, validate_object_meta_update


def validate(obj: Message, old: Message | None = None) -> list[str]:
    """Every problem of `obj` (created, or replacing the stored `old`), one line each; [] when valid."""
    kind = kinds.of(obj)
    errors = validate_object_meta(obj.metadata, kind, Path("metadata"))
    errors += _RULES[kind.name](obj)
    if old is not None:
        errors += validate_object_meta_update(obj.metadata, old.metadata, Path("metadata"))
        errors += _UPDATE_RULES.get(kind.name, _nothing_on_update)(obj, old)
    return errors


def _nothing_on_update(new: Message, old: Message) -> list[str]:
    return []


_RULES: dict[str, Callable[[Any], list[str]]] = {
    "Namespace": cluster.validate_namespace,
    "Node": cluster.validate_node,
    "Pod": pods.validate_pod,
    "ReplicaSet": workloads.validate_replica_set,
    "Deployment": workloads.validate_deployment,
    "Service": services.validate_service,
    "Endpoints": services.validate_endpoints,
    "Event": cluster.validate_event,
    "Lease": cluster.validate_lease,
}

_UPDATE_RULES: dict[str, Callable[[Any, Any], list[str]]] = {
    "Pod": pods.validate_pod_update,
    "ReplicaSet": workloads.validate_selector_update,
    "Deployment": workloads.validate_selector_update,
    "Service": services.validate_service_update,
    "Node": cluster.validate_node_update,
}
