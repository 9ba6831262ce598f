"""An informer: list, then watch, keeping a local cache of one kind and telling handlers what changed.

It re-lists when its resourceVersion is too old and reconnects with backoff when the API server goes,
so the cache always converges to the server's state. Handlers should only enqueue work.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from google.protobuf.message import Message

from api import errors, meta
from api.client import Client, KindLike, _kind
from api.retry import Backoff
from api.tasks import cancel_and_wait

log = logging.getLogger(__name__)

Handler = Callable[..., None]
IndexFunc = Callable[[Message], list[str]]


@dataclass
class Handlers:
    on_add: Handler | None = None  # (obj)
    on_update: Handler | None = None  # (old, new)
    on_delete: Handler | None = None  # (obj)


class Informer:
    def __init__(self, client: Client, kind: KindLike, namespace: str = "", label_selector: str = "",
                 field_selector: str = ""):
        self.client = client
        self.kind = _kind(kind)
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        self._cache: dict[str, Message] = {}
        self._handlers: list[Handlers] = []
        self._indexers: dict[str, IndexFunc] = {}
        self._indices: dict[str, dict[str, set[str]]] = {}
        self._synced = asyncio.Event()
        self._task: asyncio.Task | None = None
        self.resource_version = ""
        self.relists = 0

    # ------------------------------------------------------------ set-up

    def add_handlers(self, on_add: Handler | None = None, on_update: Handler | None = None,
                     on_delete: Handler | None = None) -> None:
        handlers = Handlers(on_add, on_update, on_delete)
        self._handlers.append(handlers)
        if on_add is not None:  # a late handler hears of what is already cached
            for obj in self._cache.values():
                on_add(obj)

    def add_index(self, name: str, func: IndexFunc) -> None:
        """Keep objects findable by func(obj) values, e.g. pods by node name."""
        self._indexers[name] = func
        index = self._indices[name] = {}
        for k, obj in self._cache.items():
            for value in func(obj):
                index.setdefault(value, set()).add(k)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"informer-{self.kind.plural}")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def wait_synced(self, timeout: float | None = None) -> None:
        await asyncio.wait_for(self._synced.wait(), timeout)

    @property
    def synced(self) -> bool:
        return self._synced.is_set()

    # ------------------------------------------------------------ reads

    def get(self, key: str) -> Message | None:
        return self._cache.get(key)

    def list(self) -> list[Message]:
        return list(self._cache.values())

    def keys(self) -> list[str]:
        return list(self._cache)

    def by_index(self, name: str, value: str) -> list[Message]:
        return [self._cache[k] for k in self._indices[name].get(value, ())]

    def __len__(self) -> int:
        return len(self._cache)

    # ------------------------------------------------------------ the loop

    async def _run(self) -> None:
        backoff = Backoff()
        need_list = True
        while True:
            try:
                if need_list:
                    await self._relist()
                    need_list = False
                    backoff.reset()
                async for event in self.client.watch(self.kind, self.namespace, self.label_selector,
                                                     self.field_selector, self.resource_version):
                    backoff.reset()
                    self._apply(event)
            except errors.Expired:
                need_list = True
            except (errors.Unavailable, errors.Timeout, errors.Internal) as e:
                log.debug("%s informer: %s; retrying", self.kind.plural, e)
                await backoff.wait()
            except asyncio.CancelledError:
                raise
            except errors.ApiError as e:
                log.warning("%s informer: %s; re-listing", self.kind.plural, e)
                need_list = True
                await backoff.wait()
            else:
                await backoff.wait()  # the server closed the stream cleanly: watch again

    async def _relist(self) -> None:
        result = await self.client.list(self.kind, self.namespace, self.label_selector, self.field_selector)
        self.relists += 1
        fresh = {meta.key(obj): obj for obj in result.items}
        old = dict(self._cache)
        for k, obj in fresh.items():
            self._store(k, obj)
            if k in old:
                if old[k].metadata.resource_version != obj.metadata.resource_version:
                    self._emit_update(old[k], obj)
            else:
                self._emit_add(obj)
        for k in [k for k in old if k not in fresh]:
            gone = self._remove(k)
            self._emit_delete(gone)
        self.resource_version = result.resource_version
        self._synced.set()

    def _apply(self, event) -> None:
        if event.type == "BOOKMARK":
            self.resource_version = event.resource_version
            return
        obj = event.object
        k = meta.key(obj)
        if event.type == "DELETED":
            gone = self._remove(k)
            self._emit_delete(gone if gone is not None else obj)
        else:
            old = self._cache.get(k)
            self._store(k, obj)
            if old is None:
                self._emit_add(obj)
            else:
                self._emit_update(old, obj)
        self.resource_version = obj.metadata.resource_version

    # ------------------------------------------------------------ cache and indices

    def _store(self, k: str, obj: Message) -> None:
        old = self._cache.get(k)
        self._cache[k] = obj
        for name, func in self._indexers.items():
            index = self._indices[name]
            if old is not None:
                for value in func(old):
                    index.get(value, set()).discard(k)
            for value in func(obj):
                index.setdefault(value, set()).add(k)

    def _remove(self, k: str) -> Message | None:
        old = self._cache.pop(k, None)
        if old is not None:
            for name, func in self._indexers.items():
                for value in func(old):
                    self._indices[name].get(value, set()).discard(k)
        return old

    def _emit_add(self, obj: Message) -> None:
        for h in self._handlers:
            if h.on_add:
                self._safely(h.on_add, obj)

    def _emit_update(self, old: Message, new: Message) -> None:
        for h in self._handlers:
            if h.on_update:
                self._safely(h.on_update, old, new)

    def _emit_delete(self, obj: Message) -> None:
        for h in self._handlers:
            if h.on_delete:
                self._safely(h.on_delete, obj)

    def _safely(self, handler: Handler, *args) -> None:
        try:
            handler(*args)
        except Exception:
            log.exception("%s informer handler %r failed", self.kind.plural, handler)
