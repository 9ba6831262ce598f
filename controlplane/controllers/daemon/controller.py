"""The DaemonSet controller's sync: claim pods, map them to the nodes they are for, create or delete so each
eligible node has one (guarded by expectations), take the rolling update's next step, then write status.
"""
from __future__ import annotations

import asyncio
import logging

from api import errors, meta
from api.daemonsets import HASH_LABEL
from controlplane.controllers.core import informers as idx
from controlplane.controllers.core import ownedpods, ownership, podstate, revisionsync
from controlplane.controllers.core.controller import Context, Controller
from controlplane.controllers.core.expectations import Expectations
from controlplane.controllers.daemon import plan
from controlplane.controllers.replicaset.plan import slow_start_batches
from proto import types_pb2

log = logging.getLogger(__name__)

FAILED_POD_BACKOFF_S = (1.0, 900.0)  # Kubernetes' failedPodsBackoff: 1 s doubling up to 15 min per node


class DaemonSetController(Controller):
    name = "daemonset"
    workers = 0  # --workers

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.expectations = Expectations()
        self.daemonsets = ctx.informers.get("DaemonSet")
        self.pods = ctx.informers.get("Pod")
        self.nodes = ctx.informers.get("Node")
        self.revisions = ctx.informers.get("ControllerRevision")
        self._failed_backoff: dict[tuple[str, str], tuple[float, float]] = {}  # (ds key, node) -> (until, delay)
        self.daemonsets.add_handlers(on_add=lambda ds: self.enqueue(meta.key(ds)),
                                     on_update=lambda old, new: self.enqueue(meta.key(new)),
                                     on_delete=self._ds_deleted)
        ownedpods.PodEvents("DaemonSet", self.daemonsets, self.expectations, self.enqueue).watch(self.pods)
        self.revisions.add_handlers(on_delete=self._revision_deleted)
        self.nodes.add_handlers(on_add=lambda n: self._enqueue_all(),
                                on_update=self._node_updated, on_delete=lambda n: self._enqueue_all())

    # ------------------------------------------------------------ handlers: only enqueue

    def _enqueue_all(self) -> None:
        for ds in self.daemonsets.list():
            self.enqueue(meta.key(ds))

    def _node_updated(self, old, new) -> None:
        # heartbeats change only the status: worth nothing to a DaemonSet
        if (old.metadata.labels != new.metadata.labels or old.spec != new.spec
                or _ready(old) != _ready(new)):
            self._enqueue_all()

    def _revision_deleted(self, cr) -> None:
        owner = ownership.controller_key(cr, "DaemonSet")
        if owner is not None:
            self.enqueue(owner)

    def _ds_deleted(self, ds) -> None:
        self.expectations.forget(meta.key(ds))

    # ------------------------------------------------------------ sync

    async def sync(self, key: str) -> None:
        ds = self.daemonsets.get(key)
        if ds is None:
            self.expectations.forget(key)
            return
        owned = await self._claim(ds)
        # a deleted pod that already ended holds no node any more
        live = [p for p in owned if not (p.metadata.deletion_timestamp and p.status.phase in podstate.TERMINAL)]
        pods = plan.by_node(live)
        nodes = self.nodes.list()
        hash_ = plan.revision_hash(ds)
        now = meta.now()
        wake: list[float] = []
        if not meta.is_being_deleted(ds):
            await self._sync_history(ds, live, hash_)
        if self.expectations.satisfied(key) and not meta.is_being_deleted(ds):
            step, failed = plan.manage(ds, nodes, pods, hash_)
            step = step._replace(delete=step.delete + self._failed_to_delete(ds, key, failed, wake))
            if not step.create_on and not step.delete and ds.spec.update_strategy.type == "RollingUpdate":
                desired = sum(1 for n in nodes if plan.should_run(ds.spec.template, n).should_run)
                step = plan.rolling_update(ds, pods, hash_, desired, now)
            await self._act(ds, key, step, hash_)
        status = plan.status_of(ds, nodes, pods, hash_, now)
        if status != ds.status:
            updated = types_pb2.DaemonSet()
            updated.CopyFrom(ds)
            updated.status.CopyFrom(status)
            await self.client.update_status(updated)
        check = plan.next_availability_check(ds, live, now)
        if check is not None:
            wake.append(check)
        if wake:
            self.queue.add_after(key, min(wake) + 0.05)

    async def _sync_history(self, ds, pods: list, hash_: str) -> None:
        """The template's ControllerRevision (created, or re-numbered on a rollback), then the history pruned
        to revisionHistoryLimit, never a revision a pod still runs (Kubernetes' constructHistory)."""
        revisions = revisionsync.owned(self.revisions, ds)
        labels = {**ds.spec.template.metadata.labels, HASH_LABEL: hash_}
        cur = await revisionsync.current(self.client, ds, revisions, f"{ds.metadata.name}-{hash_}", labels)
        in_use = {p.metadata.labels.get(HASH_LABEL) for p in pods}
        live = {r.metadata.name for r in revisions if r.metadata.labels.get(HASH_LABEL) in in_use}
        old = [r for r in revisions if r.metadata.name != cur.metadata.name]
        await revisionsync.prune(self.client, old, live, ds.spec.revision_history_limit, live_counts=True)

    async def _claim(self, ds) -> list:
        namespace = ds.metadata.namespace
        candidates = [*self.pods.by_index(idx.CONTROLLER_UID, ds.metadata.uid),
                      *(p for p in self.pods.by_index(idx.ORPHAN_IN, namespace) if podstate.is_active(p))]
        claim = ownership.claim(ds, ownership.selector_of(ds.spec), candidates)
        owned = list(claim.owned)
        for pod in claim.adopt:
            try:
                owned.append(await self.client.update(ownership.adopted(pod, ds)))
            except (errors.NotFound, errors.Conflict):
                continue
        for pod in claim.release:
            try:
                await self.client.update(ownership.released(pod, ds.metadata.uid))
            except (errors.NotFound, errors.Conflict):
                continue
        return owned

    def _failed_to_delete(self, ds, key: str, failed, wake: list[float]) -> list:
        """Failed daemon pods are replaced, but a node that keeps failing them is retried with backoff."""
        now = asyncio.get_running_loop().time()
        out = []
        for pod in failed:
            node = plan.target_node(pod)
            until, delay = self._failed_backoff.get((key, node), (0.0, 0.0))
            if now < until:
                wake.append(until - now)
                continue
            first, cap = FAILED_POD_BACKOFF_S
            delay = min(max(delay * 2, first), cap)
            self._failed_backoff[(key, node)] = (now + delay, delay)
            self.recorder.warning(ds, "FailedDaemonPod", f"Found failed daemon pod {pod.metadata.namespace}/"
                                                         f"{pod.metadata.name} on node {node}, will try to kill it")
            out.append(pod)
        return out

    async def _act(self, ds, key: str, step: plan.Step, hash_: str) -> None:
        create = step.create_on[:plan.BURST]
        delete = step.delete[:plan.BURST]
        if not create and not delete:
            return
        self.expectations.expect(key, len(create), [meta.key(p) for p in delete])
        failures = await asyncio.gather(self._create(ds, key, create, hash_), self._delete(ds, key, delete),
                                        return_exceptions=True)
        for failure in failures:
            if isinstance(failure, BaseException):
                raise failure

    async def _create(self, ds, key: str, node_names: list[str], hash_: str) -> None:
        pending = list(node_names)
        for batch in slow_start_batches(len(node_names)):
            chunk, pending = pending[:batch], pending[batch:]
            results = await asyncio.gather(*(self.client.create(plan.new_pod(ds, n, hash_)) for n in chunk),
                                           return_exceptions=True)
            failed = [r for r in results if isinstance(r, BaseException)]
            for created in results:
                if not isinstance(created, BaseException):
                    self.recorder.normal(ds, "SuccessfulCreate", f"Created pod: {created.metadata.name}")
            if failed:
                self.expectations.creation_observed(key, len(failed) + len(pending))
                self.recorder.warning(ds, "FailedCreate", f"Error creating: {failed[0]}")
                raise errors.ApiError(str(failed[0]))

    async def _delete(self, ds, key: str, victims) -> None:
        await ownedpods.delete_pods(self.client, self.recorder, ds, key, victims, self.expectations)


def _ready(node) -> str:
    c = meta.get_condition(node.status.conditions, "Ready")
    return c.status if c is not None else ""
