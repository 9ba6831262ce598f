"""Claiming: which objects a controller owns, which orphans it should adopt and which of its own it
should release because they stopped matching its selector (Kubernetes' ControllerRefManager).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from google.protobuf.message import Message

from api import kinds, meta, selectors
from proto import types_pb2


@dataclass
class Claim:
    owned: list[Message] = field(default_factory=list)  # ours and matching: keep
    adopt: list[Message] = field(default_factory=list)  # orphans that match: take
    release: list[Message] = field(default_factory=list)  # ours but not matching any more: let go


def selector_of(spec) -> selectors.LabelSelector:
    return selectors.of_spec(spec)


def claim(owner: Message, selector: selectors.LabelSelector, candidates: Iterable[Message]) -> Claim:
    """Sort `candidates` (the owner's own objects and the orphans of its namespace) by what to do."""
    result = Claim()
    uid = owner.metadata.uid
    owner_deleting = meta.is_being_deleted(owner)
    for obj in candidates:
        ref = meta.controller_of(obj)
        matches = selector.matches(obj.metadata.labels)
        if ref is not None:
            if ref.uid != uid:
                continue
            (result.owned if matches else result.release).append(obj)
        elif matches and not owner_deleting and not meta.is_being_deleted(obj):
            result.adopt.append(obj)
    return result


def controller_key(obj: Message, kind: str) -> str | None:
    """The cache key ("namespace/name") of `obj`'s controlling owner when that is a `kind`; else None."""
    ref = meta.controller_of(obj)
    if ref is None or ref.kind != kind:
        return None
    return f"{obj.metadata.namespace}/{ref.name}"


def owner_reference(owner: Message) -> types_pb2.OwnerReference:
    kind = kinds.of(owner)
    return types_pb2.OwnerReference(api_version=kind.api_version, kind=kind.name, name=owner.metadata.name,
                                    uid=owner.metadata.uid, controller=True, block_owner_deletion=True)


def adopted(obj: Message, owner: Message) -> Message:
    """A copy of `obj` with `owner` as its controller."""
    out = meta.copy(obj)
    out.metadata.owner_references.append(owner_reference(owner))
    return out


def released(obj: Message, owner_uid: str) -> Message:
    """A copy of `obj` without its references to the owner `owner_uid`."""
    out = meta.copy(obj)
    keep = [r for r in out.metadata.owner_references if r.uid != owner_uid]
    del out.metadata.owner_references[:]
    out.metadata.owner_references.extend(keep)
    return out
