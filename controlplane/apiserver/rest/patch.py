"""PATCH: JSON patch, JSON merge patch and strategic merge patch (Kubernetes' merge keys from
api/schema.py) applied to the manifest form, then written as an update guarded by the version read.
"""
from __future__ import annotations

import copy
from typing import Any

import jsonpatch
from aiohttp import web
from google.protobuf.descriptor import Descriptor, FieldDescriptor

from api import errors, schema
from controlplane.apiserver.rest import codec, managers, media
from controlplane.apiserver.rest.paths import Target
from controlplane.apiserver.rest.status import RestError

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"
TYPES = (JSON_PATCH, MERGE_PATCH, STRATEGIC, APPLY)
_RETRIES = 8


def content_type(request: web.Request) -> str:
    kind = media.base_type(request.headers.get("Content-Type", ""))
    if kind not in TYPES:
        raise RestError("UnsupportedMediaType", f'the body of the request was in an unknown format - accepted '
                                                f'media types include: {", ".join(TYPES)}')
    return kind


def apply_patch(kind: str, original: dict, body: bytes, descriptor: Descriptor) -> dict:
    """The manifest `original` with the patch `body` of media type `kind` applied. Pure."""
    data = codec.parse_json(body, "the patch")
    if kind == JSON_PATCH:
        if not isinstance(data, list):
            raise RestError("BadRequest", "a JSON patch must be a list of operations")
        try:
            return jsonpatch.apply_patch(original, data)
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError, KeyError) as e:
            raise RestError("Invalid", f"the JSON patch could not be applied: {e}",
                            [{"reason": "FieldValueInvalid", "message": f"Invalid value: {e}", "field": "patch"}]) from None
    if not isinstance(data, dict):
        raise RestError("BadRequest", "a merge patch must be a JSON object")
    if kind == MERGE_PATCH:
        return merge_patch(original, data)
    return strategic_merge(original, data, descriptor)


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
        return copy.deepcopy(_strip(patch))
    directive = patch.get("$patch")
    if directive == "replace":
        return _strip(patch)
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
        return [_strip(p) for p in patch if not (isinstance(p, dict) and p.get("$patch") == "replace")]
    if field.full_name in schema.MERGE_SETS:
        return list(original) + [p for p in patch if p not in original]
    if merge_key is None:
        return [_strip(p) for p in patch]
    out = [dict(item) if isinstance(item, dict) else item for item in original]
    for item in patch:
        if not isinstance(item, dict) or merge_key not in item:
            raise RestError("Invalid", f"{field.json_name}: every item of a strategic merge patch needs its "
                                       f'merge key "{merge_key}"')
        at = next((i for i, o in enumerate(out) if isinstance(o, dict) and o.get(merge_key) == item[merge_key]),
                  None)
        if item.get("$patch") == "delete":
            if at is not None:
                del out[at]
        elif at is None:
            out.append(_strip(item))
        else:
            out[at] = strategic_merge(out[at], item, field.message_type)
    return out


def _strip(value: Any) -> Any:
    """A patch value without directives, as stored."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if not k.startswith("$")}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


async def patched(request: web.Request, current: dict, descriptor: Descriptor) -> dict:
    """For subresources (scale): the current form with the request's patch applied."""
    kind = content_type(request)
    if kind == APPLY:
        raise RestError("UnsupportedMediaType", "server-side apply is not supported on this subresource")
    return apply_patch(kind, current, await request.read(), descriptor)


async def serve(request: web.Request, handlers, target: Target) -> web.StreamResponse:
    kind = content_type(request)
    if kind == APPLY:
        from controlplane.apiserver.rest import apply
        return await apply.serve(request, handlers, target)
    body = await request.read()
    validation = codec.field_validation(request.query.get("fieldValidation", ""))
    dry_run = bool(request.query.getall("dryRun", []))
    registry = handlers.registry
    namespace = target.namespace or "default"
    for attempt in range(_RETRIES):
        current = await registry.get(target.kind, namespace, target.name)
        original = codec.encode(current)
        result = apply_patch(kind, original, body, target.kind.message.DESCRIPTOR)
        data = codec.check_type(result, target.kind)
        obj, warnings = codec.decode(data, target.kind, validation)
        codec.place(obj, target)
        managers.record(request, target, original, data, obj)
        pinned = obj.metadata.resource_version and obj.metadata.resource_version != current.metadata.resource_version
        if not obj.metadata.resource_version:
            obj.metadata.resource_version = current.metadata.resource_version
        try:
            updated = await registry.update(obj, target.subresource, dry_run)
        except errors.Conflict:
            if pinned or attempt == _RETRIES - 1:
                raise
            continue  # changed between our read and write: patch the new version
        return handlers.respond(request, target, updated, 200, warnings)
    raise errors.Conflict("too many concurrent updates; try again")
