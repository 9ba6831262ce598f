"""The TTL-after-finished controller: deletes a finished Job (and, in the foreground, its pods) once
`ttlSecondsAfterFinished` has passed since it completed or failed, as Kubernetes' ttlafterfinished."""
from __future__ import annotations

from api import errors, meta
from controlplane.controllers.core.controller import Context, Controller
from controlplane.controllers.job import plan


class TTLAfterFinishedController(Controller):
    name = "ttl-after-finished"
    workers = 1

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.jobs = ctx.informers.get("Job")
        self.jobs.add_handlers(on_add=self._changed, on_update=lambda old, new: self._changed(new))

    def _changed(self, job) -> None:
        if job.spec.HasField("ttl_seconds_after_finished") and plan.is_finished(job):
            self.enqueue(meta.key(job))

    async def sync(self, key: str) -> None:
        job = self.jobs.get(key)
        if job is None:
            return
        remaining = plan.ttl_remaining(job, meta.now())
        if remaining is None:
            return
        if remaining > 0:
            self.queue.add_after(key, remaining + 0.05)
            return
        try:
            await self.client.delete("Job", job.metadata.name, job.metadata.namespace, propagation="Foreground",
                                     precondition_uid=job.metadata.uid)
        except errors.NotFound:
            pass
