"""The API server's decisions on a custom resource: the body checked against its CRD (unknown fields, defaults,
schema), server-set metadata on create and update, selectors, and Table rows. Pure functions over dicts.
"""
from __future__ import annotations

import copy
import json
import re
import uuid
from datetime import datetime

from api import age, errors, meta, names, selectors
from controlplane.apiserver.crd import schema as schemas
from controlplane.apiserver.crd.definitions import Resource
from controlplane.apiserver.rest.status import RestError

_PATH_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")


def field(obj, path: str):
    """The value at a simple JSONPath (`.spec.replicas`, `.status.conditions[0].type`), or None."""
    value = obj
    for name, index in _PATH_STEP.findall(path if path.startswith(".") else "." + path):
        if name and isinstance(value, dict):
            value = value.get(name)
        elif index and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        else:
            return None
    return value


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


# ---------------------------------------------------------------- the body

def admit(obj: dict, resource: Resource, validation: str, name: str = "", old: dict | None = None) -> list[str]:
    """Check `obj` (in place: pruned, defaulted) against the CRD; the warnings to send back. Raises BadRequest
    for unknown fields under Strict, Invalid for schema violations."""
    if obj.get("apiVersion") != resource.api_version or obj.get("kind") != resource.kind:
        raise RestError("BadRequest", f"the API version in the data ({obj.get('apiVersion')}) does not match the "
                                      f"expected API version ({resource.api_version})"
                        if obj.get("apiVersion") != resource.api_version else
                        f"{obj.get('kind')} in version \"{resource.version}\" cannot be handled as a {resource.kind}: "
                        f"the kind in the body must be {resource.kind}")
    unknown = schemas.unknown_fields(obj, resource.schema) if resource.schema else []
    warnings: list[str] = []
    if unknown and validation == "Strict":
        listed = ", ".join(f'unknown field "{u}"' for u in unknown)
        raise RestError("BadRequest", f'{resource.kind} in version "{resource.version}" cannot be handled as a '
                                      f"{resource.kind}: strict decoding error: {listed}")
    if validation == "Warn":
        warnings = [f'unknown field "{u}"' for u in unknown]
    schemas.apply_defaults(obj, resource.schema)
    causes = _metadata(obj.get("metadata") or {}, resource)
    causes += schemas.validate(obj, resource.schema) if resource.schema else []
    if not causes and resource.schema and _has_rules(resource.schema):
        from controlplane.apiserver.crd import rules  # CEL, only for CRDs that declare rules
        causes += rules.check(obj, resource.schema, *([old] if old is not None else []))
    if causes:
        what = f'{resource.kind}.{resource.group} "{name or obj["metadata"].get("name", "")}"'
        raise errors.Invalid.of(what, causes)
    return warnings


def _has_rules(schema: dict) -> bool:
    return "x-kubernetes-validations" in json.dumps(schema)


def _metadata(m: dict, resource: Resource) -> list[str]:
    out = []
    name = m.get("name", "")
    if name:
        out += [f'metadata.name: Invalid value: "{name}": {e}' for e in names.dns1123_subdomain(name)]
    for field_ in ("labels", "annotations"):
        value = m.get(field_)
        if value is not None and (not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values())):
            out.append(f"metadata.{field_}: Invalid value: must be a map of strings")
    return out


# ---------------------------------------------------------------- server-set metadata

def prepare_create(obj: dict, resource: Resource, namespace: str, now: str) -> dict:
    """The object as first stored: name (from generateName), namespace, uid, timestamps, generation."""
    obj = copy.deepcopy(obj)
    m = obj.setdefault("metadata", {})
    if not m.get("name") and m.get("generateName"):
        m["name"] = names.generated_name(m["generateName"])
    if not m.get("name"):
        raise errors.Invalid.of(f'{resource.kind}.{resource.group} ""',
                                ["metadata.name: Required value: name or generateName is required"])
    if resource.namespaced:
        if m.get("namespace") and m["namespace"] != namespace:
            raise RestError("BadRequest", "the namespace of the provided object does not match the namespace sent "
                                          "on the request")
        m["namespace"] = namespace
    else:
        m.pop("namespace", None)
    for server_set in ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds"):
        m.pop(server_set, None)
    m.update(uid=str(uuid.uuid4()), creationTimestamp=now, generation=1)
    if resource.status:
        obj.pop("status", None)  # the status subresource alone writes status
    return obj


def _spec_of(obj: dict, with_status: bool) -> dict:
    return {k: v for k, v in obj.items() if k not in ("metadata", "apiVersion", "kind")
            and not (with_status and k == "status")}


def prepare_update(new: dict, old: dict, resource: Resource, subresource: str = "") -> dict:
    """What an update stores: identity and timestamps from `old`; the status subresource changes status only,
    the main resource everything but status (when the CRD has a status subresource); generation counts spec
    changes."""
    new = copy.deepcopy(new)
    m, om = new.setdefault("metadata", {}), old["metadata"]
    rv = m.get("resourceVersion")
    if rv and rv != om.get("resourceVersion"):
        raise errors.Conflict(f'Operation cannot be fulfilled on {resource.qualified} "{om["name"]}": the object '
                              f"has been modified; please apply your changes to the latest version and try again")
    if subresource == "status":
        out = copy.deepcopy(old)
        if "status" in new:
            out["status"] = new["status"]
        else:
            out.pop("status", None)
        return out
    for kept in ("name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                 "generation"):
        if kept in om:
            m[kept] = om[kept]
        else:
            m.pop(kept, None)
    if resource.status:
        if "status" in old:
            new["status"] = old["status"]
        else:
            new.pop("status", None)
    if _spec_of(new, True) != _spec_of(old, True):
        m["generation"] = om.get("generation", 1) + 1
    return new


def with_propagation(obj: dict, policy: str) -> dict:
    """Orphan and Foreground deletion are the garbage collector's work, asked through finalizers (as
    deletion.add_propagation_finalizer for built-in kinds): the policy's finalizer added, the other dropped."""
    wanted = {"Orphan": "orphan", "Foreground": "foregroundDeletion"}.get(policy)
    finalizers = list((obj.get("metadata") or {}).get("finalizers") or [])
    if policy:
        finalizers = [f for f in finalizers if f not in ("orphan", "foregroundDeletion") or f == wanted]
    if wanted and wanted not in finalizers:
        finalizers.append(wanted)
    obj = copy.deepcopy(obj)
    if finalizers:
        obj["metadata"]["finalizers"] = finalizers
    else:
        obj["metadata"].pop("finalizers", None)
    return obj


def unmet_precondition(obj: dict, uid: str, resource_version: str) -> str:
    """Why a delete's preconditions (DeleteOptions.preconditions) refuse it, "" when they hold."""
    m = obj.get("metadata") or {}
    if uid and uid != m.get("uid"):
        return (f"Precondition failed: UID in precondition: {uid}, UID in object meta: {m.get('uid', '')}")
    if resource_version and resource_version != m.get("resourceVersion"):
        return (f"Precondition failed: ResourceVersion in precondition: {resource_version}, "
                f"ResourceVersion in object meta: {m.get('resourceVersion', '')}")
    return ""


def stamp(obj: dict, now: str) -> dict:
    """Marked for deletion (finalizers still pending)."""
    obj = copy.deepcopy(obj)
    obj["metadata"].setdefault("deletionTimestamp", now)
    obj["metadata"].setdefault("deletionGracePeriodSeconds", 0)
    return obj


# ---------------------------------------------------------------- selectors

def selector(resource: Resource, label_text: str, field_text: str):
    """A predicate over objects for `labelSelector` and `fieldSelector` (metadata.name, metadata.namespace and
    the CRD's selectableFields)."""
    try:
        labels = selectors.parse_label_selector(label_text or "")
        allowed = ["metadata.name", *(["metadata.namespace"] if resource.namespaced else []), *resource.selectable]
        fields = selectors.parse_field_selector(field_text or "", allowed)
    except selectors.SelectorError as e:
        raise RestError("BadRequest", str(e)) from None

    def matches(obj: dict) -> bool:
        m = obj.get("metadata") or {}
        return labels.matches(m.get("labels") or {}) and fields.matches(lambda p: _text(field(obj, p)))
    return matches


# ---------------------------------------------------------------- Table

AGE_COLUMN = {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}


def columns(resource: Resource) -> list[dict]:
    return list(resource.columns) or [AGE_COLUMN]


def column_definitions(resource: Resource) -> list[dict]:
    out = [{"name": "Name", "type": "string", "format": "name", "description": "Name must be unique within a "
            "namespace.", "priority": 0}]
    for c in columns(resource):
        out.append({"name": c["name"], "type": "string" if c["type"] == "date" else c["type"],
                    "format": c.get("format", ""), "description": c.get("description", ""),
                    "priority": c.get("priority", 0)})
    return out


def _age(text: str, now: datetime) -> str:
    try:
        return age.human_duration(now - meta.parse_time(text))
    except (TypeError, ValueError):
        return text


def cells(obj: dict, resource: Resource, now: datetime) -> list:
    out: list = [obj["metadata"].get("name", "")]
    for c in columns(resource):
        value = field(obj, c["jsonPath"])
        if c["type"] == "date" and isinstance(value, str):
            value = _age(value, now)
        elif isinstance(value, (dict, list)):
            value = json.dumps(value, separators=(",", ":"))
        out.append(value)
    return out


def finished(obj: dict) -> bool:
    """Marked for deletion and no finalizer left: the object goes."""
    m = obj.get("metadata") or {}
    return bool(m.get("deletionTimestamp")) and not m.get("finalizers")
