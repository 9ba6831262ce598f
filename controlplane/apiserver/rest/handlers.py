"""The REST verbs on every kind: get, list, create, update, delete, deletecollection, and the status, scale,
binding, eviction and ephemeralcontainers subresources, each a thin translation onto the same Registry the gRPC
API uses.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

from aiohttp import web
from google.protobuf.message import Message

from api import errors, kinds, manifest
from controlplane.apiserver import eviction, resources, tokens
from controlplane.apiserver.auth.request import current_user, response_warnings
from controlplane.apiserver.crd import openapi as custom_openapi
from controlplane.apiserver.crd import own_schema
from controlplane.apiserver.crd import rest as custom_rest
from controlplane.apiserver.crd.rest import CustomResources
from controlplane.apiserver.registry import Registry
from controlplane.apiserver.rest import codec, deleteoptions, discovery, health, k8sproto, managers, media, openapi, patch, paths, streams, table
from controlplane.apiserver.rest import served as served_api
from controlplane.apiserver.rest.status import RestError, from_error, success
from controlplane.apiserver.rest.watch import serve_watch
from proto import api_pb2, types_pb2

log = logging.getLogger(__name__)

TABLE_TYPE = "application/json;as=Table;v=v1;g=meta.k8s.io"


def json_response(body: dict | bytes, status: int = 200, content_type: str = media.JSON,
                  warnings: list[str] = ()) -> web.Response:
    data = body if isinstance(body, bytes) else json.dumps(body, separators=(",", ":")).encode()
    response = web.Response(body=data, status=status, headers={"Content-Type": content_type})
    for w in warnings:
        # warn-text is an HTTP quoted-string: a quote or backslash inside it must be escaped, else kubectl
        # drops the whole warning (PodSecurity's 'would violate PodSecurity "restricted:latest"' among them).
        text = w.replace("\\", "\\\\").replace('"', '\\"')
        response.headers.add("Warning", f'299 - "{text}"')
    return response


def error_response(error: Exception, target: paths.Target | None = None, name: str = "") -> web.Response:
    details = {}
    if target is not None and target.kind is not None and (name or target.name):
        # An Invalid status names the Kind ("The Pod "web" is invalid"), the others the resource, as Kubernetes.
        kind = target.kind.name if getattr(error, "reason", "") == "Invalid" and \
            not isinstance(error, errors.AdmissionInvalid) else target.resource
        details = {"name": name or target.name, "group": target.group, "kind": kind}
    code, body = from_error(error, details)
    if code == 500 and not isinstance(error, errors.ApiError):
        log.exception("REST request failed", exc_info=error)
    return json_response(body, code)


def _flag(query, name: str) -> bool:
    return query.get(name, "").lower() in ("1", "true")


class Handlers:
    """One instance per server: the registry, the agent proxy (logs, exec) and the version to report."""

    def __init__(self, registry: Registry, proxy, skiff_version: str, metrics=None, authorizer=None,
                 security=None):
        self.registry = registry
        self.security = security  # the ServiceAccount token signing key and issuer (serviceaccounts/token)
        self.proxy = proxy
        self.skiff_version = skiff_version
        self.metrics = metrics  # the MetricsStore behind metrics.k8s.io, when served
        self.authorizer = authorizer  # the API server's (RBAC, Node); None: every authenticated caller may
        builtin = {(k.api_version.rpartition("/")[0], k.plural) for k in kinds.KINDS}
        self.custom = CustomResources(registry.storage, builtin, registry.admission)

    def authorize_review(self, request: web.Request, spec: dict) -> tuple[bool, str]:
        """(allowed, reason) for a SelfSubjectAccessReview: the caller's own question to the authorizer."""
        if self.authorizer is None:
            return True, "no authorization is configured: every authenticated request is allowed"
        from controlplane.apiserver.auth.attributes import Attributes
        res, non = spec.get("resourceAttributes") or {}, spec.get("nonResourceAttributes") or {}
        if res:
            attrs = Attributes(res.get("verb", ""), res.get("group", ""), res.get("resource", ""),
                               res.get("subresource", ""), res.get("namespace", ""), res.get("name", ""))
        else:
            attrs = Attributes(non.get("verb", ""), path=non.get("path", ""))
        decision = self.authorizer.authorize(current_user.get(), attrs)
        return decision.allowed, decision.reason

    def rules_for(self, user, namespace: str) -> list:
        """The RBAC rules bound to `user` in `namespace` and cluster-wide (SelfSubjectRulesReview)."""
        from controlplane.apiserver.rest.self_reviews import EVERYTHING
        if self.authorizer is None:
            return [EVERYTHING]
        return [rule for rules in self.authorizer.index().rules_for(user, namespace) for rule in rules]

    # ------------------------------------------------------------ discovery and OpenAPI

    async def version(self, request: web.Request) -> web.Response:
        return json_response(discovery.version_info(self.skiff_version))

    async def healthz(self, request: web.Request) -> web.Response:
        """`/healthz`, `/livez`, `/readyz` and `/<endpoint>/<check>` (rest/health.py)."""
        endpoint, _, single = request.path.strip("/").partition("/")
        named = health.checks(endpoint, self.registry.storage)
        if single:
            if single not in named:
                return _not_found()
            (_, ok), = await health.run({single: named[single]})
            return web.Response(text="ok" if ok else "internal server error", status=200 if ok else 500)
        results = await health.run(named, set(request.query.getall("exclude", [])))
        status, text = health.report(endpoint, results, "verbose" in request.query)
        return web.Response(text=text, status=status)

    async def openapi_v2(self, request: web.Request) -> web.Response:
        if "protobuf" in request.headers.get("Accept", ""):
            return web.Response(body=openapi.v2_protobuf(), headers={"Content-Type": openapi.V2_PROTOBUF})
        return json_response(openapi.v2())

    async def openapi_v3(self, request: web.Request) -> web.Response:
        key = request.match_info.get("gv", "")
        builtin = key in openapi.v3_documents()
        custom = {} if builtin else {**own_schema.documents(),
                                     **custom_openapi.documents(await self.custom.resources())}
        if not key:
            if not custom:
                return json_response(openapi.v3_root())
            root = json.loads(openapi.v3_root())
            root["paths"].update(custom_openapi.root_entries(custom))
            return json_response(root)
        doc = openapi.v3_documents().get(key) or custom.get(key)
        if doc is None:
            return error_response(RestError("NotFound", f"no OpenAPI document for {key}"))
        return json_response(doc)

    async def _discovery(self, request: web.Request) -> web.Response:
        parts = [p for p in request.path.split("/") if p]
        wanted = media.aggregated_discovery(request.headers.get("Accept", ""))
        custom = [] if parts[0] == "api" else [custom_rest.CRD_RESOURCE, *await self.custom.resources()]
        if len(parts) == 1 and wanted:
            body = discovery.aggregated(parts[0] == "api", f"apidiscovery.k8s.io/{wanted}", custom)
            kind = discovery.AGGREGATED_V2 if wanted == "v2" else discovery.AGGREGATED_V2BETA1
            return json_response(body, content_type=kind)
        if parts == ["api"]:
            return json_response(discovery.api_versions())
        if parts == ["apis"]:
            return json_response(discovery.api_group_list(custom))
        body = None
        if parts[0] == "api" and len(parts) == 2:
            body = discovery.api_resource_list(parts[1])
        elif parts[0] == "apis" and len(parts) == 2:
            body = discovery.api_group(parts[1], custom)
        elif parts[0] == "apis" and len(parts) == 3:
            body = discovery.api_resource_list(f"{parts[1]}/{parts[2]}", custom)
        if body is None:
            return _not_found()
        return json_response(body)

    # ------------------------------------------------------------ resources

    async def resources(self, request: web.Request) -> web.StreamResponse:
        try:
            target = paths.parse(request.path)
        except paths.BadPath:
            return _not_found()
        if target is None:
            return await self._discovery(request)
        try:
            if target.kind is None:
                served = paths.extra(target.group_version, target.resource)
                if served is None:
                    response = await self.custom.serve(request, target)
                    return _not_found() if response is None else response
                if target.subresource:
                    return _not_found()
                return json_response(await served_api.serve(request, self, target, served),
                                     201 if request.method == "POST" else 200)
            return await self._dispatch(request, target)
        except (errors.ApiError, RestError) as e:
            return error_response(e, target)
        except web.HTTPRequestEntityTooLarge as e:
            return error_response(RestError("RequestEntityTooLarge", f"request entity too large: {e.text}"))

    async def _dispatch(self, request: web.Request, target: paths.Target) -> web.StreamResponse:
        method, sub = request.method, target.subresource
        if sub and sub not in paths.subresources(target.kind):
            return _not_found()
        if sub in ("log", "exec", "attach", "portforward"):
            return await streams.serve(request, self, target)
        if sub == "scale":
            return await self._scale(request, target)
        if sub == "token":
            if method != "POST":
                raise RestError("MethodNotAllowed", f"{method} is not supported on {target.resource}/{sub}")
            return await self._token(request, target)
        if sub in ("binding", "eviction"):
            if method != "POST":
                raise RestError("MethodNotAllowed", f"{method} is not supported on {target.resource}/{sub}")
            return await (self._bind(request, target) if sub == "binding" else self._evict(request, target))
        if method == "GET" and (not target.name or _flag(request.query, "watch")):
            if _flag(request.query, "watch"):
                return await serve_watch(request, self.registry, target)
            return await self._list(request, target)
        if method == "GET":
            return await self._get(request, target)
        if method == "POST" and not target.name:
            return await self._create(request, target)
        if method == "PUT" and target.name:
            return await self._update(request, target)
        if method == "PATCH" and target.name:
            return await patch.serve(request, self, target)
        if method == "DELETE" and target.name:
            return await self._delete(request, target)
        if method == "DELETE":
            return await self._delete_collection(request, target)
        raise RestError("MethodNotAllowed", f"{method} is not supported on {request.path}")

    def respond(self, request: web.Request, target: paths.Target, obj: Message, status: int = 200,
                warnings: list[str] = ()) -> web.Response:
        """An object as JSON, or as a one-row Table when asked; with the body's warnings and admission's."""
        warnings = list(dict.fromkeys([*warnings, *response_warnings.get([])]))
        if media.wants_table(request.headers.get("Accept", "")):
            body = table.table(target.kind, [obj], _now(), request.query.get("includeObject", "Metadata"),
                               obj.metadata.resource_version)
            return json_response(body, status, TABLE_TYPE, warnings)
        if "dryRun" in request.query:  # not what is stored under this resourceVersion: never cached
            return json_response(codec.encode(obj), status, warnings=warnings)
        return json_response(codec.encode_bytes(obj), status, warnings=warnings)

    async def _get(self, request, target):
        obj = await self.registry.get(target.kind, target.namespace or "default", target.name,
                                      request.query.get("resourceVersion", ""))
        return self.respond(request, target, obj)

    async def _list(self, request, target):
        q = request.query
        items, revision, token = await self.list_pages(target, q, deleteoptions.int_param(q, "limit") or 0, q.get("continue", ""))
        if media.wants_table(request.headers.get("Accept", "")):
            body = table.table(target.kind, items, _now(), q.get("includeObject", "Metadata"), str(revision), token)
            return json_response(body, content_type=TABLE_TYPE)
        return json_response(codec.list_bytes(target.kind, items, str(revision), token))

    async def list_pages(self, target, q, limit: int = 0, token: str = "") -> tuple[list[Message], int, str]:
        """One page of `limit`, or without a limit every item: the registry pages by size, Kubernetes not."""
        items, revision, token = await self.registry.list(
            target.kind, target.namespace, q.get("labelSelector", ""), q.get("fieldSelector", ""), limit, token)
        while token and not limit:
            more, _, token = await self.registry.list(
                target.kind, target.namespace, q.get("labelSelector", ""), q.get("fieldSelector", ""), 0, token)
            items += more
        return items, revision, token

    async def read_object(self, request, target) -> tuple[Message, list[str], dict]:
        """The body as an object of the URL's kind, placed in the URL's namespace (and name, if any);
        with the warnings to send back and the body's JSON form."""
        validation = codec.field_validation(request.query.get("fieldValidation", ""))
        raw = await request.read()
        data = k8sproto.body(request.headers.get("Content-Type", ""), raw, None)
        if data is None:
            codec.require_json(request.headers.get("Content-Type", ""))
            data = codec.parse_json(raw)
        data = codec.check_type(data, target.kind)
        obj, warnings = codec.decode(data, target.kind, validation)
        codec.place(obj, target)
        return obj, warnings, data

    async def _create(self, request, target):
        obj, warnings, data = await self.read_object(request, target)
        managers.record(request, target, None, data, obj)
        try:
            created = await self.registry.create(obj, codec.dry_run(request.query))
        except errors.Invalid as e:
            if e.reason != "Invalid":
                raise
            return error_response(e, target, obj.metadata.name)  # the name is the body's: the URL has none
        return self.respond(request, target, created, 201, warnings)

    async def _update(self, request, target):
        obj, warnings, data = await self.read_object(request, target)
        if target.subresource not in ("", "status", *resources.for_kind(target.kind).partial_updates):
            return _not_found()
        if not target.subresource:
            live = await self.registry.get(target.kind, obj.metadata.namespace, obj.metadata.name)
            managers.record(request, target, codec.encode(live), data, obj)
        updated = await self.registry.update(obj, target.subresource, codec.dry_run(request.query))
        return self.respond(request, target, updated, 200, warnings)

    # ------------------------------------------------------------ delete

    async def _delete(self, request, target):
        options = await deleteoptions.read(request)
        obj, deleted = await self.registry.delete(target.kind, target.namespace or "default", target.name,
                                                  **options, dry_run=codec.dry_run(request.query))
        if deleted and target.kind.name != "Pod":
            return json_response(success({"name": target.name, "group": target.group, "kind": target.resource,
                                          "uid": obj.metadata.uid}))
        return self.respond(request, target, obj, 200 if deleted else 202)

    async def _delete_collection(self, request, target):
        options = await deleteoptions.read(request)
        options["dry_run"] = codec.dry_run(request.query)
        q = request.query
        items, revision, _ = await self.list_pages(target, q)
        for item in items:
            try:
                await self.registry.delete(target.kind, item.metadata.namespace, item.metadata.name, **options)
            except errors.NotFound:
                pass  # deleted meanwhile: that is what was asked
        return json_response(codec.list_bytes(target.kind, items, str(revision)))

    # ------------------------------------------------------------ subresources

    async def _scale(self, request, target):
        kind, namespace = target.kind, target.namespace or "default"
        if request.method == "GET":
            return json_response(codec.encode(await self.registry.get_scale(kind, namespace, target.name)))
        if request.method == "PUT":
            scale = self.read_scale(codec.parse_json(await request.read()), target)
        elif request.method == "PATCH":
            current = codec.encode(await self.registry.get_scale(kind, namespace, target.name))
            scale = self.read_scale(await patch.patched(request, current, types_pb2.Scale.DESCRIPTOR), target)
        else:
            raise RestError("MethodNotAllowed", f"{request.method} is not supported on {target.resource}/scale")
        return json_response(codec.encode(await self.registry.update_scale(kind, scale)))

    @staticmethod
    def read_scale(data, target) -> types_pb2.Scale:
        data = dict(data) if isinstance(data, dict) else data
        if not isinstance(data, dict) or data.get("kind", "Scale") != "Scale":
            raise RestError("BadRequest", "the body must be an autoscaling/v1 Scale")
        data.pop("apiVersion", None)
        data.pop("kind", None)
        data.get("metadata", {}).pop("creationTimestamp", None)
        try:
            scale = manifest.message_from_dict(types_pb2.Scale, data)
        except manifest.ManifestError as e:
            raise RestError("BadRequest", f"Scale cannot be handled: {e}") from None
        scale.metadata.name = target.name
        scale.metadata.namespace = target.namespace or "default"
        return scale

    async def _bind(self, request, target):
        data = codec.parse_json(await request.read())
        if not isinstance(data, dict) or data.get("kind", "Binding") != "Binding":
            raise RestError("BadRequest", "the body must be a v1 Binding")
        data = {k: v for k, v in data.items() if k not in ("apiVersion", "kind")}
        try:
            binding = manifest.message_from_dict(types_pb2.Binding, data)
        except manifest.ManifestError as e:
            raise RestError("BadRequest", f"Binding cannot be handled: {e}") from None
        binding.metadata.name = binding.metadata.name or target.name
        binding.metadata.namespace = target.namespace or "default"
        await self.registry.bind(binding)
        return json_response(success({}), 201)

    async def _token(self, request, target):
        """authentication.k8s.io/v1 TokenRequest, as `kubectl create token` posts it: the gRPC API's CreateToken."""
        raw = await request.read()
        data = k8sproto.body(request.headers.get("Content-Type", ""), raw, k8sproto.token_request)
        data = data if data is not None else codec.parse_json(raw)
        if not isinstance(data, dict) or data.get("kind", "TokenRequest") != "TokenRequest":
            raise RestError("BadRequest", "the body must be an authentication.k8s.io/v1 TokenRequest")
        spec = data.get("spec") or {}
        expiration = spec.get("expirationSeconds") or 3600  # Kubernetes' default: an hour
        problem = token_duration_problem(expiration)
        if problem:
            raise RestError("Invalid", f'TokenRequest.authentication.k8s.io "{target.name}" is invalid: '
                                       f'spec.expirationSeconds: Invalid value: {expiration}: {problem}',
                            [{"reason": "FieldValueInvalid", "message": f"Invalid value: {expiration}: {problem}",
                              "field": "spec.expirationSeconds"}])
        ref = spec.get("boundObjectRef") or {}
        asked = api_pb2.TokenRequest(
            namespace=target.namespace or "default", name=target.name, audiences=spec.get("audiences") or [],
            expiration_seconds=expiration,
            bound_object_ref=api_pb2.BoundObjectReference(**{k: str(ref.get(j, "")) for k, j in (
                ("kind", "kind"), ("api_version", "apiVersion"), ("name", "name"), ("uid", "uid"))}))
        if self.security is None:
            raise RestError("ServiceUnavailable", "this API server signs no ServiceAccount tokens")
        user = current_user.get()
        answer = await tokens.create_token(self.registry, self.security, asked, user.node_name if user else "")
        out = {"kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
               "metadata": {"name": target.name, "namespace": asked.namespace, "creationTimestamp": None},
               "spec": {"audiences": list(asked.audiences) or list(self.security.api_audiences),
                        "expirationSeconds": expiration, "boundObjectRef": ref or None},
               "status": {"token": answer.token, "expirationTimestamp": answer.expiration_timestamp}}
        return json_response(out, 201)

    async def _evict(self, request, target):
        """policy/v1 Eviction, as `kubectl drain` posts it: the registry's eviction (controlplane/apiserver/eviction.py)."""
        raw = await request.read()
        data = k8sproto.body(request.headers.get("Content-Type", ""), raw, k8sproto.eviction)
        data = data if data is not None else codec.parse_json(raw)
        if not isinstance(data, dict) or data.get("kind", "Eviction") != "Eviction":
            raise RestError("BadRequest", "the body must be a policy/v1 Eviction")
        name = data.get("metadata", {}).get("name", target.name)
        if name != target.name:
            raise RestError("BadRequest", f"name in URL does not match name in Eviction object ({name})")
        options = deleteoptions.from_fields(data.get("deleteOptions") or {}, {})
        await eviction.evict(self.registry, target.namespace or "default", target.name, options["grace_period"],
                             codec.dry_run(request.query))
        return json_response(success({"name": target.name, "kind": "pods"}), 201)


def token_duration_problem(seconds) -> str:
    """Kubernetes' bounds on a TokenRequest's expirationSeconds: ten minutes to 2^32 seconds."""
    if not isinstance(seconds, int) or seconds < 600:
        return "may not specify a duration less than 10 minutes"
    if seconds > 1 << 32:
        return "may not specify a duration larger than 2^32 seconds"
    return ""


def _not_found() -> web.Response:
    return error_response(RestError("NotFound", "the server could not find the requested resource"))


def _now() -> datetime:
    return datetime.now(timezone.utc)
