"""What `apply` sends, as kubectl computes it: a new object is created from its manifest carrying the
last-applied annotation; an existing one gets the three-way strategic merge patch of the last applied
manifest, the new manifest and the live object. Pure functions: what the server owns is the server's.
"""
from __future__ import annotations

import json

from google.protobuf.message import Message

from api import kinds, manifest, patch

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def last_applied(data: dict) -> str:
    """The annotation value recording what was applied: the manifest as compact, sorted JSON."""
    recorded = {k: v for k, v in data.items() if k != "status"}
    metadata = dict(recorded.get("metadata") or {})
    annotations = {k: v for k, v in (metadata.get("annotations") or {}).items() if k != LAST_APPLIED}
    if annotations:
        metadata["annotations"] = annotations
    else:
        metadata.pop("annotations", None)
    recorded["metadata"] = metadata
    return json.dumps(recorded, sort_keys=True, separators=(",", ":"))


def with_last_applied(data: dict) -> dict:
    """The manifest to write, carrying the annotation that records it (kubectl's "modified")."""
    out = dict(data)
    metadata = dict(out.get("metadata") or {})
    metadata["annotations"] = {**(metadata.get("annotations") or {}), LAST_APPLIED: last_applied(data)}
    out["metadata"] = metadata
    return out


def previously_applied(live: Message) -> dict | None:
    """The manifest the last apply recorded on the live object, or None."""
    text = live.metadata.annotations.get(LAST_APPLIED, "")
    try:
        data = json.loads(text) if text else None
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def apply_patch(data: dict, live: Message) -> dict:
    """The strategic merge patch taking `live` to the manifest `data`; {} when nothing changes.

    Fields the manifests never set (a scale, a rollout pause, a label added by hand, what the server
    allocated) stay; fields the last apply set and this manifest dropped are removed.
    """
    descriptor = kinds.of(live).message.DESCRIPTOR
    return patch.three_way(previously_applied(live), with_last_applied(data), manifest.to_dict(live), descriptor)
