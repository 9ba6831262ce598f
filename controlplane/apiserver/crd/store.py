"""JSON objects in etcd for kinds that are not protobuf messages (CRDs and custom resources): keys
`/registry/<group>/<plural>/[<ns>/]<name>`, the resourceVersion being etcd's mod revision, as for every kind.
"""
from __future__ import annotations

import json
from collections.abc import AsyncIterator

from controlplane.apiserver.storage import Progress, Storage, WatchEvent

ROOT = "/registry"


def prefix(group: str, plural: str, namespace: str = "") -> bytes:
    base = f"{ROOT}/{group}/{plural}/"
    return (base + f"{namespace}/" if namespace else base).encode()


def key(group: str, plural: str, namespace: str, name: str) -> bytes:
    return prefix(group, plural, namespace) + name.encode()


def _decode(value: bytes, revision: int) -> dict:
    obj = json.loads(value)
    obj.setdefault("metadata", {})["resourceVersion"] = str(revision)
    return obj


def _encode(obj: dict) -> bytes:
    meta = dict(obj.get("metadata") or {})
    meta.pop("resourceVersion", None)  # not stored: it is etcd's mod revision
    return json.dumps({**obj, "metadata": meta}, separators=(",", ":")).encode()


class JsonStore:
    """Get, list, create, update, delete and watch JSON objects under etcd keys."""

    def __init__(self, storage: Storage):
        self.storage = storage

    async def get(self, k: bytes) -> dict:
        kv = await self.storage.get(k)
        return _decode(kv.value, kv.mod_revision)

    async def list(self, p: bytes) -> tuple[list[dict], int]:
        items, start, revision = [], None, 0
        while True:
            kvs, read_at, more = await self.storage.list(p, start, 500, revision)
            revision = revision or read_at
            items += [_decode(kv.value, kv.mod_revision) for kv in kvs]
            if not more or not kvs:
                return items, revision
            start = kvs[-1].key + b"\0"

    async def list_page(self, p: bytes, limit: int, start: bytes = b"", revision: int = 0,
                        matches=lambda obj: True) -> tuple[list[dict], int, bytes]:
        """Up to `limit` (0: all) matching objects under `p` from key `start` on, read at `revision` (0: now):
        (items, revision read at, the key to continue from or b"" at the end)."""
        items, at = [], start or p
        while True:
            chunk = max(min(limit - len(items), 500), 1) if limit else 500
            kvs, read_at, more = await self.storage.list(p, at, chunk, revision)
            revision = revision or read_at
            for i, kv in enumerate(kvs):
                obj = _decode(kv.value, kv.mod_revision)
                if not matches(obj):
                    continue
                items.append(obj)
                if limit and len(items) >= limit:
                    return items, revision, (kv.key + b"\0") if (more or i < len(kvs) - 1) else b""
            if not more or not kvs:
                return items, revision, b""
            at = kvs[-1].key + b"\0"

    async def create(self, k: bytes, obj: dict) -> dict:
        revision = await self.storage.create(k, _encode(obj))
        return _decode(_encode(obj), revision)

    async def update(self, k: bytes, obj: dict, expected: int) -> dict:
        revision = await self.storage.update(k, _encode(obj), expected)
        return _decode(_encode(obj), revision)

    async def delete(self, k: bytes, expected: int) -> int:
        return await self.storage.delete(k, expected)

    async def delete_all(self, keys: list[bytes]) -> None:
        for i in range(0, len(keys), 100):  # etcd caps the operations of one transaction
            await self.storage.transact(deletes={k: None for k in keys[i:i + 100]})

    async def watch(self, p: bytes, after: int) -> AsyncIterator[tuple[str, dict, dict | None]]:
        """(ADDED|MODIFIED|DELETED, object, previous object) for every change under `p` after revision `after`."""
        async for ev in self.storage.watch(p, after + 1, prev_kv=True):
            if isinstance(ev, Progress):
                continue
            yield _event(ev)


def _event(ev: WatchEvent) -> tuple[str, dict, dict | None]:
    prev = _decode(ev.prev.value, ev.prev.mod_revision) if ev.prev is not None and ev.prev.value else None
    if ev.type == "DELETE":
        obj = dict(prev or {"metadata": {}})
        obj["metadata"] = {**obj.get("metadata", {}), "resourceVersion": str(ev.kv.mod_revision)}
        return "DELETED", obj, prev
    obj = _decode(ev.kv.value, ev.kv.mod_revision)
    return ("ADDED" if ev.kv.create_revision == ev.kv.mod_revision else "MODIFIED"), obj, prev
