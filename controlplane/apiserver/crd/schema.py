"""A CRD's structural openAPIV3Schema applied to a custom resource, as kube-apiserver does: unknown fields
found (and pruned), defaults filled in, values validated. Pure functions over JSON values.
"""
from __future__ import annotations

import copy
import json
import re
from typing import Any

from controlplane.apiserver.crd import formats

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


def _embedded(schema: dict) -> bool:
    """An object holding a whole Kubernetes object (x-kubernetes-embedded-resource): apiVersion, kind, metadata."""
    return bool(schema.get("x-kubernetes-embedded-resource"))


def unknown_fields(value: Any, schema: dict, path: str = "", root: bool = True) -> list[str]:
    """Prune, in place, every field the schema does not declare; the paths of what was pruned."""
    found: list[str] = []
    if isinstance(value, dict):
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        for key in list(value):
            child = _join(path, key)
            if (root or _embedded(schema)) and key in ROOT_FIELDS:
                if key == "metadata" and isinstance(value[key], dict):
                    for m in [m for m in value[key] if m not in METADATA_FIELDS]:
                        found.append(f"{_join(path, 'metadata')}.{m}")
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
    out += _composition(value, schema, path)
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
    if isinstance(schema.get("format"), str) and not formats.valid(value, schema["format"]):
        out.append(f"{where}: Invalid value: {_show(value)}: {where} in body must be of type {schema['format']}: "
                   f"{_show(value)}")
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
                out.append(f"{path}[{i}]: Duplicate value: {_go_value(item)}")
            seen.append(item)
    elif schema.get("x-kubernetes-list-type") == "map":
        out += _map_list_duplicates(value, schema.get("x-kubernetes-list-map-keys") or [], path)
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
    if _embedded(schema):
        out += _embedded_resource(value, path)
    for key, item in value.items():
        if (not path or _embedded(schema)) and key in ROOT_FIELDS:
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


# ---------------------------------------------------------------- anyOf, oneOf, allOf, not

def _composition(value: Any, schema: dict, path: str) -> list[str]:
    """The logical keywords, in kube-openapi's words (which name the path quoted, on the `<nil>` field as
    Kubernetes reports them); a failing anyOf/oneOf also tells its closest alternative's errors."""
    out: list[str] = []
    quoted = json.dumps(path)

    def failure(text: str) -> str:
        return f'<nil>: Invalid value: "": {quoted} {text}'
    if isinstance(schema.get("allOf"), list):
        results = [validate(value, sub, path) for sub in schema["allOf"]]
        failed = [r for r in results if r]
        if failed:
            out.append(failure("must validate all the schemas (allOf)" +
                               (". None validated" if len(failed) == len(results) else "")))
            out += [e for r in failed for e in r]
    if isinstance(schema.get("anyOf"), list) and schema["anyOf"]:
        results = [validate(value, sub, path) for sub in schema["anyOf"]]
        if all(results):
            out.append(failure("must validate at least one schema (anyOf)"))
            out += min(results, key=len)
    if isinstance(schema.get("oneOf"), list) and schema["oneOf"]:
        results = [validate(value, sub, path) for sub in schema["oneOf"]]
        passed = sum(1 for r in results if not r)
        if passed == 0:
            out.append(failure("must validate one and only one schema (oneOf). Found none valid"))
            out += min(results, key=len)
        elif passed > 1:
            out.append(failure(f"must validate one and only one schema (oneOf). Found {passed} valid alternatives"))
    if isinstance(schema.get("not"), dict) and not validate(value, schema["not"], path):
        out.append(failure("must not validate the schema (not)"))
    return out


# ---------------------------------------------------------------- list types and embedded resources

def _go_value(value: Any) -> str:
    """A value as Go's %#v prints what JSON decoding gives (Kubernetes' Duplicate value messages)."""
    if isinstance(value, dict):
        inner = ", ".join(f"{json.dumps(k)}:{_go_value(v)}" for k, v in sorted(value.items()))
        return f"map[string]interface {{}}{{{inner}}}"
    if isinstance(value, list):
        return "[]interface {}{" + ", ".join(_go_value(v) for v in value) + "}"
    if value is None:
        return "interface {}(nil)"
    return json.dumps(value)


def _map_list_duplicates(value: list, keys: list[str], path: str) -> list[str]:
    """x-kubernetes-list-type: map: no two items with the same values of the x-kubernetes-list-map-keys."""
    out, seen = [], []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            continue
        identity = {k: item[k] for k in keys if k in item}
        if identity in seen:
            out.append(f"{path}[{i}]: Duplicate value: {_go_value(identity)}")
        else:
            seen.append(identity)
    return out


def _embedded_resource(value: dict, path: str) -> list[str]:
    """apiextensions' validateEmbeddedResource: apiVersion and kind required and well formed, metadata an object."""
    out = []
    for key in ("apiVersion", "kind"):
        if key not in value:
            out.append(f"{_join(path, key)}: Required value: must not be empty")
        elif not isinstance(value[key], str):
            out.append(f"{_join(path, key)}: Invalid value: {_go_value(value[key])}: must be a string")
        elif not value[key]:
            out.append(f'{_join(path, key)}: Invalid value: "": must not be empty')
    version = value.get("apiVersion")
    if isinstance(version, str) and version.count("/") > 1:
        out.append(f"{_join(path, 'apiVersion')}: Invalid value: {json.dumps(version)}: unexpected GroupVersion "
                   f"string: {version}")
    kind = value.get("kind")
    if isinstance(kind, str) and kind and not re.fullmatch(r"[a-z]([-a-z0-9]*[a-z0-9])?", kind.lower()):
        out.append(f"{_join(path, 'kind')}: Invalid value: {json.dumps(kind)}: may have mixed case, but should "
                   f"otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
                   f"start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  "
                   f"or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")
    if "metadata" in value and not isinstance(value["metadata"], dict):
        out.append(f"{_join(path, 'metadata')}: Invalid value: {_go_value(value['metadata'])}: must be an object")
    return out
