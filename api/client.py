"""The one async client of the skiff API, used by the CLI, the scheduler, the controllers and the agent.

Typed objects in and out; failures raise the typed errors of api.errors. Given several API servers
("a:6443,b:6443"), it uses one at a time and moves to the next when that one cannot be reached.
"""
from __future__ import annotations

import json
import logging
import os
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import NamedTuple

import grpc
from google.protobuf.message import Message

from api import errors, kinds
from api.credentials import Credentials
from api.kinds import Kind
from proto import api_pb2, api_pb2_grpc, types_pb2

DEFAULT_SERVER = "127.0.0.1:6443"
DEFAULT_TIMEOUT = 30.0
MAX_MESSAGE = 16 * 1024 * 1024
CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", MAX_MESSAGE),
    ("grpc.max_send_message_length", MAX_MESSAGE),
    ("grpc.keepalive_time_ms", 20_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.max_pings_without_data", 0),
    # Reconnect within a second of the server's return (gRPC's default backoff grows to 120 s).
    ("grpc.initial_reconnect_backoff_ms", 100),
    # gRPC also takes this as the time one connection attempt may last, TLS handshake included: a
    # loaded machine needs more than the retry delay, so it stays at gRPC's 20 s default.
    ("grpc.min_reconnect_backoff_ms", 20_000),
    ("grpc.max_reconnect_backoff_ms", 800),  # with gRPC's 20% jitter: under 1 s
]

KindLike = Kind | str
# A typed object, or its manifest form (a dict as read from YAML or JSON), which the server reads under a
# field validation mode and so can refuse or warn about fields a typed object cannot carry.
ObjectLike = Message | Mapping

log = logging.getLogger(__name__)


def _log_warning(text: str) -> None:
    log.warning("API server: %s", text)


def _kind(kind: KindLike) -> Kind:
    return kind if isinstance(kind, Kind) else kinds.lookup(kind)


class WatchEvent(NamedTuple):
    type: str  # ADDED, MODIFIED, DELETED, BOOKMARK
    object: Message | None
    resource_version: str


class ListResult(NamedTuple):
    items: list[Message]
    resource_version: str
    continue_token: str = ""


def endpoints(server: str | list[str] | None) -> list[str]:
    """The API servers named by `server` ("a:6443,b:6443" or a list), else $SKIFF_SERVER, else the default."""
    if isinstance(server, (list, tuple)):
        server = ",".join(server)
    text = server or os.environ.get("SKIFF_SERVER") or DEFAULT_SERVER
    found = [e.strip() for e in text.split(",") if e.strip()]
    return found or [DEFAULT_SERVER]


class Client:
    """An open TLS connection to the API server(s), as the user `credentials` name.

    Use as `async with Client(server, credentials=creds) as c:` or call close(). `server` may name several
    API servers; requests go to one, and a request that cannot reach it is tried once on each of the
    others (the first that answers becomes the one in use).
    """

    def __init__(self, server: str | list[str] | None = None, timeout: float = DEFAULT_TIMEOUT,
                 on_warning: Callable[[str], None] = _log_warning, *, credentials: Credentials,
                 rest_server: str = ""):
        self.servers = endpoints(server)
        # host:port of the same API server's Kubernetes REST API (the kubeconfig's skiff.rest-server):
        # custom resources are served there only.
        self.rest_server = rest_server
        self.timeout = timeout
        self.credentials = credentials
        # Called with each warning a write's reply carries (client-go's WarningHandler).
        self.on_warning = on_warning
        self._current = 0
        self._channels: dict[str, grpc.aio.Channel] = {}
        self._stubs: dict[str, api_pb2_grpc.ApiStub] = {}

    @property
    def server(self) -> str:
        """The API server in use now."""
        return self.servers[self._current]

    @property
    def _stub(self) -> api_pb2_grpc.ApiStub:
        stub = self._stubs.get(self.server)
        if stub is None:
            channel = self._channels[self.server] = grpc.aio.secure_channel(
                self.server, self.credentials.channel_credentials(), options=CHANNEL_OPTIONS)
            stub = self._stubs[self.server] = api_pb2_grpc.ApiStub(channel)
        return stub

    def _fail_over(self, failed: str) -> None:
        """Move to the next API server after `failed` could not be reached (unless another call already did)."""
        if len(self.servers) > 1 and self.server == failed:
            self._current = (self._current + 1) % len(self.servers)

    async def __aenter__(self) -> "Client":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def close(self) -> None:
        channels, self._channels, self._stubs = self._channels, {}, {}
        for channel in channels.values():
            await channel.close()

    async def _call(self, method: str, request, timeout: float | None = None, warn: bool = False):
        for attempt in range(len(self.servers)):
            server = self.server
            try:
                call = getattr(self._stub, method)(request, timeout=timeout or self.timeout)
                response = await call
            except grpc.aio.AioRpcError as e:
                error = self._error(e, server)
            else:
                if warn:
                    for key, value in await call.trailing_metadata() or ():
                        if key == errors.WARNING_KEY:
                            self.on_warning(value.decode() if isinstance(value, bytes) else value)
                return response
            # Only "no server answered" moves on: a write the server refused must not be sent twice. A write
            # cut off in flight may have been applied; retried elsewhere it reads as AlreadyExists or Conflict.
            if not isinstance(error, errors.ServerUnreachable) or attempt == len(self.servers) - 1:
                raise error from None

    async def _write(self, method: str, request):
        """A write, passing the warnings its reply carries to on_warning."""
        return await self._call(method, request, warn=True)

    def _error(self, e: grpc.aio.AioRpcError, server: str | None = None) -> errors.ApiError:
        server = server or self.server
        error = errors.from_rpc_error(e)
        if isinstance(error, errors.ServerUnreachable):
            self._fail_over(server)
            return errors.ServerUnreachable(f"cannot reach the API server at {server}: {error.message}")
        return error

    # ------------------------------------------------------------ CRUD

    async def create(self, obj: ObjectLike, dry_run: bool = False, field_validation: str = "") -> Message:
        """Create; with dry_run the server validates and defaults but writes nothing.

        `field_validation` ("Strict", the default, "Warn", "Ignore") judges a manifest-form `obj`.
        """
        request = api_pb2.CreateRequest(dry_run=dry_run, field_validation=field_validation)
        _put_object(request, obj)
        return kinds.unwrap(await self._write("Create", request))

    async def get(self, kind: KindLike, name: str, namespace: str = "default", resource_version: str = "") -> Message:
        """The object; resource_version="0" accepts the server's cached version (no etcd read), as the kubelet
        reads its Node."""
        k = _kind(kind)
        response = await self._call("Get", api_pb2.GetRequest(
            kind=k.name, namespace=namespace if k.namespaced else "", name=name, resource_version=resource_version))
        return kinds.unwrap(response)

    async def list_page(self, kind: KindLike, namespace: str = "", label_selector: str = "",
                        field_selector: str = "", limit: int = 0, continue_token: str = "") -> ListResult:
        k = _kind(kind)
        response = await self._call("List", api_pb2.ListRequest(
            kind=k.name, namespace=namespace if k.namespaced else "", label_selector=label_selector,
            field_selector=field_selector, limit=limit, continue_token=continue_token))
        return ListResult([kinds.unwrap(o) for o in response.items], response.resource_version,
                          response.continue_token)

    async def list(self, kind: KindLike, namespace: str = "", label_selector: str = "",
                   field_selector: str = "", page_size: int = 0) -> ListResult:
        """Every matching object, following continue tokens; one consistent resourceVersion."""
        items: list[Message] = []
        token = ""
        while True:
            page = await self.list_page(kind, namespace, label_selector, field_selector, page_size, token)
            items.extend(page.items)
            if not page.continue_token:
                return ListResult(items, page.resource_version)
            token = page.continue_token

    async def update(self, obj: ObjectLike, dry_run: bool = False, field_validation: str = "",
                     subresource: str = "") -> Message:
        """Replace spec and metadata (or, with `subresource` "ephemeralcontainers", a Pod's ephemeral containers);
        Conflict if obj.metadata.resourceVersion is stale."""
        request = api_pb2.UpdateRequest(dry_run=dry_run, field_validation=field_validation, subresource=subresource)
        _put_object(request, obj)
        return kinds.unwrap(await self._write("Update", request))

    async def patch(self, kind: KindLike, name: str, patch, namespace: str = "default",
                    patch_type: str = "strategic", subresource: str = "", dry_run: bool = False,
                    field_validation: str = "") -> Message:
        """Patch on the server: `patch` (a dict, or a list for "json") of `patch_type` "strategic",
        "merge" or "json", applied to the latest version and retried there on a race; a
        metadata.resourceVersion in it is a precondition (Conflict when stale)."""
        k = _kind(kind)
        request = api_pb2.PatchRequest(
            kind=k.name, namespace=namespace if k.namespaced else "", name=name, patch_type=patch_type,
            patch=json.dumps(patch, separators=(",", ":")).encode(), subresource=subresource, dry_run=dry_run,
            field_validation=field_validation)
        return kinds.unwrap(await self._write("Patch", request))

    async def update_status(self, obj: Message) -> Message:
        """Replace status only (the status subresource)."""
        response = await self._call("Update", api_pb2.UpdateRequest(object=kinds.wrap(obj), subresource="status"))
        return kinds.unwrap(response)

    async def delete(self, kind: KindLike, name: str, namespace: str = "default",
                     grace_period: int | None = None, propagation: str = "",
                     precondition_uid: str = "", precondition_resource_version: str = "",
                     dry_run: bool = False) -> tuple[Message, bool]:
        """Delete, or mark for deletion. Returns (object, deleted-from-storage)."""
        k = _kind(kind)
        request = api_pb2.DeleteRequest(
            kind=k.name, namespace=namespace if k.namespaced else "", name=name,
            propagation_policy=propagation, precondition_uid=precondition_uid,
            precondition_resource_version=precondition_resource_version, dry_run=dry_run)
        if grace_period is not None:
            request.grace_period_seconds = grace_period
        response = await self._call("Delete", request)
        return kinds.unwrap(response.object), response.deleted

    # ------------------------------------------------------------ subresources

    async def bind(self, namespace: str, name: str, node: str, uid: str = "",
                   annotations: dict[str, str] | None = None) -> Message:
        binding = types_pb2.Binding(api_version="v1", kind="Binding",
                                    metadata=types_pb2.ObjectMeta(name=name, namespace=namespace, uid=uid,
                                                                  annotations=annotations or {}),
                                    target=types_pb2.ObjectReference(kind="Node", name=node))
        return kinds.unwrap(await self._call("Bind", api_pb2.BindRequest(binding=binding)))

    async def get_scale(self, kind: KindLike, name: str, namespace: str = "default") -> types_pb2.Scale:
        return await self._call("GetScale", api_pb2.ScaleRequest(kind=_kind(kind).name, namespace=namespace,
                                                                  name=name))

    async def scale(self, kind: KindLike, name: str, replicas: int, namespace: str = "default",
                    resource_version: str = "") -> types_pb2.Scale:
        scale = types_pb2.Scale(metadata=types_pb2.ObjectMeta(name=name, namespace=namespace,
                                                              resource_version=resource_version),
                                spec=types_pb2.ScaleSpec(replicas=replicas))
        return await self._call("UpdateScale", api_pb2.UpdateScaleRequest(kind=_kind(kind).name, scale=scale))

    async def evict(self, name: str, namespace: str = "default", grace_period: int | None = None,
                    dry_run: bool = False) -> tuple[Message, bool]:
        """The pod's eviction subresource: a graceful delete, as `kubectl drain` asks for it."""
        request = api_pb2.EvictRequest(namespace=namespace, name=name, dry_run=dry_run)
        if grace_period is not None:
            request.grace_period_seconds = grace_period
        response = await self._call("Evict", request)
        return kinds.unwrap(response.object), response.deleted

    async def review_access(self, review: api_pb2.AccessReview) -> api_pb2.AccessReviewStatus:
        """Whether the caller (or `review.user`: a SubjectAccessReview, which needs `create` on
        subjectaccessreviews or the right to impersonate them) may do what it names."""
        return await self._call("ReviewAccess", review)

    async def create_token(self, name: str, namespace: str = "default", audiences: list[str] | None = None,
                           expiration_seconds: int = 0, bound_pod=None) -> api_pb2.TokenResponse:
        """A signed token of the ServiceAccount (Kubernetes' TokenRequest); `bound_pod`: a Pod the token
        is bound to (it stops working when that pod is gone)."""
        request = api_pb2.TokenRequest(namespace=namespace, name=name, audiences=audiences or [],
                                       expiration_seconds=expiration_seconds)
        if bound_pod is not None:
            request.bound_object_ref.CopyFrom(api_pb2.BoundObjectReference(
                kind="Pod", api_version="v1", name=bound_pod.metadata.name, uid=bound_pod.metadata.uid))
        return await self._call("CreateToken", request)

    async def version(self) -> api_pb2.VersionInfo:
        return await self._call("Version", api_pb2.VersionRequest())

    # ------------------------------------------------------------ metrics.k8s.io

    async def push_metrics(self, request: api_pb2.PushMetricsRequest) -> api_pb2.PushMetricsResponse:
        return await self._call("PushMetrics", request)

    async def node_metrics(self, name: str = "", label_selector: str = "") -> list[api_pb2.NodeMetrics]:
        """NodeMetrics of every node with a recent sample, or of one (NotFound when it has none)."""
        reply = await self._call("ListNodeMetrics", api_pb2.MetricsRequest(name=name, label_selector=label_selector))
        return list(reply.items)

    async def pod_metrics(self, namespace: str = "", name: str = "",
                          label_selector: str = "") -> list[api_pb2.PodMetrics]:
        """PodMetrics of one pod (NotFound when it has no sample), or of every matching pod (namespace "": all)."""
        reply = await self._call("ListPodMetrics", api_pb2.MetricsRequest(
            namespace=namespace, name=name, label_selector=label_selector))
        return list(reply.items)

    # ------------------------------------------------------------ watch

    async def watch(self, kind: KindLike, namespace: str = "", label_selector: str = "",
                    field_selector: str = "", resource_version: str = "",
                    bookmarks: bool = True) -> AsyncIterator[WatchEvent]:
        """Changes after `resource_version` ("" : every current object as ADDED first, then changes).

        Ends by raising: Expired when the version is too old (re-list), Unavailable when the server goes.
        """
        k = _kind(kind)
        call = self._stub.Watch(api_pb2.WatchRequest(
            kind=k.name, namespace=namespace if k.namespaced else "", label_selector=label_selector,
            field_selector=field_selector, resource_version=resource_version, allow_bookmarks=bookmarks))
        try:
            async for message in call:
                for event in message.events or (message,):  # a batch, or one event
                    obj = kinds.unwrap(event.object) if event.HasField("object") else None
                    yield WatchEvent(event.type, obj, event.resource_version)
        except grpc.aio.AioRpcError as e:
            raise self._error(e) from None
        finally:
            call.cancel()

    # ------------------------------------------------------------ streams to agents

    def logs_stream(self, request: api_pb2.LogsRequest):
        return self._stub.Logs(request)

    def exec_stream(self, requests: Iterable[api_pb2.ExecRequest] | AsyncIterator[api_pb2.ExecRequest]):
        return self._stub.Exec(requests)

    def attach_stream(self, requests: AsyncIterator[api_pb2.ExecRequest]):
        """Attach to a container's main process: the first request names pod and container, then stdin."""
        return self._stub.Attach(requests)

    def port_forward_stream(self, requests: AsyncIterator[api_pb2.PortForwardRequest]):
        """One TCP connection to a pod's port: the first request names pod and port, then bytes."""
        return self._stub.PortForward(requests)


def _put_object(request, obj: ObjectLike) -> None:
    if isinstance(obj, Message):
        request.object.CopyFrom(kinds.wrap(obj))
    else:
        request.manifest = json.dumps(obj, separators=(",", ":")).encode()
