"""The Job controller's sync: count the pods that ended (uncountedTerminatedPods, then release their
finalizer), decide suspension, failure or success, create or delete pods toward what should run (guarded
by expectations and the failure backoff), then write the status the pods add up to.
"""
from __future__ import annotations

import asyncio
import logging

from api import errors, jobs, meta
from controlplane.controllers.core import informers as idx
from controlplane.controllers.core import ownedpods, ownership
from controlplane.controllers.core.controller import Context, Controller
from controlplane.controllers.core.expectations import Expectations
from controlplane.controllers.job import pods as job_pods
from controlplane.controllers.job import indexes, plan
from controlplane.controllers.replicaset.plan import BURST_REPLICAS, slow_start_batches
from proto import types_pb2

log = logging.getLogger(__name__)

ORPHAN = "orphan-pod:"  # a key prefix: a pod holding the finalizer whose Job is gone


class JobController(Controller):
    name = "job"
    workers = 0  # --workers

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.expectations = Expectations()
        self.jobs = ctx.informers.get("Job")
        self.pods = ctx.informers.get("Pod")
        self.backoff_base = ctx.options.job_backoff_base
        self.jobs.add_handlers(on_add=lambda job: self.enqueue(meta.key(job)),
                               on_update=lambda old, new: self.enqueue(meta.key(new)),
                               on_delete=self._job_deleted)
        self.pods.add_handlers(on_add=self._pod_changed, on_update=lambda old, new: self._pod_changed(new, old),
                               on_delete=self._pod_deleted)

    async def prepare(self) -> None:
        for pod in self.pods.list():
            self._check_orphan(pod)

    # ------------------------------------------------------------ handlers: only enqueue

    def _job_deleted(self, job) -> None:
        self.expectations.forget(meta.key(job))
        for pod in self.pods.by_index(idx.CONTROLLER_UID, job.metadata.uid):
            self._check_orphan(pod)

    def _pod_changed(self, pod, old=None) -> None:
        owner = ownership.controller_key(pod, "Job")
        if owner is not None:
            if old is None:
                self.expectations.creation_observed(owner)
            elif pod.metadata.deletion_timestamp and not old.metadata.deletion_timestamp:
                self.expectations.deletion_observed(owner, meta.key(pod))
            self.enqueue(owner)
        if old is not None:
            old_owner = ownership.controller_key(old, "Job")
            if old_owner and old_owner != owner:
                self.enqueue(old_owner)
        self._check_orphan(pod)

    def _pod_deleted(self, pod) -> None:
        owner = ownership.controller_key(pod, "Job")
        if owner is not None:
            self.expectations.deletion_observed(owner, meta.key(pod))
            self.enqueue(owner)

    def _check_orphan(self, pod) -> None:
        """A pod still holding the finalizer without a live Job to count it would never go away."""
        if plan.FINALIZER in pod.metadata.finalizers and self._job_of(pod) is None:
            self.enqueue(ORPHAN + meta.key(pod))

    def _job_of(self, pod):
        ref = meta.controller_of(pod)
        if ref is None or ref.kind != "Job":
            return None
        job = self.jobs.get(f"{pod.metadata.namespace}/{ref.name}")
        return job if job is not None and job.metadata.uid == ref.uid else None

    # ------------------------------------------------------------ sync

    async def sync(self, key: str) -> None:
        if key.startswith(ORPHAN):
            pod = self.pods.get(key[len(ORPHAN):])
            if pod is not None and plan.FINALIZER in pod.metadata.finalizers and self._job_of(pod) is None:
                await self._release([pod])
            return
        job = self.jobs.get(key)
        if job is None:
            self.expectations.forget(key)
            return
        if job.spec.HasField("managed_by") and job.spec.managed_by != "kubernetes.io/job-controller":
            return
        pods = await self._claim(job)
        if plan.is_finished(job):
            await self._release([p for p in pods if plan.FINALIZER in p.metadata.finalizers and plan.has_ended(p)])
            await self._delete(job, key, [p for p in pods if plan.is_active(p)])
            return
        job, accounting = await self._count_ended(job, pods)
        released = {p.metadata.uid for p in accounting.release}
        await self._reconcile(job, key, pods, accounting.fail_job, released)

    async def _claim(self, job) -> list:
        namespace = job.metadata.namespace
        candidates = [*self.pods.by_index(idx.CONTROLLER_UID, job.metadata.uid),
                      *(p for p in self.pods.by_index(idx.ORPHAN_IN, namespace) if plan.is_active(p))]
        claim = ownership.claim(job, ownership.selector_of(job.spec), candidates)
        for pod in claim.adopt:
            try:
                claim.owned.append(await self.client.update(ownership.adopted(pod, job)))
            except (errors.NotFound, errors.Conflict):
                continue
        for pod in claim.release:
            try:
                await self.client.update(ownership.released(pod, job.metadata.uid))
            except (errors.NotFound, errors.Conflict):
                continue
        return claim.owned

    async def _count_ended(self, job, pods):
        """Record ended pods in uncountedTerminatedPods first, so a crash never counts one twice or never."""
        accounting = plan.account(job, pods)
        if accounting.succeeded or accounting.failed:
            updated = meta.copy(job)
            uncounted = updated.status.uncounted_terminated_pods
            uncounted.succeeded.extend(accounting.succeeded)
            uncounted.failed.extend(accounting.failed)
            job = await self.client.update_status(updated)
        await self._release(accounting.release)
        return job, accounting

    async def _release(self, pods) -> None:
        async def release(pod):
            updated = meta.copy(pod)
            keep = [f for f in updated.metadata.finalizers if f != plan.FINALIZER]
            del updated.metadata.finalizers[:]
            updated.metadata.finalizers.extend(keep)
            try:
                await self.client.update(updated)
            except errors.NotFound:
                pass

        results = await asyncio.gather(*(release(p) for p in pods), return_exceptions=True)
        for r in results:
            if isinstance(r, BaseException):
                raise r

    async def _reconcile(self, job, key: str, pods, fail_job: str, released: set[str]) -> None:
        now = meta.now()
        status = types_pb2.JobStatus()
        status.CopyFrom(job.status)
        status.uncounted_terminated_pods.SetInParent()
        # pods released just now still show the finalizer in the cache
        holding = {p.metadata.uid for p in pods if plan.FINALIZER in p.metadata.finalizers} - released
        indexed = job.spec.completion_mode == "Indexed"
        succeeded_indexes = None
        if indexed:
            succeeded_indexes = {i for p in pods if p.status.phase == "Succeeded" and p.metadata.uid not in holding
                                 and (i := indexes.pod_index(p)) is not None and i < job.spec.completions}
        plan.settle(status, holding, succeeded_indexes)
        if job.spec.HasField("backoff_limit_per_index"):
            failed_indexes = jobs.parse_indexes(status.failed_indexes) | indexes.failed_for_good(job, pods)
            status.failed_indexes = jobs.format_indexes(
                failed_indexes - jobs.parse_indexes(status.completed_indexes))
        active = [p for p in pods if plan.is_active(p)]
        terminating = [p for p in pods if plan.is_terminating(p)]
        wake: list[float] = []

        if job.spec.suspend:
            if plan.set_condition(status, "Suspended", "True", plan.SUSPENDED, now):
                self.recorder.normal(job, "Suspended", "Job suspended")
            await self._delete(job, key, active)
            active = []
        else:
            if plan.condition_true(job, "Suspended"):
                plan.set_condition(status, "Suspended", "False", plan.RESUMED, now)
                self.recorder.normal(job, "Resumed", "Job resumed")
                status.start_time = meta.format_time(now)
            if not status.start_time:
                status.start_time = meta.format_time(now)
            active = await self._decide(job, key, status, pods, active, fail_job, now, wake)

        status.active = len(active)
        status.ready = sum(1 for p in active if job_pods.is_ready(p))
        status.terminating = len(terminating)
        if status != job.status:
            updated = meta.copy(job)
            updated.status.CopyFrom(status)
            await self.client.update_status(updated)
        if wake:
            self.queue.add_after(key, min(wake) + 0.05)

    async def _decide(self, job, key: str, status, pods, active, fail_job: str, now, wake: list[float]) -> list:
        """Failure first, then success, else pods toward what should run; returns the pods still active."""
        unresolved = [p for p in pods if plan.FINALIZER in p.metadata.finalizers and not plan.has_ended(p)]
        target = meta.get_condition(status.conditions, "FailureTarget")
        if target is None or target.status != "True":
            failed = plan.failure(job, status, pods, fail_job, now)
            if failed is None and job.spec.HasField("backoff_limit_per_index"):
                failed = indexes.index_failure(job, jobs.parse_indexes(status.completed_indexes),
                                               jobs.parse_indexes(status.failed_indexes))
            if failed is not None:
                plan.set_condition(status, "FailureTarget", "True", failed, now)
                self.recorder.warning(job, failed[0], failed[1])
                target = meta.get_condition(status.conditions, "FailureTarget")
        if target is not None and target.status == "True":
            await self._delete(job, key, active)
            if not unresolved:
                plan.set_condition(status, "Failed", "True", (target.reason, target.message), now)
            return []
        met = meta.get_condition(status.conditions, "SuccessCriteriaMet")
        if met is None or met.status != "True":
            succeeded = plan.success(job, status, len(active))
            if succeeded is not None:
                plan.set_condition(status, "SuccessCriteriaMet", "True", succeeded, now)
                met = meta.get_condition(status.conditions, "SuccessCriteriaMet")
        if met is not None and met.status == "True":
            await self._delete(job, key, active)
            if not unresolved:
                plan.set_condition(status, "Complete", "True", (met.reason, met.message), now)
                status.completion_time = meta.format_time(now)
                self.recorder.normal(job, "Completed", "Job completed")
            return []
        deadline = plan.deadline_in(job, status, now)
        if deadline is not None:
            wake.append(deadline)
        if not self.expectations.satisfied(key) or meta.is_being_deleted(job):
            return active
        return await self._manage(job, key, status, pods, active, now, wake)

    async def _manage(self, job, key: str, status, pods, active, now, wake: list[float]) -> list:
        terminating = [p for p in pods if plan.is_terminating(p)]
        # podReplacementPolicy Failed: a pod being deleted still counts until it is gone
        counted = len(active) + (len(terminating) if job.spec.pod_replacement_policy == "Failed" else 0)
        want = plan.want_active(job, status.succeeded, counted)
        if job.spec.completion_mode == "Indexed":
            return await self._manage_indexed(job, key, status, pods, active, terminating, counted, now, wake)
        if counted > want:
            victims = job_pods.to_delete(active, counted - want)
            await self._delete(job, key, victims)
            return [p for p in active if p not in victims]
        if counted < want:
            await self._create_after_backoff(job, key, pods, now, wake, [None] * min(want - counted, BURST_REPLICAS))
        return active

    async def _manage_indexed(self, job, key: str, status, pods, active, terminating, counted: int, now,
                              wake: list[float]) -> list:
        completed = jobs.parse_indexes(status.completed_indexes)
        failed = jobs.parse_indexes(status.failed_indexes)
        want = plan.want_active(job, len(completed | failed), counted)
        extras = plan.indexed_extras(job, active, completed | failed)
        keep = [p for p in active if p not in extras]
        excess = max(0, counted - len(extras) - want)
        victims = extras + sorted(keep, key=lambda p: -(indexes.pod_index(p) or 0))[:excess]
        await self._delete(job, key, victims)
        active = [p for p in active if p not in victims]
        missing = want - (counted - len(victims))
        if missing <= 0:
            return active
        running = {indexes.pod_index(p) for p in (*active, *terminating)}
        chosen = plan.indexes_to_create(job, completed | failed, running, min(missing, BURST_REPLICAS))
        if not job.spec.HasField("backoff_limit_per_index"):
            await self._create_after_backoff(job, key, pods, now, wake, chosen)
            return active
        # each index backs off on its own failures
        counts = indexes.failure_counts(job, pods)
        ready = []
        for index in chosen:
            failures = counts.get(index, (0, 0))
            remaining = indexes.backoff_remaining(pods, index, failures[0], now, self.backoff_base,
                                                  plan.BACKOFF_MAX_S, plan.finish_time)
            if remaining > 0:
                wake.append(remaining)
            else:
                ready.append((index, failures))
        await self._create(job, key, ready)
        return active

    async def _create_after_backoff(self, job, key: str, pods, now, wake: list[float], chosen: list) -> None:
        if not chosen:
            return
        remaining = plan.backoff_remaining(pods, now, self.backoff_base)
        if remaining > 0:
            wake.append(remaining)
            return
        await self._create(job, key, [(index, (0, 0)) for index in chosen])

    async def _create(self, job, key: str, wanted: list[tuple[int | None, tuple[int, int]]]) -> None:
        """Create a pod per (index or None, (failures, ignored failures) of that index)."""
        if not wanted:
            return
        self.expectations.expect_creations(key, len(wanted))
        pending = list(wanted)
        for batch in slow_start_batches(len(wanted)):
            chunk, pending = pending[:batch], pending[batch:]
            results = await asyncio.gather(*(self.client.create(job_pods.from_template(job, i, f)) for i, f in chunk),
                                           return_exceptions=True)
            failed = [r for r in results if isinstance(r, BaseException)]
            for created in results:
                if not isinstance(created, BaseException):
                    self.recorder.normal(job, "SuccessfulCreate", f"Created pod: {created.metadata.name}")
            if failed:
                self.expectations.creation_observed(key, len(failed) + len(pending))
                self.recorder.warning(job, "FailedCreate", f"Error creating: {failed[0]}")
                raise errors.ApiError(str(failed[0]))

    async def _delete(self, job, key: str, victims) -> None:
        if not victims:
            return
        self.expectations.expect_deletions(key, [meta.key(p) for p in victims])
        await ownedpods.delete_pods(self.client, self.recorder, job, key, victims, self.expectations)

