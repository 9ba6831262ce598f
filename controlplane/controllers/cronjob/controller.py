"""The CronJob controller's sync (Kubernetes' cronjob_controllerv2): reconcile status.active with the Jobs
it owns, start the Job due now (or say why not), delete Jobs beyond the history limits, write the status,
and look again just after the next scheduled time. The clock is the controller's option, for tests.
"""
from __future__ import annotations

import logging
from dataclasses import replace

from api import cron, errors, meta
from controlplane.controllers.core import informers as idx
from controlplane.controllers.core.controller import Context, Controller
from controlplane.controllers.cronjob import plan
from proto import types_pb2

log = logging.getLogger(__name__)


class CronJobController(Controller):
    name = "cronjob"
    workers = 0  # --workers

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.now = ctx.options.cronjob_clock or meta.now
        self.cron_jobs = ctx.informers.get("CronJob")
        self.jobs = ctx.informers.get("Job")
        self.cron_jobs.add_handlers(on_add=lambda cj: self.enqueue(meta.key(cj)),
                                    on_update=lambda old, new: self.enqueue(meta.key(new)))
        self.jobs.add_handlers(on_add=self._job_changed, on_update=lambda old, new: self._job_changed(new),
                               on_delete=self._job_changed)

    def _job_changed(self, job) -> None:
        ref = meta.controller_of(job)
        if ref is not None and ref.kind == "CronJob":
            self.enqueue(f"{job.metadata.namespace}/{ref.name}")

    async def sync(self, key: str) -> None:
        cj = self.cron_jobs.get(key)
        if cj is None:
            return
        now = self.now()
        owned = [j for j in self.jobs.by_index(idx.CONTROLLER_UID, cj.metadata.uid) if plan.owned_by(j, cj)]
        if plan.unlisted_running(cj, owned):
            # our cache may not hold our own last status write yet: judge by the API server's copy
            try:
                cj = await self.client.get("CronJob", cj.metadata.name, cj.metadata.namespace)
            except errors.NotFound:
                return
        updated = meta.copy(cj)
        await self._reconcile_active(updated, owned)
        requeue = None
        if not cj.metadata.deletion_timestamp:
            requeue = await self._schedule(updated, now)
        for job in plan.history_to_delete(updated, owned):
            await self._delete_job(updated, job)
        if updated.status != cj.status:
            await self.client.update_status(updated)
        if requeue is not None:
            self.queue.add_after(key, requeue)

    async def _reconcile_active(self, cj: types_pb2.CronJob, owned: list) -> None:
        result = plan.reconcile_active(cj, owned)
        for type_, reason, message in result.events:
            self.recorder.record(cj, type_, reason, message)
        active = list(result.active)
        for name in result.unknown:  # the cache may lag behind a Job just made: ask the API server
            try:
                await self.client.get("Job", name, cj.metadata.namespace)
            except errors.NotFound:
                self.recorder.normal(cj, "MissingJob", f"Active job went missing: {name}")
                active = [ref for ref in active if ref.name != name]
        del cj.status.active[:]
        cj.status.active.extend(active)
        cj.status.last_successful_time = result.last_successful

    async def _schedule(self, cj: types_pb2.CronJob, now) -> float | None:
        """Start the Job due now, if any; the seconds until the next look (None: never, until the CronJob changes)."""
        spec = cj.spec
        try:
            zone = cron.load_zone(spec.time_zone) if spec.HasField("time_zone") else plan.UTC
        except cron.CronError as e:
            self.recorder.warning(cj, "UnknownTimeZone", f"invalid timeZone: {spec.time_zone!r}: {e}")
            return None
        if spec.suspend:
            return None
        try:
            schedule = cron.parse(spec.schedule)
        except cron.CronError as e:
            self.recorder.warning(cj, "UnparseableSchedule", f"unparseable schedule: {spec.schedule!r} : {e}")
            return None
        if spec.HasField("time_zone"):
            schedule = replace(schedule, zone=zone)
        try:
            decision = plan.decide(cj, schedule, now)
        except plan.ScheduleError as e:
            self.recorder.warning(cj, "InvalidSchedule", f"invalid schedule: {spec.schedule} : {e}")
            return None
        for type_, reason, message in decision.events:
            self.recorder.record(cj, type_, reason, message)
        if decision.start is not None:
            if decision.replace:
                for ref in list(cj.status.active):
                    try:
                        job = await self.client.get("Job", ref.name, ref.namespace)
                    except errors.NotFound:
                        continue
                    await self._delete_job(cj, job)
            await self._start(cj, decision.start, zone)
        return plan.next_check_in(cj, schedule, now)

    async def _start(self, cj: types_pb2.CronJob, scheduled, zone) -> None:
        wanted = plan.job_for(cj, scheduled, zone)
        try:
            job = await self.client.create(wanted)
            self.recorder.normal(cj, "SuccessfulCreate", f"Created job {job.metadata.name}")
        except errors.AlreadyExists:
            # made by an earlier sync whose status write was lost, or by someone else: adopt only our own
            job = await self.client.get("Job", wanted.metadata.name, cj.metadata.namespace)
            if not plan.owned_by(job, cj) or any(ref.uid == job.metadata.uid for ref in cj.status.active):
                return
        except errors.ApiError as e:
            self.recorder.warning(cj, "FailedCreate", f"Error creating job: {e}")
            raise
        cj.status.active.append(plan.reference(job))
        cj.status.last_schedule_time = meta.format_time(scheduled)

    async def _delete_job(self, cj: types_pb2.CronJob, job: types_pb2.Job) -> None:
        try:
            await self.client.delete("Job", job.metadata.name, job.metadata.namespace, propagation="Background",
                                     precondition_uid=job.metadata.uid)
        except errors.NotFound:
            pass
        except errors.ApiError as e:
            self.recorder.warning(cj, "FailedDelete", f"Deleted job: {e}")
            raise
        keep = [ref for ref in cj.status.active if ref.uid != job.metadata.uid]
        del cj.status.active[:]
        cj.status.active.extend(keep)
        self.recorder.normal(cj, "SuccessfulDelete", f"Deleted job {job.metadata.name}")
