"""The quota controller's sync: a quota's usage counted from the informers (api/quota.py decides what counts),
written to its status when it changed; counted again when the quota is new or changed, an object is deleted or
gives usage back, and every --resource-quota-sync-period (creates are charged by apiserver/quotacharge.py)."""
from __future__ import annotations

import logging

from api import errors, meta, quota
from controlplane.controllers.core import informers as idx
from controlplane.controllers.core.controller import Context, PeriodicController

log = logging.getLogger(__name__)

# The kinds a quota can count (by name or as count/<resource>); others are counted only by the admission.
COUNTED = ("Pod", "Service", "ConfigMap", "Secret", "PersistentVolumeClaim", "ReplicaSet", "Deployment",
           "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicationController")


class ResourceQuotaController(PeriodicController):
    """As Kubernetes': the status writes of the API server's charges are not recounted (a recount could miss an
    object charged but not yet seen here, and give its charge back); the periodic resync corrects a charge
    whose object was never written."""

    name = "resourcequota"
    workers = 0  # --workers

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.period = ctx.options.resource_quota_sync_period
        self.quotas = ctx.informers.get("ResourceQuota")
        self.quotas.add_handlers(on_add=lambda q: self.enqueue(meta.key(q)), on_update=self._quota_changed)
        self.counted = {name: ctx.informers.get(name) for name in COUNTED}
        for informer in self.counted.values():
            informer.add_handlers(on_update=self._object_changed, on_delete=self._changed)

    def tick(self) -> None:
        for key in self.quotas.keys():
            self.enqueue(key)

    def _quota_changed(self, old, new) -> None:
        if new.spec != old.spec or dict(new.status.hard) != dict(new.spec.hard):
            self.enqueue(meta.key(new))

    def _object_changed(self, old, new) -> None:
        if quota.gives_back(old, new):
            self._changed(new)

    def _changed(self, obj) -> None:
        for rq in self.quotas.by_index(idx.NAMESPACE, obj.metadata.namespace):
            self.enqueue(meta.key(rq))

    async def sync(self, key: str) -> None:
        rq = self.quotas.get(key)
        if rq is None or rq.metadata.deletion_timestamp:
            return
        ns = rq.metadata.namespace
        objects = [o for informer in self.counted.values() for o in informer.by_index(idx.NAMESPACE, ns)]
        used = quota.status_used(rq, objects)
        if dict(rq.status.hard) == dict(rq.spec.hard) and dict(rq.status.used) == used:
            return
        updated = meta.copy(rq)
        updated.status.hard.clear()
        updated.status.hard.update(rq.spec.hard)
        updated.status.used.clear()
        updated.status.used.update(used)
        try:
            await self.client.update_status(updated)
        except errors.Conflict:
            self.enqueue(key)  # changed meanwhile: count again against the new copy
