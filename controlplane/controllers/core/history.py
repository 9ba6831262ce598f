"""A DaemonSet's or StatefulSet's ControllerRevisions as pure functions (Kubernetes' controller_history.go):
which revision the template is (its data: api.controllerrevisions), the next number, and what to prune."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from api.controllerrevisions import data_of, same_data, template_of
from controlplane.controllers.core import ownership
from proto import types_pb2


def next_revision(revisions: list[types_pb2.ControllerRevision]) -> int:
    """One more than the highest revision number (1 for the first)."""
    return max((r.revision for r in revisions), default=0) + 1


@dataclass(frozen=True)
class Choice:
    """Which revision the owner's template is: an existing one (kept as is, or re-numbered to `number` when it
    is an older one rolled back to), or a new one to create with `number`."""
    existing: types_pb2.ControllerRevision | None
    number: int

    @property
    def renumber(self) -> bool:
        return self.existing is not None and self.existing.revision != self.number


def choose(revisions: list[types_pb2.ControllerRevision], data: dict[str, Any]) -> Choice:
    """As the StatefulSet controller's getStatefulSetRevisions: the newest equal revision is kept when it is
    the newest of all; an older equal one (a rollback) is re-numbered to the next number; else a new one."""
    ordered = sorted(revisions, key=lambda r: (r.revision, r.metadata.name))
    equal = [r for r in ordered if same_data(r, data)]
    if not equal:
        return Choice(None, next_revision(ordered))
    if equal[-1] is ordered[-1]:
        return Choice(equal[-1], equal[-1].revision)
    return Choice(equal[-1], next_revision(ordered))


def to_prune(revisions: list[types_pb2.ControllerRevision], live: set[str], limit: int,
             live_counts: bool = False) -> list[str]:
    """The names of the revisions to delete, oldest first, never one in `live` (in use by a pod, or the
    set's current or update revision). The StatefulSet keeps `limit` revisions besides the live ones
    (truncateHistory); with `live_counts` the live ones count toward the limit too, as the DaemonSet's
    cleanupHistory counts every revision its caller passes (all but the current one)."""
    ordered = sorted(revisions, key=lambda r: (r.revision, r.metadata.name))
    counted = ordered if live_counts else [r for r in ordered if r.metadata.name not in live]
    excess = len(counted) - max(limit, 0)
    out = []
    for r in ordered:
        if excess <= 0:
            break
        if r.metadata.name not in live:
            out.append(r.metadata.name)
            excess -= 1
    return out


def new_revision(owner, name: str, data: dict[str, Any], number: int, labels: dict[str, str]) \
        -> types_pb2.ControllerRevision:
    """A revision of `owner` (its controller), labelled as its pods so the owner's selector finds it, with the
    owner's annotations (a change-cause among them) as Kubernetes copies them."""
    cr = types_pb2.ControllerRevision(api_version="apps/v1", kind="ControllerRevision", revision=number)
    cr.metadata.name, cr.metadata.namespace = name, owner.metadata.namespace
    cr.metadata.labels.update(labels)
    cr.metadata.annotations.update(owner.metadata.annotations)
    cr.metadata.owner_references.append(ownership.owner_reference(owner))
    cr.data.json = json.dumps(data, separators=(",", ":"))
    return cr


__all__ = ["Choice", "choose", "data_of", "new_revision", "next_revision", "same_data", "template_of", "to_prune"]
