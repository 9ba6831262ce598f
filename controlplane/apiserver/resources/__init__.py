"""Every kind's server rules, one module per kind (resources/<kind>.py, as Kubernetes' pkg/registry):
found here by kind, so the registry, the watch cache and the service never name a kind."""
from __future__ import annotations

import importlib

from google.protobuf.message import Message

from api import kinds
from api.kinds import Kind
from controlplane.apiserver.resources.strategy import (COMMON_FIELDS, PartialUpdate, Reservations, Scale, Settings,
                                                        Strategy, Subresource)
from controlplane.apiserver.validation.fielderrors import Path
from controlplane.apiserver.validation.meta import validate_object_meta, validate_object_meta_update

__all__ = ["COMMON_FIELDS", "PartialUpdate", "Reservations", "Scale", "Settings", "Strategy", "Subresource", "default",
           "for_kind", "of", "serving", "validate"]

DEFAULT_NAMESPACE = "default"


def _load(kind: Kind) -> Strategy:
    # A kind registered in proto/api.proto has its rules in the module named after it ("replicaset").
    module = importlib.import_module(f"{__name__}.{kind.singular}")
    return module.STRATEGY


STRATEGIES: dict[Kind, Strategy] = {kind: _load(kind) for kind in kinds.KINDS}


def for_kind(kind: Kind) -> Strategy:
    return STRATEGIES[kind]


def of(obj: Message) -> Strategy:
    return STRATEGIES[kinds.of(obj)]


def serving(subresource: str) -> Kind:
    """The kind that has this subresource ("binding": Pod)."""
    for kind, strategy in STRATEGIES.items():
        if subresource in strategy.subresources:
            return kind
    raise LookupError(f"no kind has a {subresource} subresource")


def default(obj: Message) -> None:
    """Fill every defaulted field of `obj` that is unset, as the API server does on create and update."""
    kind = kinds.of(obj)
    if kind.namespaced and not obj.metadata.namespace:
        obj.metadata.namespace = DEFAULT_NAMESPACE
    STRATEGIES[kind].default(obj)


def validate(obj: Message, old: Message | None = None, subresource: str = "") -> list[str]:
    """Every problem of `obj` (created, or replacing the stored `old`, through `subresource` if any), one line
    each; [] when valid."""
    kind = kinds.of(obj)
    strategy = STRATEGIES[kind]
    problems = validate_object_meta(obj.metadata, kind.namespaced, strategy.name_rule, Path("metadata"))
    if old is not None and subresource == "status":
        problems += validate_object_meta_update(obj.metadata, old.metadata, Path("metadata"))
        return problems + strategy.validate_status_update(obj, old)
    problems += strategy.validate(obj)
    if old is None:
        problems += strategy.validate_create(obj)
    else:
        problems += validate_object_meta_update(obj.metadata, old.metadata, Path("metadata"))
        partial = strategy.partial_updates.get(subresource)
        problems += (partial.validate_update if partial else strategy.validate_update)(obj, old)
    return problems
