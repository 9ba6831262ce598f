"""The disruption controller's sync: the pods a PodDisruptionBudget covers and their controllers' scale
(plan.py decides), then the budget's status, written when it changed."""
from __future__ import annotations

import logging

from api import errors, meta
from controlplane.controllers.core import informers as idx
from controlplane.controllers.core.controller import Context, Controller
from controlplane.controllers.disruption import plan
from proto import types_pb2

log = logging.getLogger(__name__)


class DisruptionController(Controller):
    name = "disruption"
    workers = 0  # --workers

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.budgets = ctx.informers.get("PodDisruptionBudget")
        self.pods = ctx.informers.get("Pod")
        self.replica_sets = ctx.informers.get("ReplicaSet")
        self.replication_controllers = ctx.informers.get("ReplicationController")
        self.deployments = ctx.informers.get("Deployment")
        self.stateful_sets = ctx.informers.get("StatefulSet")
        self.budgets.add_handlers(on_add=lambda b: self.enqueue(meta.key(b)),
                                  on_update=lambda old, new: self.enqueue(meta.key(new)))
        self.pods.add_handlers(on_add=self._pod_changed, on_update=lambda old, new: self._pod_changed(new, old),
                               on_delete=self._pod_changed)

    def _pod_changed(self, pod, old=None) -> None:
        for obj in (pod, old):
            if obj is None:
                continue
            for pdb in self.budgets.by_index(idx.NAMESPACE, obj.metadata.namespace):
                if plan.covers(pdb, obj):
                    self.enqueue(meta.key(pdb))

    async def sync(self, key: str) -> None:
        pdb = self.budgets.get(key)
        if pdb is None or pdb.metadata.deletion_timestamp:
            return
        now = meta.now()
        pods = [p for p in self.pods.by_index(idx.NAMESPACE, pdb.metadata.namespace) if plan.covers(pdb, p)]
        status, disrupted = plan.status_of(pdb, pods, self._scale_of, now)
        condition = meta.get_condition(status.conditions, plan.CONDITION)
        if condition is not None and condition.reason == plan.SYNC_FAILED:
            self.recorder.warning(pdb, "CalculateExpectedPodCountFailed",
                                  f"Failed to calculate the number of expected pods: {condition.message}")
        for name in disrupted.expired:
            self.recorder.warning(pdb, "NotDeleted", f"Pod {pdb.metadata.namespace}/{name} was expected to be "
                                                     "deleted but it wasn't")
        if status != pdb.status:
            updated = meta.copy(pdb)
            updated.status.CopyFrom(status)
            try:
                await self.client.update_status(updated)
            except errors.Conflict:
                self.enqueue(key)  # the eviction API wrote it meanwhile: judge the new copy
                return
        if disrupted.recheck is not None:
            self.queue.add_after(key, max(0.0, (disrupted.recheck - now).total_seconds()) + 0.05)

    def _scale_of(self, pod: types_pb2.Pod) -> tuple[str, int] | None:
        """(controller uid, its desired replicas) of the pod's controller, as Kubernetes' finders: a
        ReplicaSet of a Deployment counts as the Deployment, a StatefulSet or ReplicationController as itself."""
        ref = meta.controller_of(pod)
        ns = pod.metadata.namespace
        if ref.kind == "ReplicaSet":
            rs = self.replica_sets.get(f"{ns}/{ref.name}")
            if rs is None or rs.metadata.uid != ref.uid:
                return None
            owner = meta.controller_of(rs)
            if owner is not None and owner.kind == "Deployment":
                dep = self.deployments.get(f"{ns}/{owner.name}")
                if dep is None or dep.metadata.uid != owner.uid:
                    return None
                return dep.metadata.uid, dep.spec.replicas
            return rs.metadata.uid, rs.spec.replicas
        if ref.kind in ("StatefulSet", "ReplicationController"):
            informer = self.stateful_sets if ref.kind == "StatefulSet" else self.replication_controllers
            owner = informer.get(f"{ns}/{ref.name}")
            if owner is None or owner.metadata.uid != ref.uid:
                return None
            return owner.metadata.uid, owner.spec.replicas
        return None
