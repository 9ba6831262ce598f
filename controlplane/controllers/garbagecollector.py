"""The garbage collector: follows ownerReferences so deleting an owner deletes its dependents
(background), deletes them first (foreground, the foregroundDeletion finalizer) or leaves them (orphan).
Built-in objects come from the shared informers, custom resources from the REST API (CustomObjects).
"""
from __future__ import annotations

import logging
from typing import NamedTuple

from google.protobuf.message import Message

from api import errors, kinds, meta, retry
from controlplane.controllers.core import informers as idx
from controlplane.controllers.core.controller import Context, Controller
from controlplane.controllers.core.customobjects import CustomObjects, Item

log = logging.getLogger(__name__)

ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"
# Events are many and never own anything; every other kind can be an owner or a dependent.
WATCHED = tuple(k.name for k in kinds.KINDS if k.name != "Event")
FOREGROUND_RECHECK_S = 5.0  # a safety net in case a dependent's deletion went unseen


def item_key(obj: Message | Item) -> str:
    """`Kind|namespace/name`; a custom resource's `plural.group|namespace/name` (a dot no built-in kind has)."""
    if isinstance(obj, Item):
        return f"{obj.resource.name}|{obj.key}"
    return f"{kinds.of(obj).name}|{meta.key(obj)}"


class GarbageCollector(Controller):
    name = "garbagecollector"
    workers = 0

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.informers = {kind: ctx.informers.get(kind) for kind in WATCHED}
        for informer in self.informers.values():
            informer.add_handlers(on_add=self._changed, on_update=lambda old, new: self._changed(new),
                                  on_delete=self._deleted)
        # Custom resources are served over REST only: without the REST address (the kubeconfig's
        # skiff.rest-server) the collector sees built-in kinds only.
        rest_server = getattr(self.client, "rest_server", "")
        self.custom = CustomObjects(rest_server, self.client.credentials) if rest_server else None
        if self.custom is not None:
            self.custom.add_handlers(lambda r, o: self._changed(Item(r, o)), lambda r, o: self._deleted(Item(r, o)))

    async def prepare(self) -> None:
        if self.custom is not None:
            await self.custom.start()

    async def stop(self) -> None:
        await super().stop()
        if self.custom is not None:
            await self.custom.stop()

    # ------------------------------------------------------------ handlers: only enqueue

    def _changed(self, obj) -> None:
        if _refs(obj) or _held_by(obj) is not None:
            self.enqueue(item_key(obj))

    def _deleted(self, obj) -> None:
        for dependent in self._dependents(_uid(obj)):
            self.enqueue(item_key(dependent))
        # an owner deleting in the foreground waits for exactly this
        self._enqueue_owners(obj)

    def _enqueue_owners(self, obj) -> None:
        for ref in _refs(obj):
            for owner in self._cached(ref):
                self.enqueue(item_key(owner))

    def _cached(self, ref) -> list:
        """The owner `ref` names, from the caches ([] when they do not hold it)."""
        informer = self.informers.get(ref.kind)
        if informer is not None:
            return informer.by_index(idx.UID, ref.uid)
        if self.custom is None:
            return []
        return [item for item in self._custom_items() if item.resource.kind == ref.kind and _uid(item) == ref.uid]

    def _custom_items(self) -> list[Item]:
        # a scan, not an index: custom resources are few next to pods, and this keeps the cache a plain dict
        return [Item(r, o) for r, o in self.custom.all()] if self.custom is not None else []

    def _dependents(self, uid: str) -> list:
        return [*(obj for informer in self.informers.values() for obj in informer.by_index(idx.OWNER_UID, uid)),
                *(item for item in self._custom_items() if any(ref.uid == uid for ref in _refs(item)))]

    # ------------------------------------------------------------ sync

    async def sync(self, key: str) -> None:
        kind, _, obj_key = key.partition("|")
        if kind in self.informers:
            obj = self.informers[kind].get(obj_key)
        else:
            found = self.custom.get(kind, obj_key) if self.custom is not None else None
            obj = Item(self.custom.resources[kind], found) if found is not None else None
        if obj is None:
            return
        held = _held_by(obj)
        if held == ORPHAN:
            await self._orphan_dependents(obj)
        elif held == FOREGROUND:
            await self._delete_dependents_first(obj)
        elif _refs(obj) and not _being_deleted(obj):
            await self._check_owners(obj)

    async def _dependents_now(self, owner) -> list:
        """Dependents as the server has them now: a lagging cache would let the owner go too early."""
        uid, found = _uid(owner), []
        for kind in self.informers:
            namespace = _namespace(owner) if kinds.lookup(kind).namespaced else ""
            for obj in (await self.client.list(kind, namespace)).items:
                if any(r.uid == uid for r in obj.metadata.owner_references):
                    found.append(obj)
        for resource in list(self.custom.resources.values()) if self.custom is not None else []:
            for obj in await self.custom.list_now(resource, _namespace(owner) if resource.namespaced else ""):
                item = Item(resource, obj)
                if any(r.uid == uid for r in _refs(item)):
                    found.append(item)
        return found

    async def _orphan_dependents(self, owner) -> None:
        uid = _uid(owner)
        for dependent in await self._dependents_now(owner):
            await self._rewrite(dependent, lambda o: _drop_refs(o, uid))
        await self._rewrite(owner, lambda o: _drop_finalizer(o, ORPHAN))

    async def _delete_dependents_first(self, owner) -> None:
        uid = _uid(owner)
        dependents = await self._dependents_now(owner)
        for dependent in dependents:
            if _being_deleted(dependent):
                continue
            # a dependent that owns things itself goes in the foreground too, so the whole tree goes first
            policy = "Foreground" if self._dependents(_uid(dependent)) else "Background"
            await self._delete(dependent, policy)
        blocking = [d for d in dependents if any(r.uid == uid and r.block for r in _refs(d))]
        if blocking:
            self.queue.add_after(item_key(owner), FOREGROUND_RECHECK_S)
            return
        await self._rewrite(owner, lambda o: _drop_finalizer(o, FOREGROUND))

    async def _check_owners(self, obj) -> None:
        refs = _refs(obj)
        absent = [ref for ref in refs if not await self._owner_exists(obj, ref)]
        if not absent:
            return
        if len(absent) == len(refs):
            log.info("deleting %s: its owners are gone", item_key(obj))
            await self._delete(obj, "Background")
            return
        gone = {ref.uid for ref in absent}
        await self._rewrite(obj, lambda o: _drop_refs(o, *gone))

    async def _owner_exists(self, obj, ref) -> bool:
        if self._cached(ref):
            return True
        # The cache may simply not have seen a new owner yet: ask the server before deleting anything.
        try:
            kind = kinds.lookup(ref.kind)
        except kinds.UnknownKindError:
            return await self._custom_owner_exists(obj, ref)
        if ref.api_version and ref.api_version.rpartition("/")[0] != kind.api_version.rpartition("/")[0]:
            return await self._custom_owner_exists(obj, ref)  # a custom kind of the same name as a built-in one
        try:
            owner = await self.client.get(kind, ref.name, _namespace(obj) if kind.namespaced else "")
        except errors.NotFound:
            return False
        return owner.metadata.uid == ref.uid

    async def _custom_owner_exists(self, obj, ref) -> bool:
        resource = self.custom.resource_for(ref.api_version, ref.kind) if self.custom is not None else None
        if resource is None:
            return True  # a kind skiff does not serve (or cannot see) cannot be checked: keep the dependent
        try:
            owner = await self.custom.get_now(resource, _namespace(obj) if resource.namespaced else "", ref.name)
        except errors.NotFound:
            return False
        return (owner.get("metadata") or {}).get("uid") == ref.uid

    # ------------------------------------------------------------ writes

    async def _delete(self, obj, policy: str) -> None:
        if isinstance(obj, Item):
            await self.custom.delete(obj.resource, obj.obj, policy)
            return
        try:
            # The resourceVersion precondition makes a decision taken on a stale copy (one that does not
            # yet show a new owner) fail as a Conflict; the key is retried on fresh state.
            await self.client.delete(kinds.of(obj), obj.metadata.name, obj.metadata.namespace,
                                     propagation=policy, precondition_uid=obj.metadata.uid,
                                     precondition_resource_version=obj.metadata.resource_version)
        except errors.NotFound:
            pass

    async def _rewrite(self, obj, change) -> None:
        """Re-read `obj`, apply `change` (which returns False when there is nothing to do), write it back."""
        if isinstance(obj, Item):
            await self.custom.rewrite(obj.resource, obj.obj, lambda o: change(Item(obj.resource, o)))
            return
        kind = kinds.of(obj)

        async def attempt():
            try:
                current = await self.client.get(kind, obj.metadata.name, obj.metadata.namespace)
            except errors.NotFound:
                return
            if current.metadata.uid != obj.metadata.uid or not change(current):
                return
            try:
                await self.client.update(current)
            except errors.NotFound:
                pass

        await retry.on_conflict(attempt)


class Ref(NamedTuple):
    uid: str
    kind: str
    api_version: str
    name: str
    block: bool


def _refs(obj) -> list[Ref]:
    """The owner references of a built-in object or a custom resource, in one shape."""
    if isinstance(obj, Item):
        return [Ref(str(r.get("uid", "")), str(r.get("kind", "")), str(r.get("apiVersion", "")),
                    str(r.get("name", "")), bool(r.get("blockOwnerDeletion")))
                for r in obj.metadata.get("ownerReferences") or [] if isinstance(r, dict)]
    return [Ref(r.uid, r.kind, r.api_version, r.name, r.block_owner_deletion) for r in obj.metadata.owner_references]


def _uid(obj) -> str:
    return obj.metadata.get("uid", "") if isinstance(obj, Item) else obj.metadata.uid


def _namespace(obj) -> str:
    return obj.metadata.get("namespace", "") if isinstance(obj, Item) else obj.metadata.namespace


def _finalizers(obj) -> list[str]:
    return list(obj.metadata.get("finalizers") or []) if isinstance(obj, Item) else list(obj.metadata.finalizers)


def _being_deleted(obj) -> bool:
    return bool(obj.metadata.get("deletionTimestamp")) if isinstance(obj, Item) else meta.is_being_deleted(obj)


def _held_by(obj) -> str | None:
    """The deletion finalizer the collector must act on, for an object being deleted."""
    if not _being_deleted(obj):
        return None
    finalizers = _finalizers(obj)
    if ORPHAN in finalizers:
        return ORPHAN
    if FOREGROUND in finalizers:
        return FOREGROUND
    return None


def _drop_refs(obj, *uids: str) -> bool:
    if isinstance(obj, Item):
        refs = obj.metadata.get("ownerReferences") or []
        keep = [r for r in refs if r.get("uid") not in uids]
        if len(keep) == len(refs):
            return False
        if keep:
            obj.metadata["ownerReferences"] = keep
        else:
            obj.metadata.pop("ownerReferences", None)  # omitted when empty, as Kubernetes serves it
        return True
    keep = [r for r in obj.metadata.owner_references if r.uid not in uids]
    if len(keep) == len(obj.metadata.owner_references):
        return False
    del obj.metadata.owner_references[:]
    obj.metadata.owner_references.extend(keep)
    return True


def _drop_finalizer(obj, name: str) -> bool:
    if isinstance(obj, Item):
        finalizers = obj.metadata.get("finalizers") or []
        if name not in finalizers:
            return False
        if len(finalizers) > 1:
            obj.metadata["finalizers"] = [f for f in finalizers if f != name]
        else:
            obj.metadata.pop("finalizers", None)
        return True
    if name not in obj.metadata.finalizers:
        return False
    obj.metadata.finalizers.remove(name)
    return True
