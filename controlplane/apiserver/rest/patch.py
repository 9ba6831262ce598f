"""PATCH: JSON patch, JSON merge patch and strategic merge patch (the pure functions in api/patch.py)
applied to the manifest form, then written by the registry's guaranteed-update loop, as the gRPC Patch is.
"""
from __future__ import annotations

from typing import Any

from aiohttp import web
from google.protobuf.descriptor import Descriptor
from google.protobuf.message import Message

from api import patch as patching
from api.patch import merge_patch
from controlplane.apiserver.rest import codec, managers, media
from controlplane.apiserver.rest.paths import Target
from controlplane.apiserver.rest.status import RestError

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"
TYPES = (JSON_PATCH, MERGE_PATCH, STRATEGIC, APPLY)


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
            return patching.json_patch(original, data)
        except patching.PatchError as e:
            raise RestError("Invalid", f"the JSON patch could not be applied: {e}",
                            [{"reason": "FieldValueInvalid", "message": f"Invalid value: {e}", "field": "patch"}]) from None
    if not isinstance(data, dict):
        raise RestError("BadRequest", "a merge patch must be a JSON object")
    if kind == MERGE_PATCH:
        return merge_patch(original, data)
    return strategic_merge(original, data, descriptor)


def strategic_merge(original: Any, patch: Any, descriptor: Descriptor | None) -> Any:
    """api.patch's strategic merge, its failures as the REST API's Invalid status."""
    try:
        return patching.strategic_merge(original, patch, descriptor)
    except patching.PatchError as e:
        raise RestError("Invalid", str(e)) from None


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
    warnings: list[str] = []

    def edit(current: Message) -> Message:
        original = codec.encode(current)
        data = codec.check_type(apply_patch(kind, original, body, target.kind.message.DESCRIPTOR), target.kind)
        obj, found = codec.decode(data, target.kind, validation)
        codec.place(obj, target)
        managers.record(request, target, original, data, obj)
        warnings[:] = found
        return obj

    updated = await handlers.registry.update_by(target.kind, target.namespace or "default", target.name, edit,
                                                target.subresource, dry_run)
    return handlers.respond(request, target, updated, 200, warnings)
