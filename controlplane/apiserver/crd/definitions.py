"""What a CustomResourceDefinition says and whether it is valid: names, versions, scope, schema, printer
columns, selectable fields; and the status the API server gives an accepted one. Pure functions over dicts.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from api import names

GROUP = "apiextensions.k8s.io"
VERSION = "v1"
API_VERSION = f"{GROUP}/{VERSION}"
KIND = "CustomResourceDefinition"
PLURAL = "customresourcedefinitions"
SCOPES = ("Cluster", "Namespaced")
APPROVAL = "api-approved.kubernetes.io"  # a CRD in a Kubernetes group (*.k8s.io) must carry it
_TYPES = ("object", "array", "string", "integer", "number", "boolean")
_COLUMN_TYPES = ("integer", "number", "string", "boolean", "date")


def _obj(**props) -> dict:
    return {"type": "object", "properties": props}


_ANY = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
_STR, _BOOL, _INT = {"type": "string"}, {"type": "boolean"}, {"type": "integer"}
_STRS = {"type": "array", "items": _STR}
# The fields of a CustomResourceDefinition (apiextensions.k8s.io/v1), so an unknown one is refused by path.
SCHEMA = _obj(
    spec=_obj(
        group=_STR, scope=_STR, preserveUnknownFields=_BOOL,
        names=_obj(plural=_STR, singular=_STR, kind=_STR, listKind=_STR, shortNames=_STRS, categories=_STRS),
        versions={"type": "array", "items": _obj(
            name=_STR, served=_BOOL, storage=_BOOL, deprecated=_BOOL, deprecationWarning=_STR,
            schema=_obj(openAPIV3Schema=_ANY),
            subresources=_obj(status=_ANY, scale=_obj(specReplicasPath=_STR, statusReplicasPath=_STR,
                                                      labelSelectorPath=_STR)),
            additionalPrinterColumns={"type": "array", "items": _obj(
                name=_STR, type=_STR, format=_STR, description=_STR, priority=_INT, jsonPath=_STR)},
            selectableFields={"type": "array", "items": _obj(jsonPath=_STR)})},
        conversion=_obj(strategy=_STR, webhook=_ANY)),
    status=_ANY)


@dataclass(frozen=True)
class Resource:
    """One served version of a custom resource, as the REST layer needs it."""

    group: str
    version: str
    plural: str
    singular: str
    kind: str
    list_kind: str
    namespaced: bool
    short_names: tuple[str, ...]
    categories: tuple[str, ...]
    schema: dict
    columns: tuple[dict, ...]
    selectable: tuple[str, ...]  # field paths without the leading dot: "spec.color"
    status: bool
    scale: dict | None
    storage_version: str

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}"

    @property
    def qualified(self) -> str:
        return f"{self.plural}.{self.group}"


def resources_of(crd: dict) -> list[Resource]:
    """The served versions of an established CRD."""
    spec = crd.get("spec") or {}
    names_ = (crd.get("status") or {}).get("acceptedNames") or spec.get("names") or {}
    versions = spec.get("versions") or []
    storage = next((v["name"] for v in versions if v.get("storage")), "")
    out = []
    for v in versions:
        if not v.get("served"):
            continue
        subs = v.get("subresources") or {}
        out.append(Resource(
            spec.get("group", ""), v.get("name", ""), names_.get("plural", ""),
            names_.get("singular") or names_.get("kind", "").lower(), names_.get("kind", ""),
            names_.get("listKind") or names_.get("kind", "") + "List", spec.get("scope") == "Namespaced",
            tuple(names_.get("shortNames") or ()), tuple(names_.get("categories") or ()),
            (v.get("schema") or {}).get("openAPIV3Schema") or {}, tuple(v.get("additionalPrinterColumns") or ()),
            tuple(f["jsonPath"].lstrip(".") for f in v.get("selectableFields") or () if f.get("jsonPath")),
            "status" in subs, subs.get("scale"), storage))
    return out


def defaults(crd: dict) -> None:
    """Fill in what Kubernetes defaults: singular, listKind, conversion strategy."""
    spec = crd.setdefault("spec", {})
    n = spec.setdefault("names", {})
    if isinstance(n, dict) and n.get("kind"):
        n.setdefault("singular", n["kind"].lower())
        n.setdefault("listKind", n["kind"] + "List")
    spec.setdefault("conversion", {"strategy": "None"})


def validate(crd: dict) -> list[str]:
    """Every reason to refuse this CRD, as Kubernetes' field causes."""
    out: list[str] = []
    spec = crd.get("spec") or {}
    group = spec.get("group", "")
    n = spec.get("names") or {}
    if not group:
        out.append("spec.group: Required value")
    elif "." not in group:
        out.append(f'spec.group: Invalid value: "{group}": should be a domain with at least one dot')
    else:
        out += [f'spec.group: Invalid value: "{group}": {e}' for e in names.dns1123_subdomain(group)]
    annotations = (crd.get("metadata") or {}).get("annotations") or {}
    if (group.endswith(".k8s.io") or group.endswith(".kubernetes.io")) and APPROVAL not in annotations:
        out.append(f'metadata.annotations[{APPROVAL}]: Required value: protected groups must have approval annotation '
                   f'"{APPROVAL}", see https://github.com/kubernetes/enhancements/pull/1111')
    for field in ("plural", "singular"):
        value = n.get(field, "")
        if not value and field == "plural":
            out.append("spec.names.plural: Required value")
        elif value:
            out += [f'spec.names.{field}: Invalid value: "{value}": {e}' for e in names.dns1123_label(value)]
    for field in ("kind", "listKind"):
        value = n.get(field, "")
        if not value and field == "kind":
            out.append("spec.names.kind: Required value")
        elif value and not re.fullmatch(r"[A-Za-z][-A-Za-z0-9]*", value):
            out.append(f'spec.names.{field}: Invalid value: "{value}": may have mixed case, but should otherwise '
                       f'match: [a-z]([-a-z0-9]*[a-z0-9])?')
    for i, short in enumerate(n.get("shortNames") or []):
        out += [f'spec.names.shortNames[{i}]: Invalid value: "{short}": {e}' for e in names.dns1123_label(short)]
    name = (crd.get("metadata") or {}).get("name", "")
    if n.get("plural") and group and name != f"{n['plural']}.{group}":
        out.append(f'metadata.name: Invalid value: "{name}": must be spec.names.plural+"."+spec.group')
    scope = spec.get("scope", "")
    if not scope:
        out.append("spec.scope: Required value")
    elif scope not in SCOPES:
        out.append(f'spec.scope: Unsupported value: "{scope}": supported values: "Cluster", "Namespaced"')
    out += _versions(spec.get("versions") or [])
    conversion = spec.get("conversion") or {}
    if conversion.get("strategy", "None") != "None":
        out.append(f'spec.conversion.strategy: Unsupported value: "{conversion.get("strategy")}": supported values: '
                   f'"None" (skiff serves no conversion webhooks)')
    return out


def _versions(versions: list) -> list[str]:
    out: list[str] = []
    if not versions:
        return ["spec.versions: Invalid value: null: must have exactly one version marked as storage version"]
    if sum(1 for v in versions if isinstance(v, dict) and v.get("storage")) != 1:
        out.append(f"spec.versions: Invalid value: {json.dumps([v.get('name') for v in versions])}: "
                   f"must have exactly one version marked as storage version")
    seen = set()
    for i, v in enumerate(versions):
        where = f"spec.versions[{i}]"
        name = v.get("name", "")
        if not name:
            out.append(f"{where}.name: Required value")
        elif name in seen:
            out.append(f'{where}.name: Duplicate value: "{name}"')
        seen.add(name)
        schema = (v.get("schema") or {}).get("openAPIV3Schema")
        if schema is None:
            out.append(f"{where}.schema.openAPIV3Schema: Required value: schemas are required")
        else:
            if schema.get("type") != "object":
                out.append(f"{where}.schema.openAPIV3Schema.type: Required value: must be object at the root")
            out += structural(schema, f"{where}.schema.openAPIV3Schema")
        for j, col in enumerate(v.get("additionalPrinterColumns") or []):
            cw = f"{where}.additionalPrinterColumns[{j}]"
            for req in ("name", "type", "jsonPath"):
                if not col.get(req):
                    out.append(f"{cw}.{req}: Required value")
            if col.get("type") and col["type"] not in _COLUMN_TYPES:
                out.append(f'{cw}.type: Unsupported value: "{col["type"]}": supported values: '
                           + ", ".join(f'"{t}"' for t in _COLUMN_TYPES))
        for j, f in enumerate(v.get("selectableFields") or []):
            if not str(f.get("jsonPath", "")).startswith("."):
                out.append(f"{where}.selectableFields[{j}].jsonPath: Invalid value: {json.dumps(f.get('jsonPath'))}: "
                           f"must be a simple field path starting with '.'")
    return out


def update_errors(new: dict, old: dict) -> list[str]:
    """What an update of a CRD may not change: its scope and group, or drop a version still stored."""
    out = []
    for field in ("scope", "group"):
        was, now = old["spec"].get(field), new["spec"].get(field)
        if was != now:
            out.append(f'spec.{field}: Invalid value: "{now}": field is immutable')
    names_ = {v.get("name") for v in new["spec"].get("versions") or []}
    for i, version in enumerate((new.get("status") or {}).get("storedVersions") or []):
        if version not in names_:
            out.append(f'status.storedVersions[{i}]: Invalid value: "{version}": must appear in spec.versions')
    return out


def structural(schema: dict, path: str) -> list[str]:
    """Kubernetes' structural-schema rules skiff enforces: a type on every node, known types, and CEL rules
    CEL rules that compile."""
    out: list[str] = []
    if not isinstance(schema, dict):
        return [f"{path}: Invalid value: must be an object"]
    t = schema.get("type")
    if t is None and not (schema.get("x-kubernetes-preserve-unknown-fields") or schema.get("x-kubernetes-int-or-string")):
        out.append(f"{path}.type: Required value: must not be empty for specified object fields")
    elif t is not None and t not in _TYPES:
        out.append(f'{path}.type: Unsupported value: "{t}": supported values: ' + ", ".join(f'"{x}"' for x in _TYPES))
    from controlplane.apiserver.crd import rules  # CEL: only when a CRD is written
    out += rules.compile_errors(schema, path)
    out += _list_type_errors(schema, path)
    for keyword in ("allOf", "anyOf", "oneOf"):
        for i, sub in enumerate(schema.get(keyword) or [] if isinstance(schema.get(keyword), list) else []):
            out += value_validation_errors(sub, f"{path}.{keyword}[{i}]")
    if isinstance(schema.get("not"), dict):
        out += value_validation_errors(schema["not"], f"{path}.not")
    for key, sub in (schema.get("properties") or {}).items():
        out += structural(sub, f"{path}.properties[{key}]")
    if isinstance(schema.get("items"), dict):
        out += structural(schema["items"], f"{path}.items")
    if isinstance(schema.get("additionalProperties"), dict):
        out += structural(schema["additionalProperties"], f"{path}.additionalProperties")
    return out


# What a schema inside allOf/anyOf/oneOf/not may not say: it validates values, it never shapes them.
_NOT_IN_VALUE_VALIDATION = (("type", "must be empty to be structural"), ("default", "must be undefined to be structural"),
                            ("nullable", "must be false to be structural"),
                            ("x-kubernetes-preserve-unknown-fields", "must be false to be structural"),
                            ("x-kubernetes-embedded-resource", "must be false to be structural"),
                            ("x-kubernetes-int-or-string", "must be false to be structural"),
                            ("x-kubernetes-list-type", "must be undefined to be structural"),
                            ("x-kubernetes-list-map-keys", "must be undefined to be structural"),
                            ("x-kubernetes-map-type", "must be undefined to be structural"),
                            ("additionalProperties", "must not be used inside of resource validation"))


def value_validation_errors(schema: dict, path: str) -> list[str]:
    """Kubernetes' structural rule for the logical keywords: value validations only, at every depth."""
    if not isinstance(schema, dict):
        return [f"{path}: Invalid value: must be an object"]
    out = [f"{path}.{key}: Forbidden: {why}" for key, why in _NOT_IN_VALUE_VALIDATION
           if schema.get(key) not in (None, False)]
    for key, sub in (schema.get("properties") or {}).items():
        out += value_validation_errors(sub, f"{path}.properties[{key}]")
    if isinstance(schema.get("items"), dict):
        out += value_validation_errors(schema["items"], f"{path}.items")
    for keyword in ("allOf", "anyOf", "oneOf"):
        for i, sub in enumerate(schema.get(keyword) or [] if isinstance(schema.get(keyword), list) else []):
            out += value_validation_errors(sub, f"{path}.{keyword}[{i}]")
    if isinstance(schema.get("not"), dict):
        out += value_validation_errors(schema["not"], f"{path}.not")
    return out


def _list_type_errors(schema: dict, path: str) -> list[str]:
    list_type, keys = schema.get("x-kubernetes-list-type"), schema.get("x-kubernetes-list-map-keys")
    out = []
    if list_type is not None and list_type not in ("atomic", "set", "map"):
        out.append(f'{path}.x-kubernetes-list-type: Unsupported value: "{list_type}": supported values: '
                   f'"atomic", "set", "map"')
    if list_type is not None and schema.get("type") != "array":
        out.append(f"{path}.x-kubernetes-list-type: Invalid value: {json.dumps(list_type)}: must only be used "
                   f"on type array")
    if list_type == "map" and not keys:
        out.append(f"{path}.x-kubernetes-list-map-keys: Required value: must not be empty if "
                   f"x-kubernetes-list-type is map")
    if keys and list_type != "map":
        out.append(f'{path}.x-kubernetes-list-type: Invalid value: {json.dumps(list_type or "")}: must be map if '
                   f"x-kubernetes-list-map-keys is non-empty")
    items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
    if list_type == "map" and items.get("type") != "object":
        out.append(f"{path}.items.type: Invalid value: {json.dumps(items.get('type', ''))}: must be object if "
                   f"parent array's x-kubernetes-list-type is map")
    map_type = schema.get("x-kubernetes-map-type")
    if map_type is not None and map_type not in ("granular", "atomic"):
        out.append(f'{path}.x-kubernetes-map-type: Unsupported value: "{map_type}": supported values: '
                   f'"granular", "atomic"')
    return out


def conflicts(crd: dict, others: list[dict], builtin: set[tuple[str, str]]) -> list[str]:
    """Names this CRD cannot take because another CRD of its group (or a built-in kind) holds them."""
    spec = crd["spec"]
    n, group = spec["names"], spec["group"]
    if (group, n["plural"]) in builtin:
        return [f'"{n["plural"]}" is already in use']
    if any(g == group for g, _ in builtin):
        return [f'the group "{group}" is served by skiff\'s built-in kinds']
    taken_plural, taken = set(), set()
    for o in others:
        if o["metadata"]["name"] == crd["metadata"]["name"] or o["spec"].get("group") != group:
            continue
        on = (o.get("status") or {}).get("acceptedNames") or o["spec"]["names"]
        taken_plural.add(on.get("plural"))
        taken |= {on.get("kind"), on.get("listKind"), on.get("singular"), *(on.get("shortNames") or [])}
    out = []
    if n["plural"] in taken_plural:
        out.append(f'"{n["plural"]}" is already in use')
    if n["kind"] in taken:
        out.append(f'"{n["kind"]}" is already in use')
    return out


def accepted_status(crd: dict, problems: list[str], now: str) -> dict:
    """status: acceptedNames and the NamesAccepted/Established conditions, as the CRD controllers set them."""
    status = dict(crd.get("status") or {})
    if problems:
        conditions = [
            {"type": "NamesAccepted", "status": "False", "lastTransitionTime": now, "reason": "NameConflict",
             "message": "; ".join(problems)},
            {"type": "Established", "status": "False", "lastTransitionTime": now, "reason": "NotAccepted",
             "message": "not all names are accepted"}]
        return {**status, "conditions": conditions, "acceptedNames": status.get("acceptedNames") or {"plural": "", "kind": ""}}
    stored = [v["name"] for v in crd["spec"]["versions"] if v.get("storage")]
    return {"conditions": [
        {"type": "NamesAccepted", "status": "True", "lastTransitionTime": now, "reason": "NoConflicts",
         "message": "no conflicts found"},
        {"type": "Established", "status": "True", "lastTransitionTime": now, "reason": "InitialNamesAccepted",
         "message": "the initial names have been accepted"}],
        "acceptedNames": dict(crd["spec"]["names"]), "storedVersions": sorted(set(status.get("storedVersions", [])) | set(stored))}


def established(crd: dict) -> bool:
    return any(c.get("type") == "Established" and c.get("status") == "True"
               for c in (crd.get("status") or {}).get("conditions") or [])
