"""Kubernetes' ResourceQuota admission: a create, or an update that grows usage, is charged to each quota of its
namespace by a compare-and-swap of the quota's status.used before the object is written (api/quota.py decides).

So racing creates, through one API server or several, cannot together overrun a quota: each charge is made on
the usage the previous one wrote. A charge whose object is then not written (a later check failed, the
write lost a race) stays until the quota controller's recount corrects it, as in Kubernetes.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from google.protobuf.message import Message

from api import errors, kinds, meta, quota
from proto import types_pb2

QUOTA = kinds.BY_NAME["ResourceQuota"]
# Kubernetes' quota evaluator tries a conflicting quota's write 3 more times before giving up.
ATTEMPTS = 4

ObjectsIn = Callable[[kinds.Kind, str], Iterable[Message]]  # (kind, namespace) -> the watch cache's objects
Fresh = Callable[[types_pb2.ResourceQuota], Awaitable[types_pb2.ResourceQuota | None]]  # etcd's copy, None if gone
# Store a quota if etcd still holds it at its resourceVersion; Conflict if not.
CompareAndSwap = Callable[[types_pb2.ResourceQuota], Awaitable[None]]


class QuotaCharger:
    """The quota admission's I/O: quotas and objects from the watch cache, re-read and written through etcd."""

    def __init__(self, objects_in: ObjectsIn, fresh: Fresh, compare_and_swap: CompareAndSwap):
        self._objects_in = objects_in
        self._fresh = fresh
        self._compare_and_swap = compare_and_swap

    async def charge(self, obj: Message, old: Message | None = None, dry_run: bool = False) -> None:
        """Forbidden if admitting `obj` (replacing `old`) breaks a quota; otherwise each quota it uses is
        charged (not on a dry run). Conflict if the quotas kept changing under it."""
        pending, fresh = list(self._objects_in(QUOTA, obj.metadata.namespace)), False
        for _ in range(ATTEMPTS):
            charges = self._judge(obj, old, pending, final=fresh)
            if charges is None:  # refused on the watch cache's copies, which may lag: judge again on etcd's
                pending, fresh = await self._reread(pending), True
                continue
            if dry_run:
                return
            conflicted = [rq for rq, used in charges if not await self._swapped(rq, used)]
            if not conflicted:
                return
            # those charged already stay charged: only the quotas that changed meanwhile are judged again
            pending, fresh = await self._reread(conflicted), True
        raise errors.Conflict(f'Operation cannot be fulfilled on resourcequotas "{pending[0].metadata.name}": '
                              f"the object has been modified; please apply your changes to the latest version "
                              f"and try again")

    def _judge(self, obj: Message, old: Message | None, quotas: list[types_pb2.ResourceQuota],
               final: bool) -> list[tuple[types_pb2.ResourceQuota, dict[str, str]]] | None:
        """Each quota `obj` uses with its status.used once charged; Forbidden if a quota refuses it (None instead
        when not `final`: the quotas are the watch cache's copies)."""
        kind, namespace = kinds.of(obj), obj.metadata.namespace
        charges = []
        for rq in quotas:
            counted = (o for o in self._objects_in(kind, namespace)
                       if old is not None or o.metadata.name != obj.metadata.name)
            used = quota.recorded_used(rq, counted)
            refusal = quota.refusal(rq, obj, used, old)
            if refusal and not final:
                return None
            if refusal:
                raise errors.Forbidden(f'{kind.plural} "{obj.metadata.name}" is forbidden: {refusal}')
            new_used = quota.charged(rq, obj, used, old)
            if new_used is not None:
                charges.append((rq, new_used))
        return charges

    async def _swapped(self, rq: types_pb2.ResourceQuota, used: dict[str, str]) -> bool:
        """Whether the quota's status.used became `used`: False if it changed (or went) since this copy."""
        charged = meta.copy(rq)
        charged.status.used.clear()
        charged.status.used.update(used)
        try:
            await self._compare_and_swap(charged)
        except (errors.Conflict, errors.NotFound):
            return False
        return True

    async def _reread(self, quotas: list[types_pb2.ResourceQuota]) -> list[types_pb2.ResourceQuota]:
        """etcd's copies of the quotas; one deleted meanwhile no longer applies."""
        return [q for q in [await self._fresh(rq) for rq in quotas] if q is not None]
