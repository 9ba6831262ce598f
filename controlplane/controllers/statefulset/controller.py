"""The StatefulSet controller's sync: claim the set's pods, map them by ordinal, take the next step
(create a pod with its claims, delete an ended, condemned or outdated pod), then write the status.
"""
from __future__ import annotations

import asyncio
import logging

from api import errors, meta
from controlplane.controllers.core import informers as idx
from controlplane.controllers.core import history, ownership, revisionsync
from controlplane.controllers.core.controller import Context, Controller
from controlplane.controllers.statefulset import plan
from proto import types_pb2

log = logging.getLogger(__name__)


class StatefulSetController(Controller):
    name = "statefulset"
    workers = 0  # --workers

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.sets = ctx.informers.get("StatefulSet")
        self.pods = ctx.informers.get("Pod")
        self.revisions = ctx.informers.get("ControllerRevision")
        self.revisions.add_handlers(on_delete=self._revision_deleted)
        self.sets.add_handlers(on_add=lambda s: self.enqueue(meta.key(s)),
                               on_update=lambda old, new: self.enqueue(meta.key(new)))
        self.pods.add_handlers(on_add=self._pod_changed, on_update=lambda old, new: self._pod_changed(new, old),
                               on_delete=self._pod_changed)

    def _revision_deleted(self, cr) -> None:
        owner = ownership.controller_key(cr, "StatefulSet")
        if owner is not None:
            self.enqueue(owner)

    def _pod_changed(self, pod, old=None) -> None:
        for obj in (pod, old):
            if obj is None:
                continue
            owner = ownership.controller_key(obj, "StatefulSet")
            if owner is not None:
                self.enqueue(owner)
            elif obj is pod:
                self._enqueue_matching(pod)

    def _enqueue_matching(self, pod) -> None:
        """An orphan pod may be adopted by a set whose selector selects it."""
        for sts in self.sets.by_index(idx.NAMESPACE, pod.metadata.namespace):
            if ownership.selector_of(sts.spec).matches(pod.metadata.labels):
                self.enqueue(meta.key(sts))

    # ------------------------------------------------------------ sync

    async def sync(self, key: str) -> None:
        sts = self.sets.get(key)
        if sts is None or sts.metadata.deletion_timestamp:
            return  # the garbage collector removes the pods of a deleted set
        now = meta.now()
        pods = await self._claim(sts)
        by_ordinal = {}
        for pod in pods:
            ordinal = plan.ordinal_of(sts, pod)
            if ordinal is not None:
                by_ordinal[ordinal] = pod
        revisions = revisionsync.owned(self.revisions, sts)
        update = await revisionsync.current(self.client, sts, revisions, plan.revision_name(sts),
                                            plan.revision_labels(sts))
        revision = update.metadata.name
        current = next((r for r in revisions if r.metadata.name == sts.status.current_revision), update)
        step = plan.next_step(sts, by_ordinal, revision, now)
        for ordinal in step.create:
            await self._create(plan.versioned(sts, ordinal, history.template_of(current)), ordinal,
                               plan.pod_revision(sts, ordinal, current.metadata.name, revision))
        await asyncio.gather(*(self._delete(sts, pod, pod in step.condemned) for pod in step.delete))
        status = plan.status_of(sts, list(by_ordinal.values()), revision, now, current.metadata.name)
        if status != sts.status:
            updated = meta.copy(sts)
            updated.status.CopyFrom(status)
            await self.client.update_status(updated)
        live = {status.current_revision, revision,
                *(p.metadata.labels.get(plan.HASH_LABEL, "") for p in by_ordinal.values())}
        others = [r for r in revisions if r.metadata.name != revision]
        await revisionsync.prune(self.client, [*others, update], live, sts.spec.revision_history_limit)
        wait = plan.next_availability_check(sts, list(by_ordinal.values()), now)
        if wait is not None:
            self.queue.add_after(key, wait + 0.05)

    async def _claim(self, sts) -> list:
        candidates = [*self.pods.by_index(idx.CONTROLLER_UID, sts.metadata.uid),
                      *(p for p in self.pods.by_index(idx.ORPHAN_IN, sts.metadata.namespace)
                        if not p.metadata.deletion_timestamp)]
        claim = ownership.claim(sts, ownership.selector_of(sts.spec), candidates)
        for pod in claim.adopt:
            try:
                claim.owned.append(await self.client.update(ownership.adopted(pod, sts)))
            except (errors.NotFound, errors.Conflict):
                continue
        for pod in claim.release:
            try:
                await self.client.update(ownership.released(pod, sts.metadata.uid))
            except (errors.NotFound, errors.Conflict):
                continue
        return claim.owned

    async def _create(self, sts: types_pb2.StatefulSet, ordinal: int, revision: str) -> None:
        pod = plan.new_pod(sts, ordinal, revision)
        for claim in plan.claims_for(sts, pod.metadata.name):
            try:
                await self.client.create(claim)
            except errors.AlreadyExists:
                pass  # a pod's claim outlives the pod: the new pod mounts the same volume
            except errors.ApiError as e:
                self.recorder.warning(sts, "FailedCreate", f"create Claim {claim.metadata.name} for Pod "
                                                           f"{pod.metadata.name} in StatefulSet "
                                                           f"{sts.metadata.name} failed error: {e}")
                raise
        try:
            await self.client.create(pod)
        except errors.AlreadyExists:
            return  # our cache had not seen it yet
        except errors.ApiError as e:
            self.recorder.warning(sts, "FailedCreate", f"create Pod {pod.metadata.name} in StatefulSet "
                                                       f"{sts.metadata.name} failed error: {e}")
            raise
        self.recorder.normal(sts, "SuccessfulCreate", f"create Pod {pod.metadata.name} in StatefulSet "
                                                      f"{sts.metadata.name} successful")

    async def _delete(self, sts: types_pb2.StatefulSet, pod: types_pb2.Pod, condemned: bool) -> None:
        try:
            await self.client.delete("Pod", pod.metadata.name, pod.metadata.namespace,
                                     precondition_uid=pod.metadata.uid)
        except errors.NotFound:
            return
        self.recorder.normal(sts, "SuccessfulDelete", f"delete Pod {pod.metadata.name} in StatefulSet "
                                                      f"{sts.metadata.name} successful")
        if condemned and sts.spec.persistent_volume_claim_retention_policy.when_scaled == "Delete":
            for claim in plan.claims_for(sts, pod.metadata.name):
                try:
                    await self.client.delete("PersistentVolumeClaim", claim.metadata.name, claim.metadata.namespace)
                except errors.NotFound:
                    pass
