"""What the controllers that own pods (ReplicaSet/ReplicationController, DaemonSet, Job) do alike: wake a pod's
controller on its events, telling the expectations what was seen, and delete pods while those expectations wait.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable

from api import errors, meta
from controlplane.controllers.core import informers as idx
from controlplane.controllers.core import ownership
from controlplane.controllers.core.expectations import Expectations


class PodEvents:
    """Pod informer handlers for the controller of `owner_kind`: the pod's owner is enqueued (and its
    expectations see the creation or deletion); an orphan goes to every owner in its namespace whose
    selector takes it, which may adopt it."""

    def __init__(self, owner_kind: str, owners, expectations: Expectations, enqueue: Callable[[str], None]):
        self.owner_kind = owner_kind
        self.owners = owners
        self.expectations = expectations
        self.enqueue = enqueue

    def watch(self, pods) -> None:
        pods.add_handlers(on_add=self.added, on_update=self.updated, on_delete=self.deleted)

    def added(self, pod) -> None:
        owner = ownership.controller_key(pod, self.owner_kind)
        if owner is not None:
            self.expectations.creation_observed(owner)
            self.enqueue(owner)
        else:
            self.enqueue_matching(pod)

    def updated(self, old, new) -> None:
        owner = ownership.controller_key(new, self.owner_kind)
        if new.metadata.deletion_timestamp and not old.metadata.deletion_timestamp and owner:
            self.expectations.deletion_observed(owner, meta.key(new))
        old_owner = ownership.controller_key(old, self.owner_kind)
        if old_owner and old_owner != owner:
            self.enqueue(old_owner)
        if owner is not None:
            self.enqueue(owner)
        elif new.metadata.labels != old.metadata.labels or old_owner:
            self.enqueue_matching(new)

    def deleted(self, pod) -> None:
        owner = ownership.controller_key(pod, self.owner_kind)
        if owner is not None:
            self.expectations.deletion_observed(owner, meta.key(pod))
            self.enqueue(owner)

    def enqueue_matching(self, pod) -> None:
        """An orphan: every owner whose selector takes it may adopt it."""
        for owner in self.owners.by_index(idx.NAMESPACE, pod.metadata.namespace):
            if ownership.selector_of(owner.spec).matches(pod.metadata.labels):
                self.enqueue(meta.key(owner))


async def delete_pods(client, recorder, owner, key: str, victims, expectations: Expectations) -> None:
    """Delete `victims` (each only if it is still the pod of that uid), with an event each. A deletion that
    fails is no longer expected; the first failure is raised once all have been tried."""
    async def delete(pod):
        try:
            await client.delete("Pod", pod.metadata.name, pod.metadata.namespace, precondition_uid=pod.metadata.uid)
            recorder.normal(owner, "SuccessfulDelete", f"Deleted pod: {pod.metadata.name}")
        except errors.NotFound:
            expectations.deletion_observed(key, meta.key(pod))
        except errors.ApiError:
            expectations.deletion_observed(key, meta.key(pod))
            raise

    results = await asyncio.gather(*(delete(p) for p in victims), return_exceptions=True)
    for r in results:
        if isinstance(r, BaseException):
            raise r
