"""Deletion as Kubernetes has it, for any kind: propagation finalizers, marking an object for deletion,
and when a marked object may finally go (no finalizer, and nothing its kind's strategy holds)."""
from __future__ import annotations

from datetime import timedelta

from google.protobuf.message import Message

from api import meta
from controlplane.apiserver.resources import Strategy

ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"


def add_propagation_finalizer(obj: Message, policy: str) -> None:
    """Orphan and Foreground deletion are carried out by the garbage collector through finalizers."""
    wanted = {"Orphan": ORPHAN, "Foreground": FOREGROUND}.get(policy)
    finalizers = obj.metadata.finalizers
    for f in (ORPHAN, FOREGROUND):
        if f != wanted and f in finalizers and policy:
            finalizers.remove(f)
    if wanted and wanted not in finalizers:
        finalizers.append(wanted)


def mark(strategy: Strategy, obj: Message, grace: int) -> None:
    """Set deletionTimestamp `grace` seconds ahead (a shorter grace moves an earlier mark forward)."""
    m = obj.metadata
    moment = meta.now() + timedelta(seconds=grace)
    if not m.deletion_timestamp or grace < m.deletion_grace_period_seconds:
        m.deletion_timestamp = meta.format_time(moment)
        m.deletion_grace_period_seconds = grace
    strategy.on_mark_deleting(obj)


def ready_to_remove(strategy: Strategy, obj: Message, deleting: bool = False) -> bool:
    """An object marked for deletion (or being deleted now) goes once nothing holds it."""
    if not (deleting or obj.metadata.deletion_timestamp):
        return False
    if obj.metadata.finalizers:
        return False
    return not strategy.holds_removal(obj, deleting)
