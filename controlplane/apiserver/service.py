"""The gRPC face of the API server: turns requests into registry calls and typed errors into status codes."""
from __future__ import annotations

import functools
import inspect
import logging
import time

import grpc

from google.protobuf.message import Message

from api import errors, kinds, manifest
from api.version import VERSION
from controlplane.apiserver.auth import resource_attributes as attrs
from controlplane.apiserver.auth.attributes import Attributes
from controlplane.apiserver.auth.authorizer import Authorizer
from controlplane.apiserver.auth.config import Security
from controlplane.apiserver.auth.grpc_request import caller_credentials, impersonation_metadata
from controlplane.apiserver.auth import audit, impersonation
from controlplane.apiserver.auth.request import (audit_annotations, current_user, impersonator, request_attributes,
                                                 response_warnings)
from controlplane.apiserver.auth.user import with_authenticated
from controlplane.apiserver import eviction, tokens
from controlplane.apiserver import metrics
from controlplane.apiserver.metrics_store import MetricsStore
from controlplane.apiserver.proxy import AgentProxy
from controlplane.apiserver.registry import Registry
from controlplane.apiserver.watchcache import Event
from controlplane.apiserver.webhook import tunnel
from proto import api_pb2, api_pb2_grpc

log = logging.getLogger(__name__)

# The events already waiting for a watcher go out together, in messages of up to this many events (and
# about this many bytes of objects): a gRPC message costs more than the event in it, so one message per
# event would have a busy API server (and its watchers) spend much of their time on watch messages.
WATCH_BATCH_EVENTS = 100
WATCH_BATCH_BYTES = 4 * 1024 * 1024


async def _abort(context: grpc.aio.ServicerContext, error: errors.ApiError):
    await context.abort(error.code, errors.status_message(error), errors.trailing_metadata(error))


def _resource(request) -> str:
    """The resource a request is about, for metrics labels ("" when the RPC implies it)."""
    field = getattr(request, "object", None)
    if field is not None and hasattr(field, "WhichOneof"):
        name = field.WhichOneof("object") or ""
        return _RESOURCE_BY_FIELD.get(name, name)
    kind = getattr(request, "kind", "")
    if not kind:
        return ""
    plural = _RESOURCE_BY_KIND.get(kind)
    if plural is None:
        try:
            plural = kinds.lookup(kind).plural
        except kinds.UnknownKindError:
            return "unknown"
        _RESOURCE_BY_KIND[kind] = plural
    return plural


_RESOURCE_BY_FIELD = {k.object_field: k.plural for k in kinds.KINDS}
_RESOURCE_BY_KIND: dict[str, str] = {}


def _internal(rpc: str) -> errors.Internal:
    """A bug, not the caller's fault (a stray ValueError is not "Invalid"): logged with its traceback."""
    log.exception("%s failed unexpectedly", rpc)
    return errors.Internal(f"internal error in {rpc}; the API server's log has the details")


def _api_call(method):
    """Authenticate the caller, map every API error to its status code (anything unexpected is logged and
    INTERNAL), and count the request in apiserver_request_total and its latency, by verb, resource and code."""
    instrument = metrics.Instrument(method.__name__)
    if inspect.isasyncgenfunction(method):
        @functools.wraps(method)
        async def stream(self, request, context):
            resource = _resource(request)
            code = grpc.StatusCode.OK
            wall = time.time()
            # Read while the call is alive: this generator's `finally` may run when gRPC has already freed a
            # cancelled stream (the client went away), and asking a freed call for its peer crashes the process.
            peer = self.audited_peer(context)
            with instrument.longrunning(resource):
                try:
                    self.authenticate(context)
                    async for item in method(self, request, context):
                        yield item
                except errors.ApiError as e:
                    code = e.code
                    await _abort(context, e)
                except kinds.UnknownKindError as e:
                    code = grpc.StatusCode.INVALID_ARGUMENT
                    await _abort(context, errors.Invalid(str(e), [str(e)]))
                except grpc.aio.AbortError:
                    raise
                except Exception:
                    code = grpc.StatusCode.INTERNAL
                    await _abort(context, _internal(method.__name__))
                finally:
                    instrument.count(resource, code)
                    self.audit(code, wall, method.__name__, request, peer)
        return stream

    @functools.wraps(method)
    async def unary(self, request, context):
        started, wall = time.perf_counter(), time.time()
        resource = _resource(request)
        code = grpc.StatusCode.OK
        peer = self.audited_peer(context)
        try:
            self.authenticate(context)
            response = await method(self, request, context)
            _send_warnings(context, response_warnings.get([]))
            return response
        except errors.ApiError as e:
            code = e.code
            await _abort(context, e)
        except kinds.UnknownKindError as e:  # the request names a kind this server does not serve
            code = grpc.StatusCode.INVALID_ARGUMENT
            await _abort(context, errors.Invalid(str(e), [str(e)]))
        except grpc.aio.AbortError:
            raise
        except Exception:
            code = grpc.StatusCode.INTERNAL
            await _abort(context, _internal(method.__name__))
        except BaseException:
            code = grpc.StatusCode.INTERNAL  # a bug, or the call was cancelled: gRPC answers for itself
            raise
        finally:
            instrument.observe(resource, code, started)
            self.audit(code, wall, method.__name__, request, peer)
    return unary


class ApiService(api_pb2_grpc.ApiServicer):
    def __init__(self, registry: Registry, security: Security):
        self.registry = registry
        self.security = security
        self.proxy = AgentProxy(registry, security.kubelet_client)
        self.authorizer = Authorizer(registry)
        registry.admission.authorize = self.authorizer.authorize  # admission plugins that ask it (CSR approval)
        # webhooks of a Service are called at its pods through their agents: the API server may not route to them
        registry.admission.webhooks.tunnel = functools.partial(tunnel.through_agent, self.proxy)
        metrics.WATCH_CACHES.registries.add(registry)
        self.metrics = MetricsStore(self._cached("Pod"), lambda name: self._cached("Node")("", name))
        # A pod-bound ServiceAccount token stops working when its pod is gone (or replaced).
        pods = self._cached("Pod")
        security.pod_alive = lambda namespace, name, uid: getattr(
            getattr(pods(namespace, name), "metadata", None), "uid", None) == uid

    def authenticate(self, context):
        """The caller, or whom it impersonates (the Impersonate-* metadata) once it may: Forbidden naming the
        first thing it may not impersonate, as the REST API answers."""
        impersonator.set(None)
        cert, token = caller_credentials(context)
        user = self.security.authenticator.authenticate(cert, token)
        current_user.set(user)
        audit_annotations.set([])
        response_warnings.set([])
        plan = impersonation.plan(impersonation_metadata(context))
        if plan is None:
            return user
        for check in plan.checks:
            self.authorizer.check(user, check)
        impersonator.set(user)
        current_user.set(plan.user)
        return plan.user

    def authorize(self, attributes: Attributes) -> None:
        """Forbidden unless the authenticated caller of this request may do this."""
        request_attributes.set(attributes)
        self.authorizer.check(current_user.get(), attributes)

    def audited_peer(self, context) -> str:
        """The caller's IP for the audit line, read when the call begins; "" when nothing is audited."""
        return _peer_ip(context) if self.security.audit is not None else ""

    def audit(self, code: grpc.StatusCode, started_wall: float, rpc: str, request, peer: str) -> None:
        """One audit line for the call from `peer` (its source IP); a call refused before it was authorized
        (Unauthenticated) is described from the RPC itself."""
        log = self.security.audit
        if log is None:
            return
        user, caller = current_user.get(), impersonator.get()
        asked = request_attributes.get() if user is not None else None
        log.record(caller or user, asked or rpc_attributes(rpc, request), audit.HTTP_STATUS.get(code.name, 500), "",
                   started_wall, time.time(), audit_annotations.get([]), peer, impersonated=user if caller else None)

    def _cached(self, kind_name: str):
        """(namespace, name) -> the object in the watch cache, or None: the metrics API's view of pods/nodes."""
        kind = kinds.BY_NAME[kind_name]
        return lambda namespace, name: self.registry.cached(kind, namespace, name)

    @_api_call
    async def Create(self, request, context):
        obj, warnings = _request_object(request)
        self.authorize(attrs.for_object("create", obj))
        response_warnings.get().extend(warnings)
        return kinds.wrap(await self.registry.create(obj, request.dry_run))

    @_api_call
    async def Get(self, request, context):
        kind = kinds.lookup(request.kind)
        self.authorize(attrs.for_kind("get", kind, request.namespace, request.name))
        return kinds.wrap(await self.registry.get(kind, request.namespace or "default", request.name,
                                                  request.resource_version))

    @_api_call
    async def List(self, request, context):
        kind = kinds.lookup(request.kind)
        self.authorize(attrs.for_kind("list", kind, request.namespace, field_selector=request.field_selector))
        items, revision, token = await self.registry.list(
            kind, request.namespace, request.label_selector, request.field_selector,
            request.limit, request.continue_token)
        return api_pb2.ListResponse(items=[kinds.wrap(i) for i in items], resource_version=str(revision),
                                    continue_token=token)

    @_api_call
    async def Update(self, request, context):
        obj, warnings = _request_object(request)
        self.authorize(attrs.for_object("update", obj, request.subresource))
        response_warnings.get().extend(warnings)
        return kinds.wrap(await self.registry.update(obj, request.subresource, request.dry_run))

    @_api_call
    async def Patch(self, request, context):
        kind = kinds.lookup(request.kind)
        self.authorize(attrs.for_kind("patch", kind, request.namespace, request.name, request.subresource))
        try:
            body = manifest.parse_json(request.patch)
            validation = manifest.field_validation(request.field_validation)
        except ValueError as e:
            raise errors.BadRequest(f"the patch is not valid: {e}", [str(e)]) from None
        obj, warnings = await self.registry.patch(
            kind, request.namespace or "default", request.name, request.patch_type, body, request.subresource,
            request.dry_run, validation)
        response_warnings.get().extend(warnings)
        return kinds.wrap(obj)

    @_api_call
    async def Delete(self, request, context):
        kind = kinds.lookup(request.kind)
        self.authorize(attrs.for_kind("delete", kind, request.namespace, request.name))
        grace = request.grace_period_seconds if request.HasField("grace_period_seconds") else None
        obj, deleted = await self.registry.delete(
            kind, request.namespace or "default", request.name, grace, request.propagation_policy,
            request.precondition_uid, request.precondition_resource_version, request.dry_run)
        return api_pb2.DeleteResponse(object=kinds.wrap(obj), deleted=deleted)

    @_api_call
    async def Evict(self, request, context):
        self.authorize(attrs.for_kind("create", "Pod", request.namespace, request.name, "eviction"))
        grace = request.grace_period_seconds if request.HasField("grace_period_seconds") else None
        obj, deleted = await eviction.evict(self.registry, request.namespace or "default", request.name, grace,
                                            request.dry_run)
        return api_pb2.DeleteResponse(object=kinds.wrap(obj), deleted=deleted)

    @_api_call
    async def Watch(self, request, context):
        kind = kinds.lookup(request.kind)
        self.authorize(attrs.for_kind("watch", kind, request.namespace, field_selector=request.field_selector))
        cache, watcher = await self.registry.watch(
            kind, request.namespace, request.label_selector, request.field_selector,
            request.resource_version, request.allow_bookmarks)
        try:
            while True:
                event = await watcher.next_event()
                more = watcher.waiting(WATCH_BATCH_EVENTS, WATCH_BATCH_BYTES)
                yield _watch_event(event) if not more else b"".join(_batch_element(e) for e in (event, *more))
        finally:
            cache.unwatch(watcher)

    @_api_call
    async def Bind(self, request, context):
        meta = request.binding.metadata
        self.authorize(attrs.for_kind("create", "Pod", meta.namespace, meta.name, "binding"))
        return kinds.wrap(await self.registry.bind(request.binding))

    @_api_call
    async def GetScale(self, request, context):
        self.authorize(attrs.for_kind("get", request.kind, request.namespace, request.name, "scale"))
        return await self.registry.get_scale(kinds.lookup(request.kind), request.namespace or "default",
                                             request.name)

    @_api_call
    async def UpdateScale(self, request, context):
        meta = request.scale.metadata
        self.authorize(attrs.for_kind("update", request.kind, meta.namespace, meta.name, "scale"))
        return await self.registry.update_scale(kinds.lookup(request.kind), request.scale)

    @_api_call
    async def Logs(self, request, context):
        self.authorize(attrs.for_kind("get", "Pod", request.namespace, request.name, "log"))
        async for chunk in self.proxy.logs(request):
            yield chunk

    async def _pod_stream(self, request_iterator, subresource: str, open_stream):
        """Authorize a stream to a pod's agent on its first message (which names the pod), then relay it."""
        first, requests = await _peek(request_iterator)
        if first is not None:
            self.authorize(attrs.for_kind("create", "Pod", first.namespace, first.name, subresource))
        async for response in open_stream(requests):
            yield response

    @_api_call
    async def Exec(self, request_iterator, context):
        async for response in self._pod_stream(request_iterator, "exec", self.proxy.exec):
            yield response

    @_api_call
    async def Attach(self, request_iterator, context):
        async for response in self._pod_stream(request_iterator, "attach", self.proxy.attach):
            yield response

    @_api_call
    async def PortForward(self, request_iterator, context):
        async for response in self._pod_stream(request_iterator, "portforward", self.proxy.port_forward):
            yield response

    @_api_call
    async def PushMetrics(self, request, context):
        self.authorize(attrs.for_kind("create", "Node", name=request.node_name, subresource="metrics"))
        return api_pb2.PushMetricsResponse(stale=self.metrics.push(request))

    @_api_call
    async def ListNodeMetrics(self, request, context):
        self.authorize(Attributes("list", "metrics.k8s.io", "nodes", name=request.name))
        return api_pb2.NodeMetricsList(items=self.metrics.nodes(request.name, request.label_selector))

    @_api_call
    async def ListPodMetrics(self, request, context):
        self.authorize(Attributes("list", "metrics.k8s.io", "pods", namespace=request.namespace, name=request.name))
        # already encoded: the reply is the stored samples joined (see encoded.AcceptingEncoded)
        return self.metrics.pods_encoded(request.namespace, request.name, request.label_selector)

    @_api_call
    async def ReviewAccess(self, request, context):
        user = current_user.get()
        if request.user:
            # A SubjectAccessReview (a component delegating the authorization of its own callers, as
            # Kubernetes' system:auth-delegator may) or `auth can-i --as` (which needs impersonation).
            review = Attributes("create", "authorization.k8s.io", "subjectaccessreviews")
            if not self.authorizer.authorize(user, review).allowed:
                self.authorize(Attributes("impersonate", "", "users", name=request.user))
            user = with_authenticated(request.user, request.groups)
        asked = Attributes(request.verb, request.api_group, request.resource, request.subresource,
                           request.namespace, request.name, request.path)
        decision = self.authorizer.authorize(user, asked)
        return api_pb2.AccessReviewStatus(allowed=decision.allowed, reason=decision.reason)

    @_api_call
    async def CreateToken(self, request, context):
        self.authorize(attrs.for_kind("create", "ServiceAccount", request.namespace, request.name, "token"))
        return await tokens.create_token(self.registry, self.security, request, current_user.get().node_name)

    @_api_call
    async def Version(self, request, context):
        self.authorize(attrs.for_path("get", "/version"))
        # Where etcd lives is nobody's business but the API server's.
        return api_pb2.VersionInfo(version=VERSION, platform="linux/amd64")


# The verb an RPC stands for, when it names one kind of object (for calls never authorized).
_RPC_VERBS = {"Create": "create", "Get": "get", "List": "list", "Update": "update", "Patch": "patch",
              "Delete": "delete", "Watch": "watch"}


def rpc_attributes(rpc: str, request) -> Attributes:
    """What an RPC asked, read from the request alone: the objectRef of an audit line for a caller who was
    never identified (so never authorized)."""
    verb = _RPC_VERBS.get(rpc)
    resource = _resource(request) if verb else ""
    if not resource or resource == "unknown":
        return Attributes(rpc.lower(), path=f"/skiff.v1.Api/{rpc}")
    obj = getattr(request, "object", None)
    meta = kinds.unwrap(obj).metadata if obj is not None and obj.WhichOneof("object") else None
    namespace = getattr(request, "namespace", "") or (meta.namespace if meta is not None else "")
    name = getattr(request, "name", "") or (meta.name if meta is not None else "")
    kind = next((k for k in kinds.KINDS if k.plural == resource), None)
    group = kind.api_version.rpartition("/")[0] if kind is not None else ""
    return Attributes(verb, group, resource, namespace=namespace, name=name)


def _peer_ip(context) -> str:
    """The caller's address from gRPC's peer string ("ipv4:127.0.0.1:5000", "ipv6:[::1]:5000")."""
    try:
        peer = context.peer() or ""
    except Exception:  # a context without a transport (in-process tests)
        return ""
    family, _, rest = peer.partition(":")
    if family not in ("ipv4", "ipv6"):
        return ""
    host = rest.rpartition(":")[0]
    return host.strip("[]")


async def _peek(requests):
    """The first message of a request stream, and the stream with it put back."""
    iterator = aiter(requests)
    first = await anext(iterator, None)

    async def again():
        if first is not None:
            yield first
            async for item in iterator:
                yield item
    return first, again()


def _request_object(request) -> tuple[Message, list[str]]:
    """The object a write carries (typed, or in manifest form judged by its field validation mode), and
    the warnings its fields gave."""
    if not request.manifest:
        if request.object.WhichOneof("object") is None:
            raise errors.BadRequest("the request carries no object", ["object: Required value"])
        return kinds.unwrap(request.object), []
    return decode_manifest(request.manifest, request.field_validation)


def _send_warnings(context: grpc.aio.ServicerContext, warnings: list[str]) -> None:
    """Warnings travel as trailing metadata (Kubernetes: Warning headers), each once."""
    warnings = list(dict.fromkeys(warnings))
    if warnings:
        context.set_trailing_metadata(tuple((errors.WARNING_KEY, w.encode()) for w in warnings))


def decode_manifest(text: bytes, validation: str) -> tuple[Message, list[str]]:
    """A typed object from a manifest's JSON text, and its warnings; BadRequest in Kubernetes' words."""
    try:
        mode = manifest.field_validation(validation)
        data = manifest.parse_json(text)
    except ValueError as e:
        raise errors.BadRequest(str(e), [str(e)]) from None
    try:
        return manifest.decode(data, validation=mode)
    except manifest.ManifestError as e:
        kind_name = data.get("kind", "") if isinstance(data, dict) else ""
        version = str(data.get("apiVersion", "")).rpartition("/")[2] if isinstance(data, dict) else ""
        prefix = f'{kind_name} in version "{version}" cannot be handled as a {kind_name}: ' if kind_name else ""
        detail = ("strict decoding error: " if e.strict else "") + ", ".join(e.errors)
        raise errors.BadRequest(prefix + detail, e.errors) from None


def _watch_event(event: Event) -> bytes:
    """The event as the WatchEvent message a watcher is sent, encoded once and shared by every watcher it goes
    to (gRPC sends bytes as they are: encoded.AcceptingEncoded)."""
    wire = event.wire.get("bytes")
    if wire is None:
        wire = event.wire["bytes"] = _watch_message(event).SerializeToString()
    return wire


def _batch_element(event: Event) -> bytes:
    """The event encoded as one element of a batch (WatchEvent.events). Encoded messages concatenated parse as
    one message whose repeated fields hold every part's elements, in order (protobuf's merge rule), so a
    batch is the join of its elements, each encoded once whatever the number of watchers."""
    wire = event.wire.get("element")
    if wire is None:
        wire = event.wire["element"] = api_pb2.WatchEvent(events=[_watch_message(event)]).SerializeToString()
    return wire


def _watch_message(event: Event) -> api_pb2.WatchEvent:
    if event.type == "BOOKMARK":
        return api_pb2.WatchEvent(type="BOOKMARK", resource_version=str(event.revision))
    return api_pb2.WatchEvent(type=event.type, object=kinds.wrap(event.obj),
                              resource_version=event.obj.metadata.resource_version)
