"""The namespace controller: a Namespace being deleted has every object in it deleted, then loses
its "kubernetes" finalizer so the API server can remove it.
"""
from __future__ import annotations

import logging

from api import errors, kinds, meta, retry
from controlplane.controllers.core.controller import Context, Controller

log = logging.getLogger(__name__)

FINALIZER = "kubernetes"
NAMESPACED = tuple(k for k in kinds.KINDS if k.namespaced)


class NamespaceController(Controller):
    name = "namespace"
    workers = 2

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.namespaces = ctx.informers.get("Namespace")
        self.namespaces.add_handlers(on_add=self._changed, on_update=lambda old, new: self._changed(new))

    def _changed(self, ns) -> None:
        if meta.is_being_deleted(ns):
            self.enqueue(ns.metadata.name)

    async def sync(self, key: str) -> None:
        ns = self.namespaces.get(key)
        if ns is None or not meta.is_being_deleted(ns) or FINALIZER not in ns.spec.finalizers:
            return
        remaining = 0
        # Live lists, not caches: the finalizer must not go while anything is left in the namespace.
        for kind in NAMESPACED:
            items = (await self.client.list(kind, key)).items
            remaining += len(items)
            for obj in items:
                if meta.is_being_deleted(obj):
                    continue
                try:
                    await self.client.delete(kind, obj.metadata.name, key)
                except errors.NotFound:
                    pass
        if remaining:
            log.debug("namespace %s: %d objects left", key, remaining)
            self.queue.add_after(key, self.options.namespace_sync_period)
            return
        await retry.on_conflict(lambda: self._finalize(key))
        log.info("namespace %s: emptied, finalized", key)

    async def _finalize(self, name: str) -> None:
        try:
            ns = await self.client.get("Namespace", name, "")
        except errors.NotFound:
            return
        if FINALIZER in ns.spec.finalizers:
            ns.spec.finalizers.remove(FINALIZER)
            await self.client.update(ns)
