"""Server-side apply (`PATCH` with `application/apply-patch+yaml`, `kubectl apply --server-side`): create
or merge the configuration as its field manager, refusing to change other managers' fields unless forced.
"""
from __future__ import annotations

import yaml
from aiohttp import web
from google.protobuf.message import Message

from api import errors, meta
from controlplane.apiserver.rest import codec, fieldmanager, patch
from controlplane.apiserver.rest.paths import Target
from controlplane.apiserver.rest.status import RestError


def read_config(body: bytes, target: Target) -> dict:
    try:
        data = yaml.safe_load(body or b"")
    except yaml.YAMLError as e:
        raise RestError("BadRequest", f"the apply configuration is not valid YAML or JSON: {e}") from None
    data = codec.check_type(data, target.kind)
    name = (data.get("metadata") or {}).get("name")
    if name != target.name:
        raise RestError("BadRequest", f"the name of the object ({name}) does not match the name on the URL "
                                      f"({target.name})")
    return data


async def serve(request: web.Request, handlers, target: Target) -> web.StreamResponse:
    q = request.query
    manager = q.get("fieldManager", "")
    if not manager:
        raise RestError("BadRequest", "PATCH requests with apply content type must have a fieldManager "
                                      "(the fieldManager query parameter)")
    if target.subresource:
        raise RestError("UnsupportedMediaType", f"server-side apply is not supported on {target.resource}/"
                                                f"{target.subresource}")
    force = q.get("force", "").lower() == "true"
    validation = codec.field_validation(q.get("fieldValidation", ""))
    dry_run = bool(q.getall("dryRun", []))
    config = read_config(await request.read(), target)
    registry, kind, descriptor = handlers.registry, target.kind, target.kind.message.DESCRIPTOR
    namespace = target.namespace or "default"
    if not await _exists(registry, target):
        paths = fieldmanager.field_set(config, descriptor)
        data = codec.with_managed_fields(
            dict(config), [fieldmanager.entry(manager, "Apply", kind.api_version, meta.now_text(), paths)])
        obj, warnings = codec.decode(data, kind, validation)
        codec.place(obj, target)
        try:
            created = await registry.create(obj, dry_run)
            return handlers.respond(request, target, created, 201, warnings)
        except errors.AlreadyExists:
            pass  # created meanwhile: apply onto it
    warnings: list[str] = []

    def edit(live: Message) -> Message:
        current = codec.encode(live)
        entries = current.get("metadata", {}).get("managedFields", [])
        try:
            merged, entries = fieldmanager.apply(
                current, config, entries, manager, descriptor, force,
                lambda a, b: patch.strategic_merge(a, b, descriptor), kind.api_version, meta.now_text())
        except fieldmanager.ApplyConflict as e:
            causes = [{"reason": "FieldManagerConflict", "message": f"conflict with {m}",
                       "field": fieldmanager.path_text(p)} for m, p in e.conflicts]
            raise RestError("Conflict", str(e), causes) from None
        obj, found = codec.decode(codec.with_managed_fields(merged, entries), kind, validation)
        codec.place(obj, target)
        obj.metadata.resource_version = live.metadata.resource_version  # the configuration's is no precondition
        warnings[:] = found
        return obj

    updated = await registry.update_by(kind, namespace, target.name, edit, "", dry_run)
    return handlers.respond(request, target, updated, 200, warnings)


async def _exists(registry, target: Target) -> bool:
    try:
        await registry.get(target.kind, target.namespace or "default", target.name)
    except errors.NotFound:
        return False
    return True
