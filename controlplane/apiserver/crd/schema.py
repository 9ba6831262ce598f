"""A CRD's structural openAPIV3Schema applied to a custom resource, as kube-apiserver does: unknown fields
found (and pruned), defaults filled in, values validated. Pure functions over JSON values.
"""
from __future__ import annotations

import copy
import json
import re
from typing import Any

# ObjectMeta's fields: a custom resource's metadata is pruned to these, whatever its schema says.
METADATA_FIELDS = frozenset({
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
    "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers",
    "managedFields"})
ROOT_FIELDS = ("apiVersion", "kind", "metadata")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _preserves(schema: dict) -> bool:
    return bool(schema.get("x-kubernetes-preserve-unknown-fields"))


def unknown_fields(value: Any, schema: dict, path: str = "", root: bool = True) -> list[str]:
    """Prune, in place, every field the schema does not declare; the paths of what was pruned."""
    found: list[str] = []
    if isinstance(value, dict):
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        for key in list(value):
            child = _join(path, key)
            if root and key in ROOT_FIELDS:
                if key == "metadata" and isinstance(value[key], dict):
                    for m in [m for m in value[key] if m not in METADATA_FIELDS]:
                        found.append(f"metadata.{m}")
                        del value[key][m]
                continue
            if props is not None and key in props:
                found += unknown_fields(value[key], props[key], child, False)
            elif isinstance(extra, dict):
                found += unknown_fields(value[key], extra, child, False)
            elif extra is True or _preserves(schema) or (props is None and not schema.get("type")):
                continue
            else:
                found.append(child)
                del value[key]
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            found += unknown_fields(item, schema["items"], f"{path}[{i}]", False)
    return found


def apply_defaults(value: Any, schema: dict) -> None:
    """Fill in, in place, the `default` of every declared property that is absent (as Kubernetes, not
    under a null or a missing parent, except where the parent itself gets a default)."""
    if isinstance(value, dict):
        for key, sub in (schema.get("properties") or {}).items():
            if key not in value and "default" in sub:
                value[key] = copy.deepcopy(sub["default"])
            if key in value:
                apply_defaults(value[key], sub)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for key in value:
                if key not in (schema.get("properties") or {}):
                    apply_defaults(value[key], extra)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            apply_defaults(item, schema["items"])


def _show(value: Any) -> str:
    return json.dumps(value) if isinstance(value, str) else json.dumps(value) if value is not None else '"null"'


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _type_ok(value: Any, wanted: str, schema: dict) -> bool:
    if schema.get("x-kubernetes-int-or-string"):
        return isinstance(value, (int, str)) and not isinstance(value, bool)
    actual = _type_name(value)
    if wanted == "number":
        return actual in ("integer", "number")
    if wanted == "integer" and actual == "number":
        return float(value).is_integer()
    return not wanted or actual == wanted


def validate(value: Any, schema: dict, path: str = "") -> list[str]:
    """Every violation of `schema` by `value`, as Kubernetes' causes: `spec.replicas: Invalid value: ...`."""
    where = path or "<root>"
    if value is None:
        if schema.get("nullable") or not (schema.get("type") or schema.get("x-kubernetes-int-or-string")):
            return []
        return [f'{where}: Invalid value: "null": {where} in body must be of type {schema.get("type", "string")}: "null"']
    wanted = schema.get("type", "")
    if not _type_ok(value, wanted, schema):
        shown = _type_name(value)
        return [f'{where}: Invalid value: "{shown}": {where} in body must be of type {wanted}: "{shown}"']
    out: list[str] = []
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(json.dumps(v) for v in schema["enum"])
        out.append(f"{where}: Unsupported value: {_show(value)}: supported values: {allowed}")
    if isinstance(value, str):
        out += _string(value, schema, where)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        out += _number(value, schema, where)
    elif isinstance(value, list):
        out += _array(value, schema, path, where)
    elif isinstance(value, dict):
        out += _object(value, schema, path)
    return out


def _string(value: str, schema: dict, where: str) -> list[str]:
    out = []
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        out.append(f"{where}: Too long: may not be longer than {schema['maxLength']}")
    if "minLength" in schema and len(value) < schema["minLength"]:
        out.append(f"{where}: Invalid value: {_show(value)}: {where} in body should be at least "
                   f"{schema['minLength']} chars long")
    if "pattern" in schema and not re.search(schema["pattern"], value):
        out.append(f"{where}: Invalid value: {_show(value)}: {where} in body should match '{schema['pattern']}'")
    return out


def _number(value: float, schema: dict, where: str) -> list[str]:
    out = []
    if "maximum" in schema:
        limit = schema["maximum"]
        if value > limit or (schema.get("exclusiveMaximum") and value == limit):
            words = "less than" if schema.get("exclusiveMaximum") else "less than or equal to"
            out.append(f"{where}: Invalid value: {value}: {where} in body should be {words} {limit}")
    if "minimum" in schema:
        limit = schema["minimum"]
        if value < limit or (schema.get("exclusiveMinimum") and value == limit):
            words = "greater than" if schema.get("exclusiveMinimum") else "greater than or equal to"
            out.append(f"{where}: Invalid value: {value}: {where} in body should be {words} {limit}")
    if schema.get("multipleOf") and value % schema["multipleOf"]:
        out.append(f"{where}: Invalid value: {value}: {where} in body should be a multiple of {schema['multipleOf']}")
    return out


def _array(value: list, schema: dict, path: str, where: str) -> list[str]:
    out = []
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        out.append(f"{where}: Too many: {len(value)}: must have at most {schema['maxItems']} items")
    if "minItems" in schema and len(value) < schema["minItems"]:
        out.append(f"{where}: Invalid value: {len(value)}: {where} in body should have at least "
                   f"{schema['minItems']} items")
    if schema.get("uniqueItems") or schema.get("x-kubernetes-list-type") == "set":
        seen = []
        for i, item in enumerate(value):
            if item in seen:
                out.append(f"{path}[{i}]: Duplicate value: {_show(item)}")
            seen.append(item)
    items = schema.get("items")
    if isinstance(items, dict):
        for i, item in enumerate(value):
            out += validate(item, items, f"{path}[{i}]")
    return out


def _object(value: dict, schema: dict, path: str) -> list[str]:
    out = []
    for key in schema.get("required") or []:
        if key not in value:
            out.append(f"{_join(path, key)}: Required value")
    props = schema.get("properties") or {}
    extra = schema.get("additionalProperties")
    for key, item in value.items():
        if not path and key in ROOT_FIELDS:
            continue
        if key in props:
            out += validate(item, props[key], _join(path, key))
        elif isinstance(extra, dict):
            out += validate(item, extra, _join(path, key))
    for name in ("maxProperties", "minProperties"):
        if name in schema:
            bad = len(value) > schema[name] if name == "maxProperties" else len(value) < schema[name]
            if bad:
                word = "at most" if name == "maxProperties" else "at least"
                out.append(f"{path or '<root>'}: Invalid value: {len(value)}: {path or '<root>'} in body should have "
                           f"{word} {schema[name]} properties")
    return out
