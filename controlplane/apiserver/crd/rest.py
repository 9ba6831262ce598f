"""The REST verbs on CustomResourceDefinitions and on the custom resources they define: get, list (Table rows
with the CRD's printer columns), watch, create, update, patch (merge, JSON, apply), delete, and the status
and scale subresources; discovery entries for every established CRD.
"""
from __future__ import annotations

import asyncio
import copy
import json
import logging
from datetime import datetime, timezone

import yaml
from aiohttp import web

from api import errors, meta
from api import patch as patching
from controlplane.apiserver.crd import definitions, objects, paging
from controlplane.apiserver.crd import schema as schemas
from controlplane.apiserver.crd.definitions import Resource
from controlplane.apiserver.crd.store import JsonStore, key, prefix
from controlplane.apiserver.rest import codec, deleteoptions, fieldmanager, k8sproto, media
from controlplane.apiserver.rest.paths import Target
from controlplane.apiserver.rest.status import RestError, from_error, success

log = logging.getLogger(__name__)

TABLE_TYPE = "application/json;as=Table;v=v1;g=meta.k8s.io"
MERGE, JSON_PATCH, APPLY, STRATEGIC = ("application/merge-patch+json", "application/json-patch+json",
                                       "application/apply-patch+yaml", "application/strategic-merge-patch+json")
CRD_RESOURCE = Resource(
    definitions.GROUP, definitions.VERSION, definitions.PLURAL, "customresourcedefinition", definitions.KIND,
    definitions.KIND + "List", False, ("crd", "crds"), ("api-extensions",), {},
    ({"name": "Created At", "type": "string", "jsonPath": ".metadata.creationTimestamp"},), (), True, None, "v1")
VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


def _json(body, status: int = 200, content_type: str = media.JSON, warnings=()) -> web.Response:
    response = web.Response(body=json.dumps(body, separators=(",", ":")).encode(), status=status,
                            headers={"Content-Type": content_type})
    for w in warnings:
        response.headers.add("Warning", '299 - "{}"'.format(w.replace("\\", "\\\\").replace('"', '\\"')))
    return response


def served(resource: Resource, obj: dict) -> dict:
    """The object in the version the URL asks for: with conversion strategy None only apiVersion differs."""
    return obj if obj.get("apiVersion") == resource.api_version else {**obj, "apiVersion": resource.api_version}


def stored(resource: Resource, obj: dict) -> dict:
    """The object as stored: in the CRD's storage version."""
    version = f"{resource.group}/{resource.storage_version}"
    return obj if obj.get("apiVersion") == version else {**obj, "apiVersion": version}


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _read_body(raw: bytes, content_type: str):
    data = k8sproto.body(content_type, raw, None)
    if data is None:
        codec.require_json(content_type)
        data = codec.parse_json(raw)
    if not isinstance(data, dict):
        raise RestError("BadRequest", "the request body must be a JSON object")
    if not isinstance(data.get("metadata", {}), dict):
        raise RestError("BadRequest", "the object cannot be handled: metadata must be an object, not "
                                      f"{type(data['metadata']).__name__}")
    return json.loads(json.dumps(data))  # plain dicts, whatever the parser kept for duplicate keys


class CustomResources:
    """Serves `/apis/apiextensions.k8s.io/v1/customresourcedefinitions` and every established CRD's resources."""

    def __init__(self, storage, builtin: set[tuple[str, str]], admission=None):
        self.store = JsonStore(storage)
        self.builtin = builtin  # (group, plural) of the built-in kinds: names a CRD may not take
        self.admission = admission  # the API server's chain (its ValidatingAdmissionPolicies); None: no policies

    # ------------------------------------------------------------ the CRDs

    async def crds(self) -> list[dict]:
        items, _ = await self.store.list(prefix(definitions.GROUP, definitions.PLURAL))
        return items

    async def resources(self) -> list[Resource]:
        return [r for crd in await self.crds() if definitions.established(crd) for r in definitions.resources_of(crd)]

    async def find(self, target: Target) -> Resource | None:
        if (target.group, target.version, target.resource) == (definitions.GROUP, definitions.VERSION,
                                                               definitions.PLURAL):
            return CRD_RESOURCE
        return next((r for r in await self.resources() if (r.group, r.version, r.plural) ==
                     (target.group, target.version, target.resource)), None)

    # ------------------------------------------------------------ dispatch

    async def serve(self, request: web.Request, target: Target) -> web.StreamResponse | None:
        """The response, or None when the URL names no CRD or custom resource."""
        resource = await self.find(target)
        if resource is None:
            return None
        sub, method, q = target.subresource, request.method, request.query
        if sub and not ((sub == "status" and resource.status) or (sub == "scale" and resource.scale is not None)):
            return None
        namespace = (target.namespace or "default") if resource.namespaced else ""
        if not resource.namespaced and target.namespace:
            return None
        try:
            if sub == "scale":
                return await self._scale(request, resource, namespace, target.name)
            if method == "GET" and q.get("watch", "").lower() in ("1", "true"):
                return await self._watch(request, resource, target.namespace if resource.namespaced else "",
                                         target.name)
            if method == "GET" and target.name:
                obj = await self._get(resource, namespace, target.name)
                return self._respond(request, resource, obj)
            if method == "GET":
                return await self._list(request, resource, target.namespace if resource.namespaced else "")
            if method == "POST" and not target.name and not sub:
                return await self._create(request, resource, namespace)
            if method == "PUT" and target.name:
                body = _read_body(await request.read(), request.headers.get("Content-Type", ""))
                return await self._update(request, resource, namespace, target.name, lambda old: body, sub)
            if method == "PATCH" and target.name:
                return await self._patch(request, resource, namespace, target.name, sub)
            if method == "DELETE" and target.name and not sub:
                return await self._delete(request, resource, namespace, target.name)
            if method == "DELETE" and not sub:
                return await self._delete_collection(request, resource, target.namespace)
            raise RestError("MethodNotAllowed", f"{method} is not supported on {request.path}")
        except (errors.ApiError, RestError) as e:
            return self._error(e, resource, target.name)

    def _error(self, e: Exception, resource: Resource, name: str) -> web.Response:
        details = {}
        name = name or getattr(e, "object_name", "")
        if name:
            # an Invalid names the Kind, except an admission policy's denial (the resource, as Kubernetes)
            kind = resource.kind if getattr(e, "reason", "") == "Invalid" and \
                not isinstance(e, errors.AdmissionInvalid) else resource.plural
            details = {"name": name, "group": resource.group, "kind": kind}
        if isinstance(e, errors.NotFound):
            e = errors.NotFound(f'{resource.qualified} "{name}" not found')
        elif isinstance(e, errors.AlreadyExists):
            e = errors.AlreadyExists(f'{resource.qualified} "{name}" already exists')
        code, body = from_error(e, details)
        return _json(body, code)

    def _respond(self, request, resource: Resource, obj: dict, status: int = 200, warnings=()) -> web.Response:
        obj = served(resource, obj)
        if media.wants_table(request.headers.get("Accept", "")):
            return _json(self._table(request, resource, [obj], obj["metadata"].get("resourceVersion", "")),
                         status, TABLE_TYPE, warnings)
        return _json(obj, status, warnings=warnings)

    def _table(self, request, resource: Resource, items: list[dict], rv: str, headers: bool = True) -> dict:
        include, now = request.query.get("includeObject", "Metadata"), _now()
        rows = []
        for obj in items:
            obj = served(resource, obj)
            row: dict = {"cells": objects.cells(obj, resource, now)}
            if include == "Object":
                row["object"] = obj
            elif include != "None":
                row["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                                 "metadata": obj.get("metadata", {})}
            rows.append(row)
        return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": rv} if rv else {},
                "columnDefinitions": objects.column_definitions(resource) if headers else [], "rows": rows}

    # ------------------------------------------------------------ reads

    def _key(self, resource: Resource, namespace: str, name: str) -> bytes:
        return key(resource.group, resource.plural, namespace if resource.namespaced else "", name)

    async def _get(self, resource: Resource, namespace: str, name: str) -> dict:
        return await self.store.get(self._key(resource, namespace, name))

    async def _list(self, request, resource: Resource, namespace: str) -> web.Response:
        q = request.query
        matches = objects.selector(resource, q.get("labelSelector", ""), q.get("fieldSelector", ""))
        options = paging.list_options(q)
        p = prefix(resource.group, resource.plural, namespace)
        try:
            items, revision, next_key = await self.store.list_page(
                p, options.limit, p + options.start.encode() if options.start else b"", options.revision, matches)
        except errors.Expired:
            if options.start:
                raise errors.Expired(paging.EXPIRED) from None
            raise
        items = [served(resource, i) for i in items]
        token = paging.encode_continue(revision, next_key[len(p):].decode()) if next_key else ""
        meta_ = {"resourceVersion": str(revision), **({"continue": token} if token else {})}
        if media.wants_table(request.headers.get("Accept", "")):
            table = self._table(request, resource, items, str(revision))
            table["metadata"] = meta_
            return _json(table, content_type=TABLE_TYPE)
        return _json({"apiVersion": resource.api_version, "kind": resource.list_kind, "metadata": meta_,
                      "items": items})

    async def _watch(self, request, resource: Resource, namespace: str, name: str) -> web.StreamResponse:
        q = request.query
        matches = objects.selector(resource, q.get("labelSelector", ""), q.get("fieldSelector", ""))
        if name:
            by_name = matches
            matches = lambda o: o["metadata"].get("name") == name and by_name(o)  # noqa: E731
        as_table = media.wants_table(request.headers.get("Accept", ""))
        try:
            timeout = float(q.get("timeoutSeconds") or 0) or None
        except ValueError:
            raise RestError("BadRequest", f'timeoutSeconds: invalid value "{q.get("timeoutSeconds")}"') from None
        p = prefix(resource.group, resource.plural, namespace)
        version = q.get("resourceVersion", "")
        initial: list[dict] = []
        if version in ("", "0") or q.get("sendInitialEvents", "").lower() == "true":
            initial, revision = await self.store.list(p)
            initial = [i for i in initial if matches(i)]
        else:
            try:
                revision = int(version)
            except ValueError:
                raise RestError("BadRequest", f'resourceVersion: invalid value "{version}"') from None
        response = web.StreamResponse(headers={"Content-Type": media.JSON, "Cache-Control": "no-cache"})
        await response.prepare(request)
        state = {"headers": True}

        async def send(kind: str, obj: dict) -> None:
            body = obj = served(resource, obj)
            if as_table:
                body = self._table(request, resource, [obj], obj["metadata"].get("resourceVersion", ""),
                                   state["headers"])
                state["headers"] = False
            await response.write(json.dumps({"type": kind, "object": body}, separators=(",", ":")).encode() + b"\n")

        async def stream() -> None:
            for obj in initial:
                await send("ADDED", obj)
            if q.get("sendInitialEvents", "").lower() == "true":
                await response.write(json.dumps({"type": "BOOKMARK", "object": {
                    "kind": resource.kind, "apiVersion": resource.api_version, "metadata": {
                        "resourceVersion": str(revision),
                        "annotations": {"k8s.io/initial-events-end": "true"}}}}).encode() + b"\n")
            async for kind, obj, prev in self.store.watch(p, revision):
                now_in, was_in = matches(obj), prev is not None and matches(prev)
                if kind == "MODIFIED" and was_in and not now_in:
                    await send("DELETED", obj)
                elif kind == "MODIFIED" and now_in and not was_in:
                    await send("ADDED", obj)
                elif now_in:
                    await send(kind, obj)
        try:
            await asyncio.wait_for(stream(), timeout)
        except asyncio.TimeoutError:
            pass
        except errors.Expired as e:
            await response.write(json.dumps({"type": "ERROR", "object": from_error(e)[1]}).encode() + b"\n")
        except ConnectionResetError:
            pass
        return response

    # ------------------------------------------------------------ writes

    async def _admit(self, request, resource: Resource, obj: dict, name: str = "", old: dict | None = None) -> list[str]:
        validation = codec.field_validation(request.query.get("fieldValidation", ""))
        if resource is CRD_RESOURCE:
            return await self._admit_crd(obj, validation)
        return objects.admit(obj, resource, validation, name, old)

    async def _admit_crd(self, crd: dict, validation: str) -> list[str]:
        if crd.get("apiVersion") != definitions.API_VERSION or crd.get("kind") != definitions.KIND:
            raise RestError("BadRequest", f"the body must be an {definitions.API_VERSION} {definitions.KIND}")
        unknown = schemas.unknown_fields(crd, definitions.SCHEMA)
        if unknown and validation == "Strict":
            listed = ", ".join(f'unknown field "{u}"' for u in unknown)
            raise RestError("BadRequest", f'{definitions.KIND} in version "v1" cannot be handled as a '
                                          f"{definitions.KIND}: strict decoding error: {listed}")
        causes = schemas.validate(crd, definitions.SCHEMA)  # the shape first: the checks below read it
        if causes:
            raise errors.Invalid.of(f'{definitions.KIND}.{definitions.GROUP} "{crd["metadata"].get("name", "")}"',
                                    causes)
        definitions.defaults(crd)
        causes = definitions.validate(crd)
        if causes:
            name = (crd.get("metadata") or {}).get("name", "")
            raise errors.Invalid.of(f'{definitions.KIND}.{definitions.GROUP} "{name}"', causes)
        return [f'unknown field "{u}"' for u in unknown] if validation == "Warn" else []

    async def _accept(self, crd: dict) -> dict:
        """The CRD with the status its controllers would give it: names accepted, Established."""
        problems = definitions.conflicts(crd, await self.crds(), self.builtin)
        crd = copy.deepcopy(crd)
        if definitions.established(crd) and not problems:
            # still established: the names as now written are accepted, the conditions keep their times
            status = crd["status"]
            stored = {v["name"] for v in crd["spec"]["versions"] if v.get("storage")}
            status["acceptedNames"] = dict(crd["spec"]["names"])
            status["storedVersions"] = sorted(set(status.get("storedVersions") or []) | stored)
            return crd
        crd["status"] = definitions.accepted_status(crd, problems, meta.now_text())
        return crd

    async def _create(self, request, resource: Resource, namespace: str) -> web.Response:
        body = _read_body(await request.read(), request.headers.get("Content-Type", ""))
        try:
            warnings = await self._admit(request, resource, body)
            return await self._store_new(request, resource, namespace, body, warnings)
        except (errors.ApiError, RestError) as e:
            e.object_name = (body.get("metadata") or {}).get("name", "")  # for the Status' details
            raise

    async def _store_new(self, request, resource, namespace, body, warnings) -> web.Response:
        obj = objects.prepare_create(body, resource, namespace, meta.now_text())
        if resource.namespaced:
            await self._require_namespace(namespace)
        if self.admission is not None:
            await self.admission.validate_custom("create", resource, obj, None,
                                                 dry_run=codec.dry_run(request.query))
        if resource is CRD_RESOURCE:
            obj = await self._accept(obj)
        if codec.dry_run(request.query):
            return self._respond(request, resource, obj, 201, warnings)
        try:
            created = await self.store.create(self._key(resource, namespace, obj["metadata"]["name"]),
                                              stored(resource, obj))
        except errors.AlreadyExists:
            raise errors.AlreadyExists(f'{resource.qualified} "{obj["metadata"]["name"]}" already exists') from None
        return self._respond(request, resource, created, 201, warnings)

    async def _require_namespace(self, namespace: str) -> None:
        """The namespace exists and is not being removed (Kubernetes' NamespaceLifecycle admission)."""
        from api import kinds
        try:
            kv = await self.store.storage.get(f"/registry/namespaces/{namespace}".encode())
        except errors.NotFound:
            raise errors.NotFound(f'namespaces "{namespace}" not found') from None
        if kinds.BY_NAME["Namespace"].message.FromString(kv.value).metadata.deletion_timestamp:
            raise errors.Forbidden(f"unable to create new content in namespace {namespace} because it is being "
                                   f"terminated")

    async def _update(self, request, resource: Resource, namespace: str, name: str, edit, sub: str = "",
                      create_missing=None) -> web.Response:
        """Read, edit, check and write, again on a lost race when the edit names no resourceVersion."""
        k = self._key(resource, namespace, name)
        for _ in range(10):
            try:
                old = served(resource, await self.store.get(k))
            except errors.NotFound:
                if create_missing is None:
                    raise
                return await create_missing()
            wanted = edit(copy.deepcopy(old))
            if not isinstance(wanted, dict) or not isinstance(wanted.get("metadata", {}), dict):
                raise RestError("BadRequest", "the object cannot be handled: it and its metadata must be objects")
            if (wanted.get("metadata") or {}).get("name", name) != name:
                raise RestError("BadRequest", f'the name of the object ({wanted["metadata"]["name"]}) does not '
                                              f"match the name on the URL ({name})")
            wanted.setdefault("metadata", {})["name"] = name
            warnings = await self._admit(request, resource, wanted, name, old)
            new = objects.prepare_update(wanted, old, resource, sub)
            if sub == "status" and resource is not CRD_RESOURCE:
                objects.admit(new, resource, "Ignore", name)
            if resource is CRD_RESOURCE:
                changes = definitions.update_errors(new, old)
                if changes:
                    raise errors.Invalid.of(f'{definitions.KIND}.{definitions.GROUP} "{name}"', changes)
                new = await self._accept(new)
            if self.admission is not None and new != old:
                await self.admission.validate_custom("update", resource, new, old, sub,
                                                     dry_run=codec.dry_run(request.query))
            if codec.dry_run(request.query) or new == old:
                return self._respond(request, resource, old if new == old else new, 200, warnings)
            rv = int(old["metadata"]["resourceVersion"])
            try:
                if objects.finished(new):
                    await self.store.delete(k, rv)
                    return self._respond(request, resource, new, 200, warnings)
                updated = await self.store.update(k, stored(resource, new), rv)
            except errors.Conflict:
                if (wanted.get("metadata") or {}).get("resourceVersion"):
                    raise errors.Conflict(f'Operation cannot be fulfilled on {resource.qualified} "{name}": the '
                                          f"object has been modified; please apply your changes to the latest "
                                          f"version and try again") from None
                continue
            return self._respond(request, resource, updated, 200, warnings)
        raise errors.Conflict(f'Operation cannot be fulfilled on {resource.qualified} "{name}": too many '
                              f"concurrent writers")

    async def _patch(self, request, resource: Resource, namespace: str, name: str, sub: str) -> web.Response:
        content_type = media.base_type(request.headers.get("Content-Type", ""))
        raw = await request.read()
        if content_type == APPLY:
            return await self._apply(request, resource, namespace, name, raw)
        if content_type == STRATEGIC:
            raise RestError("UnsupportedMediaType", f"the body of the request was in an unknown format - accepted "
                                                    f"media types include: {JSON_PATCH}, {MERGE}, {APPLY}")
        if content_type not in (MERGE, JSON_PATCH):
            raise RestError("UnsupportedMediaType", f"the body of the request was in an unknown format "
                                                    f"({content_type}) - accepted media types include: "
                                                    f"{JSON_PATCH}, {MERGE}, {APPLY}")
        body = codec.parse_json(raw, "the patch")
        body = json.loads(json.dumps(body))

        def edit(old: dict) -> dict:
            try:
                if content_type == MERGE:
                    if not isinstance(body, dict):
                        raise RestError("BadRequest", "a merge patch must be a JSON object")
                    return patching.merge_patch(old, body)
                return patching.json_patch(old, body)
            except patching.PatchError as e:
                raise RestError("BadRequest", str(e)) from None
        return await self._update(request, resource, namespace, name, edit, sub)

    async def _apply(self, request, resource: Resource, namespace: str, name: str, raw: bytes) -> web.Response:
        """Server-side apply: the configuration merged onto the live object as its field manager's (maps merge,
        lists are atomic), refusing to change another manager's fields unless forced."""
        manager = request.query.get("fieldManager", "")
        if not manager:
            raise RestError("BadRequest", "PATCH requests with apply content type must have a fieldManager "
                                          "(the fieldManager query parameter)")
        force = request.query.get("force", "").lower() == "true"
        try:
            config = yaml.safe_load(raw or b"")
        except yaml.YAMLError as e:
            raise RestError("BadRequest", f"the apply configuration is not valid YAML or JSON: {e}") from None
        if not isinstance(config, dict):
            raise RestError("BadRequest", "the apply configuration must be an object")
        config = json.loads(json.dumps(config, default=str))
        if not isinstance(config.get("metadata", {}), dict):
            raise RestError("BadRequest", "the apply configuration cannot be handled: metadata must be an object")
        if (config.get("metadata") or {}).get("name") != name:
            raise RestError("BadRequest", f"the name of the object ({(config.get('metadata') or {}).get('name')}) "
                                          f"does not match the name on the URL ({name})")

        async def create() -> web.Response:
            body = copy.deepcopy(config)
            warnings = await self._admit(request, resource, body)
            body["metadata"]["managedFields"] = [fieldmanager.entry(
                manager, "Apply", resource.api_version, meta.now_text(), fieldmanager.field_set(config, None))]
            return await self._store_new(request, resource, namespace, body, warnings)

        def edit(old: dict) -> dict:
            entries = old["metadata"].get("managedFields") or []
            try:
                merged, entries = fieldmanager.apply(old, config, entries, manager, None, force, _deep_merge,
                                                     resource.api_version, meta.now_text())
            except fieldmanager.ApplyConflict as e:
                causes = [{"reason": "FieldManagerConflict", "message": f"conflict with {m}",
                           "field": fieldmanager.path_text(p)} for m, p in e.conflicts]
                raise RestError("Conflict", str(e), causes) from None
            merged["metadata"]["managedFields"] = entries
            merged["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]  # no precondition
            return merged
        return await self._update(request, resource, namespace, name, edit, "", create)

    async def _delete(self, request, resource: Resource, namespace: str, name: str) -> web.Response:
        k = self._key(resource, namespace, name)
        options = await deleteoptions.read(request)
        for _ in range(10):
            old = await self.store.get(k)
            unmet = objects.unmet_precondition(old, options["precondition_uid"], options["precondition_rv"])
            if unmet:
                raise errors.Conflict(unmet)
            if self.admission is not None:
                await self.admission.validate_custom("delete", resource, None, old,
                                                     dry_run=codec.dry_run(request.query))
            if codec.dry_run(request.query):
                return self._respond(request, resource, old)
            rv = int(old["metadata"]["resourceVersion"])
            # Foreground and Orphan are carried out by the controller manager's garbage collector, through
            # finalizers; Background (the default) leaves the dependents to it once the object is gone.
            held = objects.with_propagation(old, options["propagation"]) if resource is not CRD_RESOURCE else old
            try:
                if held["metadata"].get("finalizers"):
                    marked = objects.stamp(held, meta.now_text())
                    updated = old if marked == old else await self.store.update(k, marked, rv)
                    return self._respond(request, resource, updated, 202)
                if resource is CRD_RESOURCE:
                    await self._remove_instances(old)
                await self.store.delete(k, rv)
            except errors.Conflict:
                continue
            return _json(success({"name": name, "group": resource.group, "kind": resource.plural,
                                  "uid": old["metadata"].get("uid", "")}))
        raise errors.Conflict(f'Operation cannot be fulfilled on {resource.qualified} "{name}": too many '
                              f"concurrent writers")

    async def _remove_instances(self, crd: dict) -> None:
        """Deleting a CRD deletes its custom resources (Kubernetes' customresourcecleanup finalizer)."""
        spec = crd.get("spec") or {}
        plural = ((crd.get("status") or {}).get("acceptedNames") or {}).get("plural") or spec["names"]["plural"]
        items, _ = await self.store.list(prefix(spec["group"], plural))
        keys = [key(spec["group"], plural, i["metadata"].get("namespace", ""), i["metadata"]["name"]) for i in items]
        await self.store.delete_all(keys)

    async def remove_namespace_contents(self, namespace: str) -> None:
        """The custom resources of a namespace that is gone (the namespace controller sees built-in kinds only)."""
        for r in await self.resources():
            if r.namespaced and r.version == r.storage_version:
                items, _ = await self.store.list(prefix(r.group, r.plural, namespace))
                await self.store.delete_all([key(r.group, r.plural, namespace, i["metadata"]["name"]) for i in items])

    async def clean_up_namespaces(self, registry) -> None:
        """Runs while the server does: when a namespace is removed, its custom resources go with it; at the
        start, those of namespaces removed while no server ran."""
        from api import kinds
        namespace_kind = kinds.BY_NAME["Namespace"]
        cache, watcher = await registry.watch(namespace_kind)
        try:
            live = {n.metadata.name for n in (await registry.list(namespace_kind))[0]}
            for r in await self.resources():
                if r.namespaced and r.version == r.storage_version:
                    items, _ = await self.store.list(prefix(r.group, r.plural))
                    for ns in {i["metadata"].get("namespace", "") for i in items} - live:
                        await self.remove_namespace_contents(ns)
            while True:
                event = await watcher.next_event()
                if event.type == "DELETED":
                    try:
                        await self.remove_namespace_contents(event.obj.metadata.name)
                    except errors.ApiError as e:
                        log.warning("custom resources of namespace %s not removed: %s", event.obj.metadata.name, e)
        finally:
            cache.unwatch(watcher)

    async def _delete_collection(self, request, resource: Resource, namespace: str) -> web.Response:
        q = request.query
        matches = objects.selector(resource, q.get("labelSelector", ""), q.get("fieldSelector", ""))
        items, revision = await self.store.list(prefix(resource.group, resource.plural, namespace))
        gone = []
        for item in items:
            if not matches(item):
                continue
            m = item["metadata"]
            try:
                await self._delete(request, resource, m.get("namespace", ""), m["name"])
            except errors.NotFound:
                continue
            gone.append(item)
        return _json({"apiVersion": resource.api_version, "kind": resource.list_kind,
                      "metadata": {"resourceVersion": str(revision)}, "items": gone})

    # ------------------------------------------------------------ scale

    async def _scale(self, request, resource: Resource, namespace: str, name: str) -> web.Response:
        spec_path = resource.scale["specReplicasPath"]
        status_path = resource.scale["statusReplicasPath"]
        selector_path = resource.scale.get("labelSelectorPath")

        def scale_of(obj: dict) -> dict:
            m = obj["metadata"]
            status = {"replicas": objects.field(obj, status_path) or 0}
            if selector_path and objects.field(obj, selector_path):
                status["selector"] = objects.field(obj, selector_path)
            return {"kind": "Scale", "apiVersion": "autoscaling/v1",
                    "metadata": {k: m[k] for k in ("name", "namespace", "uid", "resourceVersion",
                                                   "creationTimestamp") if k in m},
                    "spec": {"replicas": objects.field(obj, spec_path) or 0}, "status": status}
        if request.method == "GET":
            return _json(scale_of(await self._get(resource, namespace, name)))
        if request.method not in ("PUT", "PATCH"):
            raise RestError("MethodNotAllowed", f"{request.method} is not supported on {resource.plural}/scale")
        raw = await request.read()
        content_type = media.base_type(request.headers.get("Content-Type", ""))
        body = json.loads(json.dumps(codec.parse_json(raw)))
        old = await self._get(resource, namespace, name)
        current = scale_of(old)
        if request.method == "PATCH":
            scale = patching.json_patch(current, body) if content_type == JSON_PATCH else \
                patching.merge_patch(current, body)
        else:
            scale = body
        replicas = (scale.get("spec") or {}).get("replicas")
        if not isinstance(replicas, int) or replicas < 0:
            raise errors.Invalid.of(f'Scale.autoscaling "{name}"',
                                    [f"spec.replicas: Invalid value: {json.dumps(replicas)}: must be greater than or "
                                     f"equal to 0"])

        def edit(obj: dict) -> dict:
            target = obj
            steps = spec_path.lstrip(".").split(".")
            for step in steps[:-1]:
                target = target.setdefault(step, {})
            target[steps[-1]] = replicas
            return obj
        updated = await self._update(request, resource, namespace, name, edit)
        return _json(scale_of(json.loads(updated.body)))


def _deep_merge(live, config):
    if not isinstance(live, dict) or not isinstance(config, dict):
        return copy.deepcopy(config)
    out = dict(live)
    for k, v in config.items():
        out[k] = _deep_merge(live.get(k), v)
    return out


# ---------------------------------------------------------------- discovery

def resource_list_entries(resources: list[Resource], gv: str) -> list[dict]:
    out = []
    for r in resources:
        if r.api_version != gv:
            continue
        entry = {"name": r.plural, "singularName": r.singular, "namespaced": r.namespaced, "kind": r.kind,
                 "verbs": VERBS}
        if r.short_names:
            entry["shortNames"] = list(r.short_names)
        if r.categories:
            entry["categories"] = list(r.categories)
        out.append(entry)
        for sub in _subs(r):
            out.append({"name": f"{r.plural}/{sub}", "singularName": "", "namespaced": r.namespaced,
                        "kind": "Scale" if sub == "scale" else r.kind, "verbs": ["get", "patch", "update"],
                        **({"group": "autoscaling", "version": "v1"} if sub == "scale" else {})})
    return out


def _subs(r: Resource) -> list[str]:
    return (["status"] if r.status else []) + (["scale"] if r.scale is not None else [])


def aggregated_entry(r: Resource) -> dict:
    entry = {"resource": r.plural, "responseKind": {"group": r.group, "version": r.version, "kind": r.kind},
             "scope": "Namespaced" if r.namespaced else "Cluster", "singularResource": r.singular, "verbs": VERBS}
    if r.short_names:
        entry["shortNames"] = list(r.short_names)
    if r.categories:
        entry["categories"] = list(r.categories)
    subs = [{"subresource": s, "responseKind": {"group": "autoscaling", "version": "v1", "kind": "Scale"}
             if s == "scale" else {"group": r.group, "version": r.version, "kind": r.kind},
             "verbs": ["get", "patch", "update"]} for s in _subs(r)]
    if subs:
        entry["subresources"] = subs
    return entry


def group_versions(resources: list[Resource]) -> dict[str, list[str]]:
    """group -> its served versions, the storage version first (the preferred one)."""
    out: dict[str, list[str]] = {}
    for r in resources:
        versions = out.setdefault(r.group, [])
        if r.version not in versions:
            versions.insert(0, r.version) if r.version == r.storage_version else versions.append(r.version)
    return out
