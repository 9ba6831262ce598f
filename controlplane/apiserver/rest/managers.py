"""The managedFields bookkeeping of every REST write: which field manager a request speaks for, and the
fields it changed moving to that manager (Kubernetes' Update entries).
"""
from __future__ import annotations

from aiohttp import web
from google.protobuf.message import Message

from api import meta
from controlplane.apiserver.rest import codec, fieldmanager
from controlplane.apiserver.rest.paths import Target


def field_manager(request: web.Request) -> str:
    """The fieldManager asked for, else the client's name from its User-Agent, as Kubernetes defaults it."""
    return request.query.get("fieldManager") or request.headers.get("User-Agent", "").split("/", 1)[0] or "unknown"


def record(request: web.Request, target: Target, old_form: dict | None, new_form: dict, new: Message) -> None:
    """Give the fields this write changes to its field manager (an Update entry in managedFields of `new`).

    `old_form` is the stored object's JSON form (None for a create), `new_form` what the client sent.
    """
    if target.subresource:
        return
    entries = (old_form or {}).get("metadata", {}).get("managedFields", [])
    changed = fieldmanager.changed(old_form, new_form, target.kind.message.DESCRIPTOR)
    entries = fieldmanager.record_update(entries, field_manager(request), changed, target.kind.api_version,
                                         meta.now_text())
    codec.set_managed_fields(new, entries)
