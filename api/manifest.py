"""Converts between the Kubernetes manifest form (dicts from YAML/JSON, camelCase) and protobuf objects.

Unknown fields become warnings that name their path; wrong types become one error naming every path.
"""
from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from api import kinds

_INT_OR_STRING = "skiff.v1.IntOrString"

# Quantity-valued maps: Kubernetes accepts `cpu: 1` as well as `cpu: "1"`.
_QUANTITY_MAPS = {
    "skiff.v1.ResourceRequirements.limits",
    "skiff.v1.ResourceRequirements.requests",
    "skiff.v1.NodeStatus.capacity",
    "skiff.v1.NodeStatus.allocatable",
}
_QUANTITY_STRINGS = {"skiff.v1.EmptyDirVolumeSource.size_limit", "skiff.v1.ResourceFieldSelector.divisor"}

_INT_TYPES = {
    FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_UINT32,
    FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_SINT32, FieldDescriptor.TYPE_SINT64,
}
_INT32_RANGE = (-(2**31), 2**31 - 1)


class ManifestError(ValueError):
    """A manifest that cannot become an object; `errors` holds one line per offending field path."""

    def __init__(self, errors: list[str], source: str = ""):
        self.errors = errors
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(where + "; ".join(errors))


def from_dict(data: Any, source: str = "") -> tuple[Message, list[str]]:
    """A typed object from a manifest dict, and the warnings for fields skiff does not implement."""
    if not isinstance(data, Mapping):
        raise ManifestError([f"expected a mapping with apiVersion and kind, got {_type_name(data)}"], source)
    kind_name = data.get("kind")
    if not kind_name or not isinstance(kind_name, str):
        raise ManifestError(["kind: required"], source)
    try:
        kind = kinds.lookup(kind_name)
    except kinds.UnknownKindError as e:
        raise ManifestError([f"kind: {e}"], source) from None
    if kind_name != kind.name:
        raise ManifestError([f'kind: unknown kind "{kind_name}" (did you mean "{kind.name}"?)'], source)
    api_version = data.get("apiVersion")
    if api_version != kind.api_version:
        raise ManifestError(
            [f'apiVersion: {kind.name} is served as "{kind.api_version}", not "{api_version}"'], source)
    obj = kind.message()
    errors: list[str] = []
    warnings: list[str] = []
    _fill(obj, data, "", errors, warnings)
    if errors:
        raise ManifestError(errors, source)
    return obj, warnings


def message_from_dict(message_type: type[Message], data: Any, path: str = "") -> Message:
    """Any message (a spec, a template) from its manifest form; unknown fields are errors here."""
    msg = message_type()
    errors: list[str] = []
    warnings: list[str] = []
    _fill(msg, data, path, errors, warnings)
    errors += [f"{w}: unknown field" for w in warnings]
    if errors:
        raise ManifestError(errors)
    return msg


def to_dict(msg: Message) -> dict[str, Any]:
    """The manifest form of an object: camelCase keys, unset fields left out, in declaration order."""
    # ListFields (in C) yields exactly the set fields, by field number: far cheaper than testing each field.
    present = msg.ListFields()
    if not _numbered_in_order(msg.DESCRIPTOR):
        present.sort(key=lambda pair: pair[0].index)
    return {field.json_name: _value_to_plain(field, value) for field, value in present}


_IN_ORDER: dict[str, bool] = {}


def _numbered_in_order(descriptor: Descriptor) -> bool:
    """Whether a message's fields are declared in field-number order (then ListFields' order is theirs)."""
    known = _IN_ORDER.get(descriptor.full_name)
    if known is None:
        numbers = [f.number for f in descriptor.fields]
        known = _IN_ORDER[descriptor.full_name] = numbers == sorted(numbers)
    return known


# ---------------------------------------------------------------- dict -> message

def _fill(msg: Message, data: Any, path: str, errors: list[str], warnings: list[str]) -> None:
    descriptor: Descriptor = msg.DESCRIPTOR
    if not isinstance(data, Mapping):
        errors.append(f"{path or '.'}: expected a mapping, got {_type_name(data)}")
        return
    by_json = {f.json_name: f for f in descriptor.fields}
    for key, value in data.items():
        field = by_json.get(key) if isinstance(key, str) else None
        child = _join(path, str(key))
        if field is None:
            warnings.append(child)
            continue
        if value is None:
            continue
        if _is_map(field):
            _fill_map(msg, field, value, child, errors)
        elif field.is_repeated:
            _fill_repeated(msg, field, value, child, errors, warnings)
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            sub = getattr(msg, field.name)
            if field.message_type.full_name == _INT_OR_STRING:
                _set_int_or_string(sub, value, child, errors)
            else:
                sub.SetInParent()  # an empty mapping (`emptyDir: {}`) is meaningful
                _fill(sub, value, child, errors, warnings)
        else:
            converted = _scalar(field, value, child, errors)
            if converted is not None:
                setattr(msg, field.name, converted)


def _fill_map(msg: Message, field: FieldDescriptor, value: Any, path: str, errors: list[str]) -> None:
    if not isinstance(value, Mapping):
        errors.append(f"{path}: expected a mapping of strings, got {_type_name(value)}")
        return
    target = getattr(msg, field.name)
    quantities = field.full_name in _QUANTITY_MAPS
    binary = field.message_type.fields_by_name["value"].type == FieldDescriptor.TYPE_BYTES
    for k, v in value.items():
        if quantities and isinstance(v, (int, float)) and not isinstance(v, bool):
            v = _number_text(v)
        if not isinstance(k, str) or not isinstance(v, str):
            errors.append(f"{_join(path, str(k))}: expected a string, got {_type_name(v)}"
                          + (" (quote it)" if isinstance(v, (bool, int, float)) else ""))
            continue
        if binary:  # Secret data, ConfigMap binaryData: base64 in the manifest, as Kubernetes writes it
            try:
                v = base64.b64decode(v, validate=True)
            except (binascii.Error, ValueError) as e:
                errors.append(f"{_join(path, k)}: illegal base64 data ({e})")
                continue
        target[k] = v


def _fill_repeated(msg, field, value, path, errors, warnings) -> None:
    if not isinstance(value, list):
        errors.append(f"{path}: expected a list, got {_type_name(value)}")
        return
    target = getattr(msg, field.name)
    for i, item in enumerate(value):
        child = f"{path}[{i}]"
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            _fill(target.add(), item, child, errors, warnings)
        else:
            converted = _scalar(field, item, child, errors)
            if converted is not None:
                target.append(converted)


def _scalar(field: FieldDescriptor, value: Any, path: str, errors: list[str]):
    if field.type == FieldDescriptor.TYPE_STRING:
        if field.full_name in _QUANTITY_STRINGS and isinstance(value, (int, float)) and not isinstance(value, bool):
            return _number_text(value)
        if isinstance(value, str):
            return value
        hint = " (quote it)" if isinstance(value, (bool, int, float)) else ""
        errors.append(f"{path}: expected a string, got {_type_name(value)}{hint}")
        return None
    if field.type == FieldDescriptor.TYPE_BOOL:
        if isinstance(value, bool):
            return value
        errors.append(f"{path}: expected true or false, got {_type_name(value)}")
        return None
    if field.type in _INT_TYPES:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            if field.type == FieldDescriptor.TYPE_INT32 and not _INT32_RANGE[0] <= value <= _INT32_RANGE[1]:
                errors.append(f"{path}: {value} is out of range for a 32-bit integer")
                return None
            return value
        errors.append(f"{path}: expected an integer, got {_type_name(value)}")
        return None
    if field.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        errors.append(f"{path}: expected a number, got {_type_name(value)}")
        return None
    errors.append(f"{path}: unsupported field type")
    return None


def _set_int_or_string(target: Message, value: Any, path: str, errors: list[str]) -> None:
    if isinstance(value, bool):
        errors.append(f"{path}: expected an integer or a string, got a boolean")
    elif isinstance(value, int):
        target.int_value = value
    elif isinstance(value, str):
        target.str_value = value
    else:
        errors.append(f"{path}: expected an integer or a string, got {_type_name(value)}")


# ---------------------------------------------------------------- message -> dict

def _value_to_plain(field: FieldDescriptor, value: Any) -> Any:
    if _is_map(field):
        value_field = field.message_type.fields_by_name["value"]
        if value_field.type == FieldDescriptor.TYPE_MESSAGE:
            return {k: to_dict(v) for k, v in value.items()}
        if value_field.type == FieldDescriptor.TYPE_BYTES:
            return {k: base64.b64encode(v).decode() for k, v in value.items()}
        return dict(value)
    if field.is_repeated:
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            return [_message_to_plain(v) for v in value]
        return list(value)
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        return _message_to_plain(value)
    return value


def _message_to_plain(value: Message) -> Any:
    if value.DESCRIPTOR.full_name == _INT_OR_STRING:
        return int_or_string_value(value)
    return to_dict(value)


def int_or_string_value(value: Message) -> int | str | None:
    """The plain value of an IntOrString: 8080, "http", or None when unset."""
    which = value.WhichOneof("value")
    return None if which is None else getattr(value, which)


# ---------------------------------------------------------------- helpers

def _is_map(field: FieldDescriptor) -> bool:
    return (field.type == FieldDescriptor.TYPE_MESSAGE
            and field.message_type.GetOptions().map_entry)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _number_text(value: int | float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return type(value).__name__
