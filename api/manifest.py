"""Converts between the Kubernetes manifest form (dicts from YAML/JSON, camelCase) and protobuf objects.

Wrong types are one error naming every path; unknown and duplicate fields follow Kubernetes' fieldValidation.
"""
from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field as dataclass_field
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from api import b64, kinds

INT_OR_STRING = "skiff.v1.IntOrString"
RAW_JSON = "skiff.v1.RawJSON"  # a free-form value (runtime.RawExtension) kept as JSON text

# Quantity-valued maps: Kubernetes accepts `cpu: 1` as well as `cpu: "1"`.
QUANTITY_MAPS = {
    "skiff.v1.ResourceRequirements.limits",
    "skiff.v1.ResourceRequirements.requests",
    "skiff.v1.NodeStatus.capacity",
    "skiff.v1.NodeStatus.allocatable",
    *(f"skiff.v1.LimitRangeItem.{group}" for group in ("max", "min", "default", "default_request",
                                                         "max_limit_request_ratio")),
    "skiff.v1.ResourceQuotaSpec.hard", "skiff.v1.ResourceQuotaStatus.hard", "skiff.v1.ResourceQuotaStatus.used",
    "skiff.v1.VolumeResourceRequirements.limits", "skiff.v1.VolumeResourceRequirements.requests",
    "skiff.v1.PersistentVolumeSpec.capacity", "skiff.v1.PersistentVolumeClaimStatus.capacity",
}
_QUANTITY_STRINGS = {"skiff.v1.EmptyDirVolumeSource.size_limit", "skiff.v1.ResourceFieldSelector.divisor",
                     "skiff.v1.MetricTarget.value", "skiff.v1.MetricTarget.average_value",
                     "skiff.v1.MetricValueStatus.value", "skiff.v1.MetricValueStatus.average_value"}

_INT_TYPES = {
    FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_UINT32,
    FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_SINT32, FieldDescriptor.TYPE_SINT64,
}
_INT32_RANGE = (-(2**31), 2**31 - 1)


# Kubernetes' fieldValidation: what an unknown or duplicate field does.
STRICT, WARN, IGNORE = "Strict", "Warn", "Ignore"
FIELD_VALIDATIONS = (STRICT, WARN, IGNORE)


class ManifestError(ValueError):
    """A manifest that cannot become an object; `errors` holds one line per offending field path.

    `strict`: refused only because of unknown or duplicate fields under Strict field validation.
    """

    def __init__(self, errors: list[str], source: str = "", strict: bool = False):
        self.errors = errors
        self.source = source
        self.strict = strict
        where = f"{source}: " if source else ""
        super().__init__(where + "; ".join(errors))


class Fields(dict):
    """A mapping as read from YAML or JSON that remembers keys given more than once: (key, line or None)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.repeated: list[tuple[str, int | None]] = []


def parse_json(text: str | bytes) -> Any:
    """JSON into plain values whose mappings are `Fields` (duplicate keys kept in `repeated`)."""
    if isinstance(text, (bytes, bytearray)):
        text = text.decode(json.detect_encoding(text), "surrogatepass")  # as json.loads reads bytes
    return _JSON_DECODER.decode(text)


def _fields_of_pairs(pairs: list[tuple[str, Any]]) -> Fields:
    out = Fields()
    for key, value in pairs:
        if key in out:
            out.repeated.append((key, None))
        out[key] = value
    return out


# One decoder for every call: json.loads with a hook would build a new one each time (every Patch parses).
_JSON_DECODER = json.JSONDecoder(object_pairs_hook=_fields_of_pairs)


def field_validation(value: str) -> str:
    """The mode named by an API value or kubectl's --validate flag ("" is Strict; true, false as kubectl)."""
    normal = {"": STRICT, "strict": STRICT, "true": STRICT, "warn": WARN, "ignore": IGNORE,
              "false": IGNORE}.get(value.lower())
    if normal is None:
        raise ValueError(f'fieldValidation: Unsupported value: "{value}": supported values: "Ignore", "Strict", '
                         f'"Warn"')
    return normal


@dataclass
class _Found:
    """What reading a manifest found besides the object: type errors, unknown and duplicate fields."""

    errors: list[str] = dataclass_field(default_factory=list)
    unknown: list[str] = dataclass_field(default_factory=list)  # field paths
    duplicate: list[tuple[str, int | None]] = dataclass_field(default_factory=list)  # (field path, line)


def decode(data: Any, source: str = "", validation: str = STRICT) -> tuple[Message, list[str]]:
    """A typed object from a manifest, and its warnings, under Kubernetes' field validation.

    Strict: unknown and duplicate fields are a ManifestError naming every one (with any type errors);
    Warn: each becomes a warning (`unknown field "spec.x"`, as Kubernetes words it); Ignore: dropped.
    """
    obj, found = _decode(data, source)
    return obj, _judged(found, source, validation)


def decode_part(message_type: type[Message], data: Any, path: str, validation: str = STRICT) -> tuple[Message, list[str]]:
    """A part of an object (its `spec`, at `path`) from its manifest form, judged as `decode` judges."""
    msg = message_type()
    found = _Found()
    _fill(msg, data, path, found)
    return msg, _judged(found, "", validation)


def _judged(found: "_Found", source: str, validation: str) -> list[str]:
    """The warnings of what reading found, or the ManifestError it deserves under `validation`."""
    fields = ([f'unknown field "{p}"' for p in found.unknown]
              + [f'duplicate field "{p}"' + (f" (line {line})" if line else "") for p, line in found.duplicate])
    if validation == STRICT and fields:
        raise ManifestError(found.errors + fields, source, strict=not found.errors)
    if found.errors:
        raise ManifestError(found.errors, source)
    return fields if validation == WARN else []


def from_dict(data: Any, source: str = "") -> tuple[Message, list[str]]:
    """A typed object from a manifest dict, and the paths of the fields skiff does not know (dropped)."""
    obj, found = _decode(data, source)
    if found.errors:
        raise ManifestError(found.errors, source)
    return obj, found.unknown


def _decode(data: Any, source: str) -> tuple[Message, _Found]:
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
    if not api_version:
        raise ManifestError([f'apiVersion: required ({kind.name} is served as "{kind.api_version}")'], source)
    if api_version != kind.api_version:
        raise ManifestError(
            [f'apiVersion: {kind.name} is served as "{kind.api_version}", not "{api_version}"'], source)
    obj = kind.message()
    found = _Found()
    _fill(obj, data, "", found)
    return obj, found


def message_from_dict(message_type: type[Message], data: Any, path: str = "") -> Message:
    """Any message (a spec, a template) from its manifest form; unknown fields are errors here."""
    msg = message_type()
    found = _Found()
    _fill(msg, data, path, found)
    errors = found.errors + [f"{w}: unknown field" for w in found.unknown]
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

def _repeated_keys(data: Mapping, path: str, found: _Found) -> None:
    for key, line in getattr(data, "repeated", ()):
        found.duplicate.append((_join(path, str(key)), line))


def _fill(msg: Message, data: Any, path: str, found: _Found) -> None:
    descriptor: Descriptor = msg.DESCRIPTOR
    errors = found.errors
    if not isinstance(data, Mapping):
        errors.append(f"{path or '.'}: expected a mapping, got {_type_name(data)}")
        return
    _repeated_keys(data, path, found)
    by_json = _json_fields(descriptor)
    for key, value in data.items():
        field = by_json.get(key) if isinstance(key, str) else None
        child = _join(path, str(key))
        if field is None:
            found.unknown.append(child)
            continue
        if value is None:
            continue
        if _is_map(field):
            _fill_map(msg, field, value, child, found)
        elif field.is_repeated:
            _fill_repeated(msg, field, value, child, found)
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            sub = getattr(msg, field.name)
            if field.message_type.full_name == INT_OR_STRING:
                _set_int_or_string(sub, value, child, errors)
            elif field.message_type.full_name == RAW_JSON:
                sub.json = json.dumps(value, separators=(",", ":"))
            else:
                sub.SetInParent()  # an empty mapping (`emptyDir: {}`) is meaningful
                _fill(sub, value, child, found)
        else:
            converted = _scalar(field, value, child, errors)
            if converted is not None:
                setattr(msg, field.name, converted)


_JSON_FIELDS: dict[str, dict[str, FieldDescriptor]] = {}


def _json_fields(descriptor: Descriptor) -> dict[str, FieldDescriptor]:
    fields = _JSON_FIELDS.get(descriptor.full_name)
    if fields is None:
        fields = _JSON_FIELDS[descriptor.full_name] = {f.json_name: f for f in descriptor.fields}
    return fields


def _fill_map(msg: Message, field: FieldDescriptor, value: Any, path: str, found: _Found) -> None:
    errors = found.errors
    if not isinstance(value, Mapping):
        errors.append(f"{path}: expected a mapping of strings, got {_type_name(value)}")
        return
    _repeated_keys(value, path, found)
    target = getattr(msg, field.name)
    quantities = field.full_name in QUANTITY_MAPS
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
                v = b64.decode(v)
            except b64.Illegal as e:
                errors.append(f"{_join(path, k)}: {e}")
                continue
        target[k] = v


def _fill_repeated(msg, field, value, path, found: _Found) -> None:
    if not isinstance(value, list):
        found.errors.append(f"{path}: expected a list, got {_type_name(value)}")
        return
    target = getattr(msg, field.name)
    for i, item in enumerate(value):
        child = f"{path}[{i}]"
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            _fill(target.add(), item, child, found)
        else:
            converted = _scalar(field, item, child, found.errors)
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
    if field.type == FieldDescriptor.TYPE_BYTES:  # a CSR's request: base64 in the manifest, as Go's []byte
        if not isinstance(value, str):
            errors.append(f"{path}: expected a base64 string, got {_type_name(value)}")
            return None
        try:
            return b64.decode(value)
        except b64.Illegal as e:
            errors.append(f"{path}: {e}")
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
    if field.type == FieldDescriptor.TYPE_BYTES:
        return base64.b64encode(value).decode()
    return value


def _message_to_plain(value: Message) -> Any:
    if value.DESCRIPTOR.full_name == INT_OR_STRING:
        return int_or_string_value(value)
    if value.DESCRIPTOR.full_name == RAW_JSON:
        return json.loads(value.json) if value.json else None
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
