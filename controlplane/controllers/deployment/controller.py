"""The Deployment controller's sync: claim ReplicaSets, find or create the new one, take one
rollout step (RollingUpdate or Recreate), clean up history, and write status and conditions.
"""
from __future__ import annotations

import logging

from api import deployments, errors, meta
from controlplane.controllers.core import informers as idx
from controlplane.controllers.core import ownership, podstate
from controlplane.controllers.core.controller import Context, Controller
from controlplane.controllers.deployment import progress, revisions, rollout
from controlplane.controllers.deployment.rollout import RSView
from proto import types_pb2

log = logging.getLogger(__name__)


class DeploymentController(Controller):
    name = "deployment"
    workers = 0

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.deployments = ctx.informers.get("Deployment")
        self.replicasets = ctx.informers.get("ReplicaSet")
        self.pods = ctx.informers.get("Pod")
        self.deployments.add_handlers(on_add=self._enqueue_deploy, on_update=lambda o, n: self._enqueue_deploy(n),
                                      on_delete=self._enqueue_deploy)
        self.replicasets.add_handlers(on_add=self._rs_changed, on_update=self._rs_updated,
                                      on_delete=self._rs_changed)
        # Recreate waits for the old pods to be gone, so it must hear when they go.
        self.pods.add_handlers(on_delete=self._pod_deleted)

    # ------------------------------------------------------------ handlers: only enqueue

    def _enqueue_deploy(self, d) -> None:
        self.enqueue(meta.key(d))

    def _rs_changed(self, rs) -> None:
        owner = ownership.controller_key(rs, "Deployment")
        if owner is not None:
            self.enqueue(owner)
        else:
            for d in self.deployments.by_index(idx.NAMESPACE, rs.metadata.namespace):
                if ownership.selector_of(d.spec).matches(rs.metadata.labels):
                    self.enqueue(meta.key(d))

    def _rs_updated(self, old, new) -> None:
        if ownership.controller_key(old, "Deployment") != ownership.controller_key(new, "Deployment"):
            self._rs_changed(old)
        self._rs_changed(new)

    def _pod_deleted(self, pod) -> None:
        rs_key = ownership.controller_key(pod, "ReplicaSet")
        rs = self.replicasets.get(rs_key) if rs_key is not None else None
        owner = ownership.controller_key(rs, "Deployment") if rs is not None else None
        if owner is not None:
            self.enqueue(owner)

    # ------------------------------------------------------------ sync

    async def sync(self, key: str) -> None:
        cached = self.deployments.get(key)
        if cached is None:
            return
        d = meta.copy(cached)
        rss = await self._claim(d)
        if meta.is_being_deleted(d):
            await self._write_status(d, rss, revisions.find_new(d, rss), rolled=False)
            return
        if d.spec.paused or self._is_scaling_event(d, rss):
            await self._scale(d, rss)
            if d.spec.paused:
                await self._cleanup(d, rss)
            await self._write_status(d, rss, revisions.find_new(d, rss), rolled=False)
            return
        if d.spec.strategy.type == "Recreate":
            await self._recreate(d, rss)
        else:
            await self._rolling(d, rss)

    async def _claim(self, d) -> list[types_pb2.ReplicaSet]:
        namespace = d.metadata.namespace
        candidates = [*self.replicasets.by_index(idx.CONTROLLER_UID, d.metadata.uid),
                      *self.replicasets.by_index(idx.ORPHAN_IN, namespace)]
        claim = ownership.claim(d, ownership.selector_of(d.spec), candidates)
        owned = [meta.copy(rs) for rs in claim.owned]
        for rs in claim.adopt:
            try:
                owned.append(await self.client.update(ownership.adopted(rs, d)))
            except (errors.NotFound, errors.Conflict):
                continue
        for rs in claim.release:
            try:
                await self.client.update(ownership.released(rs, d.metadata.uid))
            except (errors.NotFound, errors.Conflict):
                continue
        return owned

    # ------------------------------------------------------------ strategies

    async def _rolling(self, d, rss) -> None:
        new = await self._new_replica_set(d, rss, create=True)
        olds = [rs for rs in rss if rs.metadata.uid != new.metadata.uid]
        surge, unavailable = rollout.surge_and_unavailable(d.spec.strategy, d.spec.replicas)
        size = rollout.next_new_size(d.spec.replicas, surge, RSView.of(new), [RSView.of(o) for o in olds])
        if size is not None:
            new = await self._scale_rs(d, new, size, surge)
        else:
            plan = rollout.old_sizes_after_scale_down(d.spec.replicas, unavailable, RSView.of(new),
                                                      [RSView.of(o) for o in olds])
            for rs in olds:
                if rs.metadata.name in plan:
                    await self._scale_rs(d, rs, plan[rs.metadata.name], surge)
        rss = [new, *olds]
        status = await self._write_status(d, rss, new, rolled=True)
        if progress.is_complete(d, status):
            await self._cleanup(d, olds)

    async def _recreate(self, d, rss) -> None:
        new = revisions.find_new(d, rss)
        olds = [rs for rs in rss if new is None or rs.metadata.uid != new.metadata.uid]
        scaled = False
        for rs in olds:
            if rs.spec.replicas != 0:
                await self._scale_rs(d, rs, 0, 0)
                scaled = True
        if scaled or self._old_pods_running(olds):
            await self._write_status(d, rss, new, rolled=True)
            return
        new = await self._new_replica_set(d, rss, create=True)
        if new.spec.replicas != d.spec.replicas:
            new = await self._scale_rs(d, new, d.spec.replicas, 0)
        rss = [new, *olds]
        status = await self._write_status(d, rss, new, rolled=True)
        if progress.is_complete(d, status):
            await self._cleanup(d, olds)

    def _old_pods_running(self, olds) -> bool:
        for rs in olds:
            for pod in self.pods.by_index(idx.CONTROLLER_UID, rs.metadata.uid):
                if pod.status.phase not in podstate.TERMINAL:
                    return True
        return False

    def _is_scaling_event(self, d, rss) -> bool:
        """Replicas changed while the ReplicaSets were last sized for another count."""
        new = revisions.find_new(d, rss)
        if new is None:
            return False
        for rs in rss:
            desired = rs.metadata.annotations.get(deployments.DESIRED_REPLICAS)
            if rs.spec.replicas > 0 and desired is not None and desired != str(d.spec.replicas):
                return True
        return False

    async def _scale(self, d, rss) -> None:
        """Resize without rolling: paused deployments and replica changes mid-rollout."""
        new = revisions.find_new(d, rss)
        active = [rs for rs in rss if rs.spec.replicas > 0]
        surge, _ = rollout.surge_and_unavailable(d.spec.strategy, d.spec.replicas)
        if len(active) <= 1:
            target = active[0] if active else new or max(rss, key=deployments.revision_of, default=None)
            if target is not None and (target.spec.replicas != d.spec.replicas or
                                       target.metadata.annotations.get(deployments.DESIRED_REPLICAS)
                                       != str(d.spec.replicas)):
                await self._scale_rs(d, target, d.spec.replicas, surge)
            return
        newest = new or max(active, key=deployments.revision_of)
        sizes = rollout.proportional_sizes(d.spec.replicas, surge, [RSView.of(rs) for rs in active],
                                           newest.metadata.name)
        for rs in active:
            await self._scale_rs(d, rs, sizes.get(rs.metadata.name, rs.spec.replicas), surge)

    # ------------------------------------------------------------ ReplicaSets

    async def _new_replica_set(self, d, rss, create: bool) -> types_pb2.ReplicaSet:
        existing = revisions.find_new(d, rss)
        olds = [rs for rs in rss if existing is None or rs.metadata.uid != existing.metadata.uid]
        revision = revisions.next_revision(olds)
        if existing is not None:
            if deployments.revision_of(existing) < revision:
                existing.metadata.annotations[deployments.REVISION] = str(revision)
                existing = await self.client.update(existing)
            await self._set_deployment_revision(d, deployments.revision_of(existing))
            return existing
        size = 0
        if d.spec.strategy.type != "Recreate":
            surge, _ = rollout.surge_and_unavailable(d.spec.strategy, d.spec.replicas)
            size = rollout.next_new_size(d.spec.replicas, surge, RSView("", 0, 0),
                                         [RSView.of(o) for o in olds]) or 0
        rs = revisions.new_replica_set(d, size, revision, ownership.owner_reference(d))
        try:
            created = await self.client.create(rs)
        except errors.AlreadyExists:
            await self._handle_collision(d, rs)
            raise
        if size > 0:
            self.recorder.normal(d, "ScalingReplicaSet", f"Scaled up replica set {created.metadata.name} to {size}")
        progress.set_condition(d.status, "Progressing", "True", progress.NEW_RS_CREATED,
                               f'Created new replica set "{created.metadata.name}"', meta.now())
        updated = await self.client.update_status(d)
        d.metadata.resource_version = updated.metadata.resource_version
        await self._set_deployment_revision(d, revision)
        return created

    async def _handle_collision(self, d, rs) -> None:
        """The name is taken by a ReplicaSet with another template: hash again with a new collision count."""
        try:
            other = await self.client.get("ReplicaSet", rs.metadata.name, rs.metadata.namespace)
        except errors.NotFound:
            return
        ref = meta.controller_of(other)
        if ref is not None and ref.uid == d.metadata.uid and deployments.same_template(other.spec.template,
                                                                                     d.spec.template):
            return  # ours, just not in the cache yet
        fresh = await self.client.get("Deployment", d.metadata.name, d.metadata.namespace)
        fresh.status.collision_count += 1
        await self.client.update_status(fresh)

    async def _set_deployment_revision(self, d, revision: int) -> None:
        if d.metadata.annotations.get(deployments.REVISION) == str(revision):
            return
        d.metadata.annotations[deployments.REVISION] = str(revision)
        updated = await self.client.update(d)
        d.metadata.resource_version = updated.metadata.resource_version

    async def _scale_rs(self, d, rs, replicas: int, surge: int) -> types_pb2.ReplicaSet:
        desired, maximum = str(d.spec.replicas), str(d.spec.replicas + surge)
        a = rs.metadata.annotations
        if rs.spec.replicas == replicas and a.get(deployments.DESIRED_REPLICAS) == desired \
                and a.get(deployments.MAX_REPLICAS) == maximum:
            return rs
        before = rs.spec.replicas
        changed = meta.copy(rs)
        changed.spec.replicas = replicas
        changed.metadata.annotations[deployments.DESIRED_REPLICAS] = desired
        changed.metadata.annotations[deployments.MAX_REPLICAS] = maximum
        updated = await self.client.update(changed)
        if replicas != before:
            direction = "up" if replicas > before else "down"
            self.recorder.normal(d, "ScalingReplicaSet",
                                 f"Scaled {direction} replica set {rs.metadata.name} to {replicas}")
        return updated

    async def _cleanup(self, d, olds) -> None:
        limit = d.spec.revision_history_limit if d.spec.HasField("revision_history_limit") else 10
        for rs in revisions.history_to_delete(olds, limit):
            try:
                await self.client.delete("ReplicaSet", rs.metadata.name, rs.metadata.namespace,
                                         precondition_uid=rs.metadata.uid)
            except errors.NotFound:
                pass

    # ------------------------------------------------------------ status

    async def _write_status(self, d, rss, new, rolled: bool) -> types_pb2.DeploymentStatus:
        now = meta.now()
        status = progress.counts(d, rss, new)
        _, unavailable = rollout.surge_and_unavailable(d.spec.strategy, d.spec.replicas)
        new_name = new.metadata.name if new is not None else ""
        was_paused = (c := meta.get_condition(d.status.conditions, "Progressing")) is not None \
            and c.reason == progress.PAUSED
        if d.spec.paused:
            progress.set_condition(status, "Progressing", "Unknown", progress.PAUSED, "Deployment is paused", now)
        elif was_paused:
            progress.set_condition(status, "Progressing", "Unknown", progress.RESUMED, "Deployment is resumed", now)
        if rolled or not d.spec.paused:
            progress.rollout_conditions(d, status, new_name, unavailable, now)
        if status != d.status:
            d.status.CopyFrom(status)
            updated = await self.client.update_status(d)
            d.metadata.resource_version = updated.metadata.resource_version
        if not progress.is_complete(d, status):
            left = progress.seconds_to_deadline(d, status, now)
            if left is not None and left > 0:
                self.queue.add_after(meta.key(d), left + 0.5)
        return status
