"""The API's verbs over stored objects of any kind, with Kubernetes' generic rules: server-set metadata,
optimistic concurrency, finalizers, subresources. What differs by kind is asked of its strategy
(controlplane/apiserver/resources/), so nothing here names a kind.
"""
from __future__ import annotations

import base64
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from google.protobuf.message import Message

from api import errors, kinds, manifest, meta, names, selectors
from api import patch as patching
from api.kinds import Kind
from controlplane.apiserver import deletion, resources
from controlplane.apiserver.admission import CREATE, UPDATE, Admission
from controlplane.apiserver.crd.store import JsonStore
from controlplane.apiserver.quotacharge import QuotaCharger
from controlplane.apiserver.resources import Reservations, Settings
from controlplane.apiserver.storage import Storage, TxnFailed
from controlplane.apiserver.watchcache import WatchCache, Watcher
from proto import types_pb2

log = logging.getLogger(__name__)

ROOT = "/registry"
# A list page stops growing past this many bytes, whatever the limit, so no response
# comes near gRPC's message size.
MAX_PAGE_BYTES = 2 * 1024 * 1024
LIST_CHUNK = 500


def storage_prefix(kind: Kind, namespace: str = "") -> bytes:
    if kind.namespaced and namespace:
        return f"{ROOT}/{kind.plural}/{namespace}/".encode()
    return f"{ROOT}/{kind.plural}/".encode()


def storage_key(kind: Kind, namespace: str, name: str) -> bytes:
    if kind.namespaced:
        return f"{ROOT}/{kind.plural}/{namespace}/{name}".encode()
    return f"{ROOT}/{kind.plural}/{name}".encode()


def encode(obj: Message) -> bytes:
    """Stored bytes: the resourceVersion is not stored, it is etcd's mod revision."""
    rv = obj.metadata.resource_version
    obj.metadata.resource_version = ""
    try:
        return obj.SerializeToString(deterministic=True)
    finally:
        obj.metadata.resource_version = rv


def decoder(kind: Kind):
    def decode(data: bytes, revision: int) -> Message:
        obj = kind.message.FromString(data)
        obj.metadata.resource_version = str(revision)
        return obj
    return decode


# The asynchronous admission of an update (webhooks, quota): (new, old) -> whether it made a change of its own
# that must be written (a mutating webhook's on an otherwise unchanged object), or Forbidden, before the write.
Charge = Callable[[Message, Message], Awaitable[bool | None]]


@dataclass
class Change:
    """What a read-modify-write decided: the object to store (or, removing, the object as it was)."""

    obj: Message
    remove: bool = False  # delete the key instead of writing it
    write: bool = True  # False: answer with `obj` and store nothing (no change, or a dry run)


def _describe(kind: Kind, namespace: str, name: str) -> str:
    # Kubernetes' wording: `pods "web" not found`, `deployments.apps "web" not found`
    return f'{kind.resource} "{name}"'


class Registry:
    """Create, get, list, update, delete and watch any kind, through one Storage and one cache per kind."""

    def __init__(self, storage: Storage, settings: Settings | None = None):
        self.storage = storage
        self.settings = settings or Settings()
        self.caches: dict[Kind, WatchCache] = {
            k: WatchCache(storage, k, storage_prefix(k), decoder(k), trigger=_trigger_of(k)) for k in kinds.KINDS}
        self._reservations: dict[Kind, Reservations | None] = {
            k: resources.for_kind(k).reservations(self.settings) for k in kinds.KINDS}
        self.admission = Admission(self._lookup, self.cached, self._objects_in, JsonStore(storage))
        self.quotas = QuotaCharger(self._objects_in, self._fresh, self._compare_and_swap)

    async def start(self, sync_timeout: float = 30.0) -> None:
        await self.storage.start()
        for cache in self.caches.values():
            cache.start()
        for cache in self.caches.values():
            await cache.wait_synced(sync_timeout)
        written: dict[Kind, list[bytes]] = {}
        for strategy in resources.STRATEGIES.values():
            for obj in strategy.bootstrap:
                try:
                    created = await self.create(obj)
                except errors.AlreadyExists:
                    continue
                kind = kinds.of(created)
                written.setdefault(kind, []).append(storage_key(kind, created.metadata.namespace,
                                                                created.metadata.name))
        # The authorizer reads roles and bindings from the caches: serve only once they hold the defaults
        # (kube-apiserver's rbac/bootstrap-roles post-start hook), or the first callers are refused.
        for kind, keys in written.items():
            if kind in self.caches:
                await self.caches[kind].wait_for_objects(keys, sync_timeout)

    async def stop(self) -> None:
        for cache in self.caches.values():
            await cache.stop()
        await self.storage.close()

    # ------------------------------------------------------------ create / get / list

    async def create(self, obj: Message, dry_run: bool = False) -> Message:
        kind = kinds.of(obj)
        strategy = resources.for_kind(kind)
        obj = meta.copy(obj)
        obj.api_version, obj.kind = kind.api_version, kind.name
        m = obj.metadata
        if not kind.namespaced:
            m.namespace = ""
        if not m.name and m.generate_name:
            m.name = names.generated_name(m.generate_name)
        m.uid = str(uuid.uuid4())
        m.creation_timestamp = meta.now_text()
        m.resource_version = ""
        m.generation = 1
        m.deletion_timestamp = ""
        m.ClearField("deletion_grace_period_seconds")
        if kind.has_status and strategy.reset_status_on_create:
            obj.ClearField("status")
        strategy.prepare_for_create(obj)
        resources.default(obj)
        await self.admission.mutate(obj)
        mutated = await self.admission.mutate_by_webhooks(CREATE, obj, None, dry_run=dry_run)
        if mutated is not obj:  # defaulted again, as Kubernetes decodes a patched object
            obj, m = mutated, mutated.metadata
            resources.default(obj)
        strategy.complete_create(obj)
        await self.admission.prefetch(kind, m.namespace)
        problems = resources.validate(obj)
        reservations = self._reservations[kind]
        if reservations is not None:
            problems += reservations.check(obj)
        if problems:
            raise errors.Invalid.of(f'{kind.name} "{m.name}"', problems)
        self.admission.validate(CREATE, obj, None)
        await self.admission.validate_by_webhooks(CREATE, obj, None, dry_run=dry_run)
        if kind.namespaced:
            await self._require_open_namespace(m.namespace)
            await self.quotas.charge(obj, dry_run=dry_run)  # last: the charge is made for a write that follows
        key = storage_key(kind, m.namespace, m.name)
        if dry_run:
            if reservations is not None:  # as Kubernetes: a dry run shows the values a create would take
                reservations.allocate(obj, self.caches[kind].objects.values())
            return obj
        if reservations is not None:
            return await self._create_reserving(kind, obj, key, reservations)
        try:
            revision = await self.storage.create(key, encode(obj))
        except errors.AlreadyExists:
            raise errors.AlreadyExists(f"{_describe(kind, m.namespace, m.name)} already exists") from None
        m.resource_version = str(revision)
        return obj

    # ------------------------------------------------------------ reservations (a Service's IPs and ports)

    async def _create_reserving(self, kind: Kind, requested: Message, key: bytes,
                                reservations: Reservations) -> Message:
        """Create an object with the values it reserves (ClusterIP, NodePorts) in the same transaction."""
        for _ in range(16):
            obj = meta.copy(requested)
            reservations.allocate(obj, self.caches[kind].objects.values())
            try:
                revision = await self.storage.transact(
                    creates={key: encode(obj), **{k: b"" for k in reservations.keys(obj)}})
            except TxnFailed as failed:
                if key in failed.present:
                    m = obj.metadata
                    raise errors.AlreadyExists(f"{_describe(kind, m.namespace, m.name)} already exists") from None
                refusal = reservations.refusal(requested, failed.present)
                if refusal is not None:
                    raise refusal from None
                continue  # a randomly chosen value was taken meanwhile: choose again
            obj.metadata.resource_version = str(revision)
            return obj
        raise errors.Conflict(f"could not reserve the values of {kind.name} \"{requested.metadata.name}\"; "
                              f"try again")

    async def _write_reserving(self, kind: Kind, key: bytes, old: Message, change: "Change", revision: int,
                               reservations: Reservations) -> int:
        """Update or remove an object, moving its reservations in the same transaction."""
        old_keys = reservations.keys(old)
        try:
            if change.remove:
                return await self.storage.transact(deletes={key: revision, **{k: None for k in old_keys}})
            reservations.allocate(change.obj, self.caches[kind].objects.values())
            new_keys = reservations.keys(change.obj)
            return await self.storage.transact(
                creates={k: b"" for k in new_keys - old_keys},
                updates={key: (encode(change.obj), revision)},
                deletes={k: None for k in old_keys - new_keys})
        except TxnFailed as failed:
            if key in failed.present and failed.present[key] == revision and not change.remove:
                refusal = reservations.refusal(change.obj, failed.present)
                if refusal is not None:
                    raise refusal from None
            raise errors.Conflict(f"the {kind.name} changed meanwhile") from None

    async def _require_open_namespace(self, namespace: str) -> None:
        ns_kind = kinds.NAMESPACE
        ns = self.caches[ns_kind].objects.get(storage_key(ns_kind, "", namespace))
        if ns is None:
            try:
                ns = await self.get(ns_kind, "", namespace)
            except errors.NotFound:
                raise errors.NotFound(f'namespaces "{namespace}" not found') from None
        if ns.metadata.deletion_timestamp:
            raise errors.PreconditionFailed(
                f"unable to create new content in namespace {namespace} because it is being terminated")

    async def get(self, kind: Kind, namespace: str, name: str, resource_version: str = "") -> Message:
        """The object; resource_version "0" accepts the watch cache's version (a moment behind etcd, at most),
        as Kubernetes does, saving the etcd read."""
        namespace = namespace if kind.namespaced else ""
        if resource_version == "0" and (found := self.cached(kind, namespace, name)) is not None:
            return meta.copy(found)
        try:
            kv = await self.storage.get(storage_key(kind, namespace, name))
        except errors.NotFound:
            raise errors.NotFound(f"{_describe(kind, namespace, name)} not found") from None
        return decoder(kind)(kv.value, kv.mod_revision)

    async def _lookup(self, kind: Kind, namespace: str, name: str) -> Message | None:
        """The object from the watch cache, else from etcd (one just created), else None."""
        found = self.cached(kind, namespace, name)
        if found is not None:
            return found
        try:
            return await self.get(kind, namespace, name)
        except errors.NotFound:
            return None

    def _objects_in(self, kind: Kind, namespace: str) -> list[Message]:
        """The watch cache's objects of a kind in a namespace ("": a cluster-scoped kind's)."""
        return [o for o in self.caches[kind].objects.values() if o.metadata.namespace == namespace]

    async def _fresh(self, obj: Message) -> Message | None:
        """etcd's copy of an object, or None if it is gone."""
        try:
            return await self.get(kinds.of(obj), obj.metadata.namespace, obj.metadata.name)
        except errors.NotFound:
            return None

    async def _compare_and_swap(self, obj: Message) -> None:
        """Store the object if etcd still holds it at its resourceVersion (a quota's charge); Conflict if not."""
        kind = kinds.of(obj)
        key = storage_key(kind, obj.metadata.namespace, obj.metadata.name)
        await self.storage.update(key, encode(obj), int(obj.metadata.resource_version))

    def cached(self, kind: Kind, namespace: str, name: str) -> Message | None:
        """The object as the watch cache has it (possibly a moment behind etcd), or None; do not modify it."""
        return self.caches[kind].objects.get(storage_key(kind, namespace if kind.namespaced else "", name))

    async def _read(self, kind: Kind, key: bytes, wanted: str = "", fresh: bool = False) -> tuple[Message, int]:
        """The stored object and its revision, for a read-modify-write.

        First from the watch cache, saving an etcd round trip: the compare-and-swap that follows fails if
        the cache was behind, and the retry reads etcd (`fresh`), as Kubernetes' GuaranteedUpdate does.
        """
        if not fresh:
            cached = self.caches[kind].objects.get(key)
            if cached is not None and (not wanted or cached.metadata.resource_version == wanted):
                return meta.copy(cached), int(cached.metadata.resource_version)
        kv = await self.storage.get(key)
        return decoder(kind)(kv.value, kv.mod_revision), kv.mod_revision

    async def _guaranteed_update(self, kind: Kind, key: bytes, what: str, mutate: Callable[[Message], "Change"],
                                 wanted: str = "", charge: "Charge | None" = None) -> tuple[Message, bool]:
        """Read, apply `mutate`, compare-and-swap; on a lost race read etcd and try again (Kubernetes'
        GuaranteedUpdate). Every update, delete, binding and scale goes through here.

        `wanted` is the resourceVersion the caller edited ("" for any). An error `mutate` raises is final
        only when judged on what etcd holds, not on a possibly lagging cache. `charge(new, old)` is the quota
        admission of an update, made just before the write. Returns (object, removed).
        """
        for attempt in range(16):
            fresh = attempt > 0
            try:
                old, revision = await self._read(kind, key, wanted, fresh)
            except errors.NotFound:
                raise errors.NotFound(f"{what} not found") from None
            if wanted and wanted != str(revision):
                raise _modified(what)
            try:
                change = mutate(old)
            except errors.ApiError:
                if fresh:
                    raise
                continue
            if charge is not None and not change.remove:
                try:
                    if await charge(change.obj, old) and not change.write:  # a dry run's too: judged, not charged
                        change.write = True
                except errors.Forbidden:
                    if fresh:
                        raise
                    continue  # judged against a possibly lagging copy of the object: judge again on etcd's
            if not change.write:
                return change.obj, False
            try:
                written = await self._write(kind, key, old, change, revision)
            except errors.Conflict:
                continue
            change.obj.metadata.resource_version = str(written)
            return change.obj, change.remove
        raise errors.Conflict(f"{what}: too many concurrent updates, try again")

    async def _write(self, kind: Kind, key: bytes, old: Message, change: "Change", revision: int) -> int:
        """Store a change if the key is still at `revision`, moving the object's reservations with it."""
        reservations = self._reservations[kind]
        if reservations is not None:
            return await self._write_reserving(kind, key, old, change, revision, reservations)
        if change.remove:
            return await self.storage.delete(key, revision)
        return await self.storage.update(key, encode(change.obj), revision)

    async def list(self, kind: Kind, namespace: str = "", label_selector: str = "",
                   field_selector: str = "", limit: int = 0,
                   continue_token: str = "") -> tuple[list[Message], int, str]:
        """One page: (items, resourceVersion the page was read at, continue token or "")."""
        matches = self._predicate(kind, label_selector, field_selector)
        prefix = storage_prefix(kind, namespace)
        start, revision = None, 0
        if continue_token:
            revision, start = _decode_continue(continue_token)
            if not start.startswith(prefix):
                raise errors.Invalid("continue token does not belong to this list", ["continue: invalid value"])
        decode = decoder(kind)
        items: list[Message] = []
        size = 0
        while True:
            chunk_size = LIST_CHUNK if not limit else max(min(limit - len(items), LIST_CHUNK), 1)
            try:
                kvs, read_at, more = await self.storage.list(prefix, start, chunk_size, revision)
            except errors.Expired:
                raise errors.Expired("the continue token is too old (its resourceVersion was compacted); "
                                     "list again from the start") from None
            revision = revision or read_at
            for i, kv in enumerate(kvs):
                obj = decode(kv.value, kv.mod_revision)
                if not matches(obj):
                    continue
                items.append(obj)
                size += len(kv.value) + 64
                if (limit and len(items) >= limit) or size >= MAX_PAGE_BYTES:
                    remaining = more or i < len(kvs) - 1
                    token = _encode_continue(revision, kv.key + b"\0") if remaining else ""
                    return items, revision, token
            if not more:
                return items, revision, ""
            start = kvs[-1].key + b"\0"

    def _predicate(self, kind: Kind, label_selector: str, field_selector: str):
        strategy = resources.for_kind(kind)
        try:
            labels = selectors.parse_label_selector(label_selector)
            by_field = selectors.parse_field_selector(field_selector, strategy.selectable_fields or
                                                      resources.COMMON_FIELDS)
        except selectors.SelectorError as e:  # a bad query parameter: 400, as Kubernetes (kubectl names the selectors)
            raise errors.BadRequest(str(e), [str(e)]) from None
        if labels.is_empty() and by_field.is_empty():
            return lambda obj: True
        return lambda obj: (labels.matches(obj.metadata.labels)
                            and by_field.matches(lambda path: strategy.field_value(obj, path)))

    # ------------------------------------------------------------ update

    async def update(self, obj: Message, subresource: str = "", dry_run: bool = False) -> Message:
        kind = kinds.of(obj)
        strategy = resources.for_kind(kind)
        self._check_subresource(kind, subresource)
        namespace = obj.metadata.namespace or ("default" if kind.namespaced else "")
        namespace = namespace if kind.namespaced else ""
        name = obj.metadata.name
        key = storage_key(kind, namespace, name)
        what = _describe(kind, namespace, name)
        await self.admission.prefetch(kind, namespace)

        def merge(old: Message) -> Change:
            new = self._merge_update(kind, old, obj, subresource)
            if new == old or dry_run:
                return Change(new, write=False)
            return Change(new, remove=deletion.ready_to_remove(strategy, new))

        updated, _ = await self._guaranteed_update(kind, key, what, merge, obj.metadata.resource_version,
                                                   self._update_admission(kind, subresource, dry_run))
        return updated

    def _update_admission(self, kind: Kind, subresource: str, dry_run: bool) -> "Charge":
        """The asynchronous admission of an update, made just before the write: the mutating webhooks (what they
        change is validated again), the validating webhooks, then the quota (only of the object itself, not its
        status or another subresource)."""
        charged = kind.namespaced and not subresource

        async def admit(new: Message, old: Message) -> bool:
            mutated = await self.admission.mutate_by_webhooks(UPDATE, new, old, subresource, dry_run)
            if mutated is not new:
                self._mutated_update(kind, new, mutated, old, subresource)
            await self.admission.validate_by_webhooks(UPDATE, new, old, subresource, dry_run)
            if charged:
                await self.quotas.charge(new, old, dry_run=dry_run)
            return mutated is not new and not dry_run and new != old
        return admit

    def _mutated_update(self, kind: Kind, new: Message, mutated: Message, old: Message, subresource: str) -> None:
        """`new` becomes what a mutating webhook made of it, defaulted and validated again (in place: the caller
        writes `new`)."""
        version, generation = new.metadata.resource_version, new.metadata.generation
        new.CopyFrom(mutated)
        new.metadata.resource_version = version
        new.metadata.generation = generation
        resources.default(new)
        if not subresource and hasattr(new, "spec") and new.spec != old.spec:
            new.metadata.generation = old.metadata.generation + 1
        problems = resources.validate(new, old, subresource)
        if problems:
            raise errors.Invalid.of(f'{kind.name} "{old.metadata.name}"', problems)
        self.admission.validate(UPDATE, new, old, subresource)

    def _merge_update(self, kind: Kind, old: Message, obj: Message, subresource: str, owned: bool = False) -> Message:
        """The object to store when `obj` replaces `old`; `owned`: obj is this call's to change (not a copy)."""
        strategy = resources.for_kind(kind)
        if subresource == "status":
            new = meta.copy(old)
            new.status.CopyFrom(obj.status)
            strategy.prepare_for_status_update(new, old)
            problems = resources.validate(new, old, subresource)
        elif subresource:  # a partial update (_check_subresource made sure the kind has it)
            new = strategy.partial_updates[subresource].take(obj, old)
            resources.default(new)
            problems = resources.validate(new, old, subresource)
        else:
            new = obj if owned else meta.copy(obj)
            new.api_version, new.kind = kind.api_version, kind.name
            m, o = new.metadata, old.metadata
            if m.uid and m.uid != o.uid:
                raise errors.Conflict(f"Precondition failed: UID in object meta: {m.uid}, "
                                      f"UID in storage: {o.uid}")
            if kind.namespaced and not m.namespace:
                m.namespace = o.namespace
            m.uid = o.uid
            m.creation_timestamp = o.creation_timestamp
            m.deletion_timestamp = o.deletion_timestamp
            if o.HasField("deletion_grace_period_seconds"):
                m.deletion_grace_period_seconds = o.deletion_grace_period_seconds
            else:
                m.ClearField("deletion_grace_period_seconds")
            m.generation = o.generation
            if not m.managed_fields:  # as Kubernetes: an update that sends no managedFields keeps them
                m.managed_fields.extend(o.managed_fields)
            if kind.has_status:
                if old.HasField("status"):
                    new.status.CopyFrom(old.status)
                else:
                    new.ClearField("status")
            strategy.prepare_for_update(new, old)
            resources.default(new)
            if hasattr(new, "spec") and new.spec != old.spec:
                m.generation = o.generation + 1
            problems = resources.validate(new, old)
        if problems:
            raise errors.Invalid.of(f'{kind.name} "{old.metadata.name}"', problems)
        self.admission.validate(UPDATE, new, old, subresource)
        new.metadata.resource_version = old.metadata.resource_version
        return new

    # ------------------------------------------------------------ patch

    async def patch(self, kind: Kind, namespace: str, name: str, patch_type: str, body, subresource: str = "",
                    dry_run: bool = False, validation: str = manifest.STRICT) -> tuple[Message, list[str]]:
        """Apply a patch (parsed JSON) to the stored object's manifest form and write the result as an
        update would (`update_by`: a lost race patches the newer version).

        Returns (object, warnings): the warnings name unknown or duplicate fields under Warn.
        """
        try:
            patch_type = patching.patch_type(patch_type)
        except patching.PatchError as e:
            raise errors.BadRequest(str(e), [str(e)]) from None
        warnings: list[str] = []
        updated = await self.update_by(
            kind, namespace, name, lambda old: _patched(kind, name, old, patch_type, body, validation, warnings),
            subresource, dry_run)
        return updated, warnings

    async def update_by(self, kind: Kind, namespace: str, name: str, edit: Callable[[Message], Message],
                        subresource: str = "", dry_run: bool = False) -> Message:
        """Update with what `edit` makes of the stored object (returned as a new message, the stored one left as
        it is: the two are compared), as a patch does: in the guaranteed-update loop, so a lost race edits the newer version. A resourceVersion the edit leaves set must be the stored
        one (a patch's precondition); an error `edit` raises is final. Every PATCH, gRPC or REST, comes here.
        """
        strategy = resources.for_kind(kind)
        self._check_subresource(kind, subresource)
        namespace = namespace if kind.namespaced else ""
        await self.admission.prefetch(kind, namespace)
        what = _describe(kind, namespace, name)

        def edited(old: Message) -> Change:
            obj = edit(old)
            wanted = obj.metadata.resource_version
            if wanted and wanted != old.metadata.resource_version:
                raise _modified(what)
            new = self._merge_update(kind, old, obj, subresource, owned=True)  # made for this attempt only
            if new == old or dry_run:
                return Change(new, write=False)
            return Change(new, remove=deletion.ready_to_remove(strategy, new))

        updated, _ = await self._guaranteed_update(kind, storage_key(kind, namespace, name), what, edited,
                                                   charge=self._update_admission(kind, subresource, dry_run))
        return updated

    @staticmethod
    def _check_subresource(kind: Kind, subresource: str) -> None:
        if subresource not in ("", "status", *resources.for_kind(kind).partial_updates):
            raise errors.NotFound(f'{kind.plural} have no subresource "{subresource}"')
        if subresource == "status" and not kind.has_status:
            raise errors.NotFound(f"{kind.plural} have no status subresource")

    # ------------------------------------------------------------ delete

    async def delete(self, kind: Kind, namespace: str, name: str, grace_period: int | None = None,
                     propagation: str = "", precondition_uid: str = "",
                     precondition_rv: str = "", dry_run: bool = False) -> tuple[Message, bool]:
        """Delete now, or mark for deletion while finalizers or a pod's shutdown hold it.

        Returns (object, deleted): the object as it was (deleted) or as it is now (marked).
        A dry run decides the same but stores nothing.
        """
        if propagation not in ("", "Background", "Foreground", "Orphan"):
            raise errors.Invalid.of("DeleteOptions", [
                f'propagationPolicy: Unsupported value: "{propagation}": supported values: '
                f'"Background", "Foreground", "Orphan"'])
        if grace_period is not None and grace_period < 0:
            raise errors.Invalid.of("DeleteOptions", ["gracePeriodSeconds: must be >= 0"])
        namespace = namespace if kind.namespaced else ""
        key = storage_key(kind, namespace, name)
        strategy = resources.for_kind(kind)
        refusal = strategy.refuse_deletion(name)
        await self.admission.prefetch(kind, namespace)
        if refusal:
            raise errors.Forbidden(f'{kind.resource} "{name}" is forbidden: {refusal}')
        if self.admission.calls_validating_webhooks():  # webhooks are called once per delete, before it
            await self.admission.validate_by_webhooks("delete", None, await self.get(kind, namespace, name),
                                                      dry_run=dry_run)

        def mark_or_remove(old: Message) -> Change:
            if precondition_uid and precondition_uid != old.metadata.uid:
                raise errors.Conflict(f"Precondition failed: UID in precondition: {precondition_uid}, "
                                      f"UID in object meta: {old.metadata.uid}")
            if precondition_rv and precondition_rv != old.metadata.resource_version:
                raise errors.Conflict(f"Precondition failed: ResourceVersion in precondition: {precondition_rv}, "
                                      f"ResourceVersion in object meta: {old.metadata.resource_version}")
            self.admission.validate_delete(old)
            marked = meta.copy(old)
            grace = strategy.deletion_grace(marked, grace_period)
            deletion.add_propagation_finalizer(marked, propagation)
            if grace == 0 and deletion.ready_to_remove(strategy, marked, deleting=True):
                return Change(old, remove=True)
            deletion.mark(strategy, marked, grace)
            return Change(marked, write=marked != old)

        if dry_run:
            change = mark_or_remove(await self.get(kind, namespace, name))
            return change.obj, change.remove
        return await self._guaranteed_update(kind, key, _describe(kind, namespace, name), mark_or_remove)

    # ------------------------------------------------------------ subresources

    async def bind(self, binding: types_pb2.Binding) -> Message:
        """The binding subresource (of pods): assign the object to a node, once."""
        kind = resources.serving("binding")
        subresource = resources.for_kind(kind).subresources["binding"]
        problems = subresource.validate(binding)
        if problems:
            raise errors.Invalid.of("Binding", problems)
        namespace = binding.metadata.namespace or "default"
        name = binding.metadata.name

        def bind_one(obj: Message) -> Change:
            subresource.apply(obj, binding)
            return Change(obj)

        key = storage_key(kind, namespace, name)
        bound, _ = await self._guaranteed_update(kind, key, _describe(kind, namespace, name), bind_one)
        return bound

    async def get_scale(self, kind: Kind, namespace: str, name: str) -> types_pb2.Scale:
        return _scale_of(kind).of(await self.get(kind, namespace, name))

    async def update_scale(self, kind: Kind, scale: types_pb2.Scale) -> types_pb2.Scale:
        adapter = _scale_of(kind)
        if scale.spec.replicas < 0:
            raise errors.Invalid.of(f'Scale "{scale.metadata.name}"',
                                    [f"spec.replicas: Invalid value: {scale.spec.replicas}: must be >= 0"])
        namespace = scale.metadata.namespace or "default"
        wanted = scale.metadata.resource_version

        def set_replicas(obj: Message) -> Change:
            return Change(obj, write=adapter.set_replicas(obj, scale.spec.replicas))

        key = storage_key(kind, namespace, scale.metadata.name)
        scaled, _ = await self._guaranteed_update(kind, key, _describe(kind, namespace, scale.metadata.name),
                                                  set_replicas, wanted)
        return adapter.of(scaled)

    # ------------------------------------------------------------ watch

    async def watch(self, kind: Kind, namespace: str = "", label_selector: str = "",
                    field_selector: str = "", resource_version: str = "",
                    bookmarks: bool = False) -> tuple[WatchCache, Watcher]:
        cache = self.caches[kind]
        watcher = Watcher(self._predicate(kind, label_selector, field_selector),
                          namespace=namespace if kind.namespaced else "", bookmarks=bookmarks,
                          trigger=_trigger_value(kind, field_selector))
        start = None
        if resource_version not in ("", "0"):
            try:
                start = int(resource_version)
            except ValueError:
                raise errors.Invalid(f'invalid resourceVersion "{resource_version}"') from None
            await cache.wait_for_revision(start)
        return cache, cache.watch(start, watcher)


def _modified(what: str) -> errors.Conflict:
    return errors.Conflict(f"Operation cannot be fulfilled on {what}: the object has been modified; "
                           f"please apply your changes to the latest version and try again")


def _patched(kind: Kind, name: str, old: Message, patch_type: str, body, validation: str,
             warnings: list[str]) -> Message:
    """The stored object with the patch applied, under field validation; `warnings` replaced."""
    try:
        obj, found = patching.patch_object(old, patch_type, body, validation)
    except patching.PatchError as e:
        raise errors.Invalid.of(f'{kind.name} "{name}"', [f"patch: Invalid value: {e}"]) from None
    except manifest.ManifestError as e:
        detail = ("strict decoding error: " if e.strict else "") + ", ".join(e.errors)
        raise errors.BadRequest(f'{kind.name} in version "{kind.api_version.rpartition("/")[2]}" cannot be '
                                f'handled as a {kind.name}: {detail}', e.errors) from None
    if kinds.of(obj) is not kind:
        raise errors.BadRequest(f"a patch may not change the kind of a {kind.name}", ["kind: field is immutable"])
    warnings[:] = found
    return obj


def _trigger_of(kind: Kind) -> Callable[[Message], str] | None:
    strategy = resources.for_kind(kind)
    return strategy.trigger if strategy.trigger_field else None


def _trigger_value(kind: Kind, field_selector: str) -> str | None:
    """The value of the kind's trigger field a watch selects by equality (a node's pods), or None."""
    trigger_field = resources.for_kind(kind).trigger_field
    if trigger_field is None or not field_selector:
        return None
    parsed = selectors.parse_field_selector(field_selector)
    for r in parsed.requirements:
        if r.field == trigger_field and r.operator in ("=", "=="):
            return r.value
    return None


def _scale_of(kind: Kind) -> resources.Scale:
    scale = resources.for_kind(kind).scale
    if scale is None:
        raise errors.NotFound(f"{kind.plural} have no scale subresource")
    return scale


def _encode_continue(revision: int, start: bytes) -> str:
    raw = json.dumps({"rv": revision, "start": base64.b64encode(start).decode()})
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_continue(token: str) -> tuple[int, bytes]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        return int(data["rv"]), base64.b64decode(data["start"])
    except (ValueError, KeyError, TypeError):
        raise errors.Invalid("invalid continue token", ["continue: invalid value"]) from None
