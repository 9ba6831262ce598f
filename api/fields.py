"""The fields each kind can be selected by (`--field-selector`), and how to read them from an object."""
from __future__ import annotations

from google.protobuf.message import Message

_COMMON = ("metadata.name", "metadata.namespace")
SUPPORTED: dict[str, tuple[str, ...]] = {
    "Pod": _COMMON + ("spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "status.phase",
                      "status.podIP"),
    "Node": _COMMON + ("spec.unschedulable",),
    "Event": _COMMON + ("involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                        "involvedObject.uid", "reason", "type", "source"),
    "Namespace": _COMMON + ("status.phase",),
}


def supported(kind_name: str) -> tuple[str, ...]:
    return SUPPORTED.get(kind_name, _COMMON)


def value(obj: Message, path: str) -> str:
    """The value at a manifest path ("spec.nodeName") as the string a field selector compares with."""
    current = obj
    for part in path.split("."):
        field = _by_json(current).get(part)
        if field is None:
            return ""
        current = getattr(current, field.name)
    if isinstance(current, bool):
        return "true" if current else "false"
    if isinstance(current, Message):
        if path == "source":  # an Event's source is selected by its component
            return getattr(current, "component", "")
        return ""
    return str(current)


_JSON_FIELDS: dict[str, dict] = {}


def _by_json(msg: Message) -> dict:
    descriptor = msg.DESCRIPTOR
    fields = _JSON_FIELDS.get(descriptor.full_name)
    if fields is None:
        fields = _JSON_FIELDS[descriptor.full_name] = {f.json_name: f for f in descriptor.fields}
    return fields
