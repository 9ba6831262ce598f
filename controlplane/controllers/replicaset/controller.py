"""The ReplicaSet controller's sync: claim pods, create or delete toward `replicas` (guarded by
expectations), then write the status the pods add up to. ReplicationControllers run through it too
(`kind`), as Kubernetes runs its replication manager on the ReplicaSet code.
"""
from __future__ import annotations

import asyncio
import logging

from api import errors, meta
from controlplane.controllers.core import informers as idx
from controlplane.controllers.core import ownedpods, ownership, podstate
from controlplane.controllers.core.controller import Context, Controller
from controlplane.controllers.core.expectations import Expectations
from controlplane.controllers.replicaset import plan

log = logging.getLogger(__name__)


class ReplicaSetController(Controller):
    """Keeps the pods of each object of `kind`: a ReplicaSet, or anything with the same spec.replicas,
    spec.selector (ownership.selector_of reads either form), spec.template and status."""

    name = "replicaset"
    kind = "ReplicaSet"
    workers = 0  # --workers

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.expectations = Expectations()
        self.replicasets = ctx.informers.get(self.kind)
        self.pods = ctx.informers.get("Pod")
        self.replicasets.add_handlers(
            on_add=lambda rs: self.enqueue(meta.key(rs)),
            on_update=lambda old, new: self.enqueue(meta.key(new)),
            on_delete=self._rs_deleted)
        ownedpods.PodEvents(self.kind, self.replicasets, self.expectations, self.enqueue).watch(self.pods)

    # ------------------------------------------------------------ handlers: only enqueue

    def _rs_deleted(self, rs) -> None:
        self.expectations.forget(meta.key(rs))
        self.enqueue(meta.key(rs))

    # ------------------------------------------------------------ sync

    async def sync(self, key: str) -> None:
        rs = self.replicasets.get(key)
        if rs is None:
            self.expectations.forget(key)
            return
        namespace = rs.metadata.namespace
        candidates = [*self.pods.by_index(idx.CONTROLLER_UID, rs.metadata.uid),
                      *(p for p in self.pods.by_index(idx.ORPHAN_IN, namespace) if podstate.is_active(p))]
        claim = ownership.claim(rs, ownership.selector_of(rs.spec), candidates)
        owned = [p for p in claim.owned if podstate.is_active(p)]
        owned += await self._adopt(rs, claim.adopt)
        await self._release(rs, claim.release)

        failure = ""
        if self.expectations.satisfied(key) and not meta.is_being_deleted(rs):
            failure = await self._manage(rs, key, owned)

        now = meta.now()
        status = plan.status_of(rs, owned, now, failure)
        if status != rs.status:
            updated = meta.copy(rs)
            updated.status.CopyFrom(status)
            await self.client.update_status(updated)
        wait = plan.next_availability_check(rs, owned, now)
        if wait is not None:
            self.queue.add_after(key, wait + 0.05)
        if failure:
            raise errors.ApiError(failure)  # retry with backoff

    async def _adopt(self, rs, pods) -> list:
        adopted = []
        for pod in pods:
            try:
                adopted.append(await self.client.update(ownership.adopted(pod, rs)))
            except (errors.NotFound, errors.Conflict):
                continue  # gone or changed: the next sync decides again
        return [p for p in adopted if podstate.is_active(p)]

    async def _release(self, rs, pods) -> None:
        for pod in pods:
            try:
                await self.client.update(ownership.released(pod, rs.metadata.uid))
            except (errors.NotFound, errors.Conflict):
                continue

    async def _manage(self, rs, key: str, pods) -> str:
        """Create or delete toward spec.replicas; returns the create failure to report, or ""."""
        diff = len(pods) - rs.spec.replicas
        if diff < 0:
            return await self._create(rs, key, min(-diff, plan.BURST_REPLICAS))
        if diff > 0:
            await self._delete(rs, key, podstate.pods_to_delete(pods, min(diff, plan.BURST_REPLICAS)))
        return ""

    async def _create(self, rs, key: str, count: int) -> str:
        self.expectations.expect_creations(key, count)
        template = plan.pod_from_template(rs)
        remaining = count
        for batch in plan.slow_start_batches(count):
            results = await asyncio.gather(*(self.client.create(template) for _ in range(batch)),
                                           return_exceptions=True)
            remaining -= batch
            failed = [r for r in results if isinstance(r, BaseException)]
            for created in results:
                if not isinstance(created, BaseException):
                    self.recorder.normal(rs, "SuccessfulCreate", f"Created pod: {created.metadata.name}")
            if failed:
                # neither the failed creates nor the skipped batches will ever be observed
                self.expectations.creation_observed(key, len(failed) + remaining)
                message = str(failed[0])
                self.recorder.warning(rs, "FailedCreate", f"Error creating: {message}")
                return message
        return ""

    async def _delete(self, rs, key: str, victims) -> None:
        self.expectations.expect_deletions(key, [meta.key(p) for p in victims])
        await ownedpods.delete_pods(self.client, self.recorder, rs, key, victims, self.expectations)


class ReplicationManager(ReplicaSetController):
    """core/v1 ReplicationControllers: the same replica logic over a map selector (Kubernetes runs them
    through the ReplicaSet controller behind a conversion adapter; here the code reads both specs)."""

    name = "replicationcontroller"
    kind = "ReplicationController"
