"""Custom resources as the controllers see them: every established CRD's objects listed and watched over the
API server's Kubernetes REST API (the gRPC API serves built-in kinds only), kept as JSON, by resource and key.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp

from api import errors, retry, tls
from api.credentials import Credentials

log = logging.getLogger(__name__)

CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
WATCH_TIMEOUT_S = 300  # a watch is renewed this often from the last resourceVersion seen
RETRY_S = 1.0  # after the API server could not be reached
ERRORS = {404: errors.NotFound, 409: errors.Conflict, 410: errors.Expired, 412: errors.PreconditionFailed}


@dataclass(frozen=True)
class Resource:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool

    @property
    def name(self) -> str:
        """`crontabs.stable.example.com`: never a built-in kind's name, which has no dot."""
        return f"{self.plural}.{self.group}"

    def path(self, namespace: str = "", name: str = "") -> str:
        base = f"/apis/{self.group}/{self.version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{namespace}"
        return f"{base}/{self.plural}" + (f"/{name}" if name else "")


def resource_of(crd: dict) -> Resource | None:
    """The resource an established CRD serves, at its storage version when served (else its first served one)."""
    status, spec = crd.get("status") or {}, crd.get("spec") or {}
    if not any(c.get("type") == "Established" and c.get("status") == "True" for c in status.get("conditions") or []):
        return None
    served = [v for v in spec.get("versions") or [] if v.get("served")]
    if not served:
        return None
    version = next((v for v in served if v.get("storage")), served[0])
    names = spec.get("names") or {}
    return Resource(spec.get("group", ""), version["name"], names.get("plural", ""), names.get("kind", ""),
                    spec.get("scope") != "Cluster")


def object_key(obj: dict) -> str:
    m = obj.get("metadata") or {}
    return f"{m['namespace']}/{m.get('name', '')}" if m.get("namespace") else m.get("name", "")


Handler = Callable[[Resource, dict], None]


class CustomObjects:
    """`start()`, then `get`, `objects_of`; handlers hear every change and deletion; writes go to the server."""

    def __init__(self, rest_server: str, credentials: Credentials):
        self.url = f"https://{rest_server}"
        self.credentials = credentials
        self.resources: dict[str, Resource] = {}  # by Resource.name
        self.objects: dict[str, dict[str, dict]] = {}  # Resource.name -> key -> object
        self._by_crd: dict[str, Resource] = {}
        self._watchers: dict[str, asyncio.Task] = {}
        self._on_change: list[Handler] = []
        self._on_delete: list[Handler] = []
        self._session: aiohttp.ClientSession | None = None
        self._crds: asyncio.Task | None = None

    def add_handlers(self, on_change: Handler, on_delete: Handler) -> None:
        self._on_change.append(on_change)
        self._on_delete.append(on_delete)

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        c = self.credentials
        connector = aiohttp.TCPConnector(ssl=tls.client_context(c.ca_pem, c.cert_pem, c.key_pem))
        headers = {"Authorization": f"Bearer {c.token}"} if c.token and not c.cert_pem else {}
        self._session = aiohttp.ClientSession(self.url, connector=connector, headers=headers,
                                              timeout=aiohttp.ClientTimeout(total=None, sock_connect=10))
        self._crds = asyncio.create_task(self._follow(CRDS, self._crds_listed, self._crd_event), name="crd-watch")

    async def stop(self) -> None:
        tasks = [t for t in (self._crds, *self._watchers.values()) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._watchers.clear()
        if self._session is not None:
            await self._session.close()

    # ------------------------------------------------------------ reads (the cache)

    def get(self, resource_name: str, key: str) -> dict | None:
        return self.objects.get(resource_name, {}).get(key)

    def all(self) -> list[tuple[Resource, dict]]:
        return [(self.resources[n], obj) for n, objs in list(self.objects.items()) if n in self.resources
                for obj in list(objs.values())]

    def resource_for(self, api_version: str, kind: str) -> Resource | None:
        group = api_version.rpartition("/")[0]
        return next((r for r in self.resources.values() if r.group == group and r.kind == kind), None)

    # ------------------------------------------------------------ reads and writes on the server

    async def list_now(self, resource: Resource, namespace: str = "") -> list[dict]:
        return (await self._request("GET", resource.path(namespace)))["items"]

    async def get_now(self, resource: Resource, namespace: str, name: str) -> dict:
        return await self._request("GET", resource.path(namespace, name))

    async def delete(self, resource: Resource, obj: dict, policy: str) -> None:
        """Delete `obj` as it was seen (uid and resourceVersion preconditions: a stale decision fails)."""
        m = obj["metadata"]
        options = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": policy,
                   "preconditions": {"uid": m.get("uid", ""), "resourceVersion": m.get("resourceVersion", "")}}
        try:
            await self._request("DELETE", resource.path(m.get("namespace", ""), m["name"]), options)
        except errors.NotFound:
            pass

    async def rewrite(self, resource: Resource, obj: dict, change: Callable[[dict], bool]) -> None:
        """Re-read `obj`, apply `change` (False: nothing to do), write it back; again on conflict."""
        m = obj["metadata"]
        path = resource.path(m.get("namespace", ""), m["name"])

        async def attempt():
            try:
                current = await self._request("GET", path)
            except errors.NotFound:
                return
            if current["metadata"].get("uid") != m.get("uid") or not change(current):
                return
            try:
                await self._request("PUT", path, current)
            except errors.NotFound:
                pass
        await retry.on_conflict(attempt)

    async def _request(self, method: str, path: str, body: dict | None = None) -> dict:
        assert self._session is not None, "start() first"
        async with self._session.request(method, path, json=body) as response:
            data = await response.json(content_type=None)
            if response.status >= 400:
                message = data.get("message", "") if isinstance(data, dict) else str(data)
                raise ERRORS.get(response.status, errors.ApiError)(message)
            return data

    # ------------------------------------------------------------ list and watch

    async def _follow(self, path: str, listed: Callable[[list[dict]], None],
                      event: Callable[[str, dict], None]) -> None:
        """List, then watch from the list's resourceVersion; re-list when the watch is too old or fails."""
        while True:
            try:
                answer = await self._request("GET", path)
                listed(answer.get("items") or [])
                version = answer["metadata"]["resourceVersion"]
                while version is not None:
                    version = await self._watch(path, version, event)
            except asyncio.CancelledError:
                raise
            except (aiohttp.ClientError, errors.ApiError, OSError, ValueError, KeyError) as e:
                log.info("custom resources at %s: %s; listing again", path, e)
                await asyncio.sleep(RETRY_S)

    async def _watch(self, path: str, version: str, event: Callable[[str, dict], None]) -> str | None:
        """Events from `version` on; the last resourceVersion seen, or None when the server says re-list."""
        assert self._session is not None
        query = {"watch": "1", "resourceVersion": version, "timeoutSeconds": str(WATCH_TIMEOUT_S)}
        async with self._session.get(path, params=query) as response:
            if response.status >= 400:
                return None
            async for line in response.content:
                if not line.strip():
                    continue
                ev = json.loads(line)
                if ev.get("type") == "ERROR":
                    return None
                obj = ev.get("object") or {}
                version = (obj.get("metadata") or {}).get("resourceVersion") or version
                if ev.get("type") in ("ADDED", "MODIFIED", "DELETED"):
                    event(ev["type"], obj)
        return version

    def _crds_listed(self, crds: list[dict]) -> None:
        self._by_crd = {}
        for crd in crds:
            self._crd_event("ADDED", crd)
        self._sync_watchers()

    def _crd_event(self, kind: str, crd: dict) -> None:
        name = (crd.get("metadata") or {}).get("name", "")
        resource = resource_of(crd) if kind != "DELETED" else None
        if resource is None:
            self._by_crd.pop(name, None)
        else:
            self._by_crd[name] = resource
        self._sync_watchers()

    def _sync_watchers(self) -> None:
        wanted = {r.name: r for r in self._by_crd.values()}
        for name in list(self._watchers):
            if name not in wanted or wanted[name] != self.resources.get(name):
                self._watchers.pop(name).cancel()
                resource = self.resources.pop(name)
                # a deleted CRD takes its objects with it: their deletions are told, as a watch would have
                for obj in self.objects.pop(name, {}).values():
                    self._tell(self._on_delete, resource, obj)
        for name, resource in wanted.items():
            if name not in self._watchers:
                self.resources[name] = resource
                self.objects.setdefault(name, {})
                self._watchers[name] = asyncio.create_task(
                    self._follow(resource.path(), lambda items, r=resource: self._listed(r, items),
                                 lambda kind, obj, r=resource: self._event(r, kind, obj)), name=f"watch-{name}")

    def _listed(self, resource: Resource, items: list[dict]) -> None:
        before = self.objects.get(resource.name, {})
        now = {object_key(obj): obj for obj in items}
        self.objects[resource.name] = now
        for key, obj in before.items():
            if key not in now:
                self._tell(self._on_delete, resource, obj)
        for obj in now.values():
            self._tell(self._on_change, resource, obj)

    def _event(self, resource: Resource, kind: str, obj: dict) -> None:
        objs = self.objects.setdefault(resource.name, {})
        if kind == "DELETED":
            objs.pop(object_key(obj), None)
            self._tell(self._on_delete, resource, obj)
        else:
            objs[object_key(obj)] = obj
            self._tell(self._on_change, resource, obj)

    @staticmethod
    def _tell(handlers: list[Handler], resource: Resource, obj: dict) -> None:
        for handler in handlers:
            handler(resource, obj)


@dataclass(frozen=True)
class Item:
    """A custom resource with the resource it is of: what the controllers hold of one."""
    resource: Resource
    obj: dict

    @property
    def metadata(self) -> dict:
        return self.obj.get("metadata") or {}

    @property
    def key(self) -> str:
        return object_key(self.obj)
