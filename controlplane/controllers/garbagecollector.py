"""The garbage collector: follows ownerReferences so deleting an owner deletes its dependents
(background), deletes them first (foreground, the foregroundDeletion finalizer) or leaves them (orphan).
"""
from __future__ import annotations

import logging

from google.protobuf.message import Message

from api import errors, kinds, meta, retry
from controlplane.controllers.core import informers as idx
from controlplane.controllers.core.controller import Context, Controller

log = logging.getLogger(__name__)

ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"
# Events are many and never own anything; every other kind can be an owner or a dependent.
WATCHED = tuple(k.name for k in kinds.KINDS if k.name != "Event")
FOREGROUND_RECHECK_S = 5.0  # a safety net in case a dependent's deletion went unseen


def item_key(obj: Message) -> str:
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

    # ------------------------------------------------------------ handlers: only enqueue

    def _changed(self, obj) -> None:
        if obj.metadata.owner_references or _held_by(obj) is not None:
            self.enqueue(item_key(obj))

    def _deleted(self, obj) -> None:
        for dependent in self._dependents(obj.metadata.uid):
            self.enqueue(item_key(dependent))
        # an owner deleting in the foreground waits for exactly this
        self._enqueue_owners(obj)

    def _enqueue_owners(self, obj) -> None:
        for ref in obj.metadata.owner_references:
            informer = self.informers.get(ref.kind)
            if informer is None:
                continue
            for owner in informer.by_index(idx.UID, ref.uid):
                self.enqueue(item_key(owner))

    def _dependents(self, uid: str) -> list[Message]:
        return [obj for informer in self.informers.values() for obj in informer.by_index(idx.OWNER_UID, uid)]

    # ------------------------------------------------------------ sync

    async def sync(self, key: str) -> None:
        kind, _, obj_key = key.partition("|")
        obj = self.informers[kind].get(obj_key)
        if obj is None:
            return
        held = _held_by(obj)
        if held == ORPHAN:
            await self._orphan_dependents(obj)
        elif held == FOREGROUND:
            await self._delete_dependents_first(obj)
        elif obj.metadata.owner_references and not meta.is_being_deleted(obj):
            await self._check_owners(obj)

    async def _dependents_now(self, owner) -> list[Message]:
        """Dependents as the server has them now: a lagging cache would let the owner go too early."""
        uid, found = owner.metadata.uid, []
        for kind in self.informers:
            namespace = owner.metadata.namespace if kinds.lookup(kind).namespaced else ""
            for obj in (await self.client.list(kind, namespace)).items:
                if any(r.uid == uid for r in obj.metadata.owner_references):
                    found.append(obj)
        return found

    async def _orphan_dependents(self, owner) -> None:
        uid = owner.metadata.uid
        for dependent in await self._dependents_now(owner):
            await self._rewrite(dependent, lambda o: _drop_refs(o, uid))
        await self._rewrite(owner, lambda o: _drop_finalizer(o, ORPHAN))

    async def _delete_dependents_first(self, owner) -> None:
        uid = owner.metadata.uid
        dependents = await self._dependents_now(owner)
        for dependent in dependents:
            if meta.is_being_deleted(dependent):
                continue
            # a dependent that owns things itself goes in the foreground too, so the whole tree goes first
            policy = "Foreground" if self._dependents(dependent.metadata.uid) else "Background"
            await self._delete(dependent, policy)
        blocking = [d for d in dependents
                    if any(r.uid == uid and r.block_owner_deletion for r in d.metadata.owner_references)]
        if blocking:
            self.queue.add_after(item_key(owner), FOREGROUND_RECHECK_S)
            return
        await self._rewrite(owner, lambda o: _drop_finalizer(o, FOREGROUND))

    async def _check_owners(self, obj) -> None:
        absent = [ref for ref in obj.metadata.owner_references if not await self._owner_exists(obj, ref)]
        if not absent:
            return
        if len(absent) == len(obj.metadata.owner_references):
            log.info("deleting %s %s: its owners are gone", kinds.of(obj).name, meta.key(obj))
            await self._delete(obj, "Background")
            return
        gone = {ref.uid for ref in absent}
        await self._rewrite(obj, lambda o: _drop_refs(o, *gone))

    async def _owner_exists(self, obj, ref) -> bool:
        informer = self.informers.get(ref.kind)
        if informer is not None and informer.by_index(idx.UID, ref.uid):
            return True
        # The cache may simply not have seen a new owner yet: ask the server before deleting anything.
        try:
            kind = kinds.lookup(ref.kind)
        except kinds.UnknownKindError:
            return True  # a kind skiff does not serve cannot be checked: keep the dependent
        try:
            owner = await self.client.get(kind, ref.name, obj.metadata.namespace if kind.namespaced else "")
        except errors.NotFound:
            return False
        return owner.metadata.uid == ref.uid

    # ------------------------------------------------------------ writes

    async def _delete(self, obj, policy: str) -> None:
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


def _held_by(obj) -> str | None:
    """The deletion finalizer the collector must act on, for an object being deleted."""
    if not meta.is_being_deleted(obj):
        return None
    finalizers = obj.metadata.finalizers
    if ORPHAN in finalizers:
        return ORPHAN
    if FOREGROUND in finalizers:
        return FOREGROUND
    return None


def _drop_refs(obj, *uids: str) -> bool:
    keep = [r for r in obj.metadata.owner_references if r.uid not in uids]
    if len(keep) == len(obj.metadata.owner_references):
        return False
    del obj.metadata.owner_references[:]
    obj.metadata.owner_references.extend(keep)
    return True


def _drop_finalizer(obj, name: str) -> bool:
    if name not in obj.metadata.finalizers:
        return False
    obj.metadata.finalizers.remove(name)
    return True
