"""Bringing an owner's ControllerRevisions in line with its template (history.py decides): create the new
revision, re-number a rolled-back one, then prune to spec.revisionHistoryLimit."""
from __future__ import annotations

from api import errors, meta
from controlplane.controllers.core import history
from controlplane.controllers.core import informers as idx
from proto import types_pb2

KIND = "ControllerRevision"


def owned(revisions_informer, owner) -> list[types_pb2.ControllerRevision]:
    """The revisions `owner` controls, from the shared informer."""
    return list(revisions_informer.by_index(idx.CONTROLLER_UID, owner.metadata.uid))


async def current(client, owner, revisions: list[types_pb2.ControllerRevision], name: str,
                  labels: dict[str, str]) -> types_pb2.ControllerRevision:
    """The revision of the owner's template (named `name` when new), created or re-numbered as needed."""
    data = history.data_of(owner.spec.template)
    choice = history.choose(revisions, data)
    if choice.existing is None:
        try:
            return await client.create(history.new_revision(owner, name, data, choice.number, labels))
        except errors.AlreadyExists:
            existing = await client.get(KIND, name, owner.metadata.namespace)
            if not history.same_data(existing, data):
                raise  # a hash collision: Kubernetes bumps collisionCount; ours waits for a retry
            choice = history.Choice(existing, max(choice.number, existing.revision))
    if not choice.renumber:
        return choice.existing
    updated = meta.copy(choice.existing)
    updated.revision = choice.number
    return await client.update(updated)


async def prune(client, revisions: list[types_pb2.ControllerRevision], live: set[str], limit: int,
                live_counts: bool = False) -> None:
    """Delete the oldest revisions not in `live` beyond `limit` (history.to_prune)."""
    for name in history.to_prune(revisions, live, limit, live_counts):
        namespace = next(r.metadata.namespace for r in revisions if r.metadata.name == name)
        try:
            await client.delete(KIND, name, namespace)
        except errors.NotFound:
            pass

