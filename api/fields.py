"""Reading a field of an object by its manifest path ("spec.nodeName"), as field selectors compare it."""
from __future__ import annotations

from google.protobuf.message import Message


def value(obj: Message, path: str) -> str:
    """The value at a manifest path as the string a field selector compares with ("" when unset)."""
    current = obj
    for part in path.split("."):
        if not isinstance(current, Message):
            return ""
        field = _by_json(current).get(part)
        if field is None:
            return ""
        current = getattr(current, field.name)
    if isinstance(current, bool):
        return "true" if current else "false"
    if isinstance(current, Message):
        return ""
    return str(current)


_JSON_FIELDS: dict[str, dict] = {}


def _by_json(msg: Message) -> dict:
    descriptor = msg.DESCRIPTOR
    fields = _JSON_FIELDS.get(descriptor.full_name)
    if fields is None:
        fields = _JSON_FIELDS[descriptor.full_name] = {f.json_name: f for f in descriptor.fields}
    return fields
