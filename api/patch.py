"""The three patch types of Kubernetes over the manifest form: JSON patch (RFC 6902), JSON merge patch
(RFC 7386) and strategic merge patch (list items merged by Kubernetes' merge keys from api.schema).

Pure functions, shared by the REST API's PATCH and `skiff patch`; a patch that cannot apply is a PatchError.
"""
from __future__ import annotations

import copy
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from api import schema

TYPES = ("json", "merge", "strategic")


class PatchError(ValueError):
    """The patch does not fit the object (a JSON patch path that is not there, a list item without its key)."""


def apply(patch_type: str, original: dict, patch: Any, descriptor: Descriptor | None) -> dict:
    """`original` with `patch` (already parsed from JSON or YAML) of `patch_type` applied."""
    if patch_type == "json":
        return json_patch(original, patch)
    if not isinstance(patch, dict):
        raise PatchError("a merge patch must be a JSON object")
    if patch_type == "merge":
        return merge_patch(original, patch)
    if patch_type == "strategic":
        return strategic_merge(original, patch, descriptor)
    raise PatchError(f'unknown patch type "{patch_type}": one of {", ".join(TYPES)}')


def json_patch(original: dict, operations: Any) -> dict:
    import jsonpatch  # only patching pays for it
    if not isinstance(operations, list):
        raise PatchError("a JSON patch must be a list of operations")
    try:
        return jsonpatch.apply_patch(original, operations)
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError, KeyError) as e:
        raise PatchError(str(e)) from None


def merge_patch(original: Any, patch: Any) -> Any:
    """RFC 7386: objects merge key by key, null removes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(original) if isinstance(original, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def _field(descriptor: Descriptor | None, key: str) -> FieldDescriptor | None:
    if descriptor is None:
        return None
    return next((f for f in descriptor.fields if f.json_name == key), None)


def _is_map(field: FieldDescriptor) -> bool:
    return field.type == FieldDescriptor.TYPE_MESSAGE and field.message_type.GetOptions().map_entry


def _message(field: FieldDescriptor | None) -> Descriptor | None:
    if field is None or field.type != FieldDescriptor.TYPE_MESSAGE:
        return None
    return field.message_type


def strategic_merge(original: Any, patch: Any, descriptor: Descriptor | None) -> Any:
    """Kubernetes' strategic merge: lists with a merge key merge item by item, `$patch: delete|replace`,
    `$deleteFromPrimitiveList/<field>`; other lists and scalars are replaced. Pure."""
    if not isinstance(patch, dict) or not isinstance(original, dict):
        return copy.deepcopy(strip(patch))
    directive = patch.get("$patch")
    if directive == "replace":
        return strip(patch)
    out = dict(original)
    for key, value in patch.items():
        if key in ("$patch", "$retainKeys") or key.startswith("$setElementOrder/"):
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            name = key.split("/", 1)[1]
            out[name] = [x for x in out.get(name) or [] if x not in (value or [])]
            continue
        field = _field(descriptor, key)
        if value is None:
            out.pop(key, None)
        elif field is not None and _is_map(field):
            out[key] = merge_patch(out.get(key) or {}, value)
        elif field is not None and field.is_repeated and isinstance(value, list):
            out[key] = _merge_list(out.get(key) or [], value, field)
        elif isinstance(value, dict):
            out[key] = strategic_merge(out.get(key) or {}, value, _message(field))
        else:
            out[key] = copy.deepcopy(value)
    return out


def _merge_list(original: list, patch: list, field: FieldDescriptor) -> list:
    merge_key = schema.MERGE_KEYS.get(field.full_name)
    if any(isinstance(p, dict) and p.get("$patch") == "replace" for p in patch):
        return [strip(p) for p in patch if not (isinstance(p, dict) and p.get("$patch") == "replace")]
    if field.full_name in schema.MERGE_SETS:
        return list(original) + [p for p in patch if p not in original]
    if merge_key is None:
        return [strip(p) for p in patch]
    out = [dict(item) if isinstance(item, dict) else item for item in original]
    for item in patch:
        if not isinstance(item, dict) or merge_key not in item:
            raise PatchError(f"{field.json_name}: every item of a strategic merge patch needs its "
                             f'merge key "{merge_key}"')
        at = next((i for i, o in enumerate(out) if isinstance(o, dict) and o.get(merge_key) == item[merge_key]),
                  None)
        if item.get("$patch") == "delete":
            if at is not None:
                del out[at]
        elif at is None:
            out.append(strip(item))
        else:
            out[at] = strategic_merge(out[at], item, field.message_type)
    return out


def strip(value: Any) -> Any:
    """A patch value without directives, as stored."""
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if not k.startswith("$")}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value
