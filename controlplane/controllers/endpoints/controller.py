"""The endpoints controller's sync: for a Service with a selector, write the Endpoints its pods add up
to; for a deleted Service, delete its Endpoints. Pod and Endpoints events only enqueue Service keys.
"""
from __future__ import annotations

import logging

from api import errors, meta, selectors
from controlplane.controllers.core import informers as idx
from controlplane.controllers.core import podstate
from controlplane.controllers.core.controller import Context, Controller
from controlplane.controllers.endpoints import subsets

log = logging.getLogger(__name__)


def _selector(service) -> selectors.LabelSelector | None:
    """None for a Service without a selector: its Endpoints belong to whoever wrote them."""
    if not service.spec.selector:
        return None
    return selectors.from_match(service.spec.selector, [])


def _relevant_change(old, new) -> bool:
    """Only what an Endpoints shows: labels, address, readiness, node, host name, deletion, phase."""
    return (old.metadata.labels != new.metadata.labels or old.status.pod_ip != new.status.pod_ip
            or podstate.is_ready(old) != podstate.is_ready(new)
            or old.spec.node_name != new.spec.node_name or old.spec.hostname != new.spec.hostname
            or old.spec.subdomain != new.spec.subdomain or old.status.phase != new.status.phase
            or bool(old.metadata.deletion_timestamp) != bool(new.metadata.deletion_timestamp))


class EndpointsController(Controller):
    name = "endpoints"
    workers = 0  # --workers

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.services = ctx.informers.get("Service")
        self.pods = ctx.informers.get("Pod")
        self.endpoints = ctx.informers.get("Endpoints")
        self.services.add_handlers(on_add=lambda s: self.enqueue(meta.key(s)),
                                   on_update=lambda old, new: self.enqueue(meta.key(new)),
                                   on_delete=lambda s: self.enqueue(meta.key(s)))
        self.pods.add_handlers(on_add=self._pod_changed, on_update=self._pod_updated, on_delete=self._pod_changed)
        # Someone else's edit or deletion of an Endpoints is repaired by the next sync of its Service.
        self.endpoints.add_handlers(on_update=lambda old, new: self.enqueue(meta.key(new)),
                                    on_delete=lambda ep: self.enqueue(meta.key(ep)))

    async def prepare(self) -> None:
        # Endpoints left behind by a Service deleted while no controller ran.
        for ep in self.endpoints.list():
            self.enqueue(meta.key(ep))

    # ------------------------------------------------------------ handlers: only enqueue

    def _pod_updated(self, old, new) -> None:
        if _relevant_change(old, new):
            self._enqueue_services_of(new, old)

    def _pod_changed(self, pod) -> None:
        self._enqueue_services_of(pod)

    def _enqueue_services_of(self, pod, old=None) -> None:
        for service in self.services.by_index(idx.NAMESPACE, pod.metadata.namespace):
            selector = _selector(service)
            if selector is None:
                continue
            if selector.matches(pod.metadata.labels) or (old is not None and selector.matches(old.metadata.labels)):
                self.enqueue(meta.key(service))

    # ------------------------------------------------------------ sync

    async def sync(self, key: str) -> None:
        service = self.services.get(key)
        current = self.endpoints.get(key)
        if service is None:
            if current is not None:
                await self._delete(key)
            return
        selector = _selector(service)
        if selector is None:
            return
        pods = [p for p in self.pods.by_index(idx.NAMESPACE, service.metadata.namespace)
                if selector.matches(p.metadata.labels)]
        wanted = subsets.desired(service, pods, current)
        if wanted is None:
            return
        if current is None:
            try:
                await self.client.create(wanted)
            except errors.AlreadyExists:
                raise errors.Conflict(f"endpoints {key} exist but are not in the cache yet") from None
        else:
            await self.client.update(wanted)  # a stale resourceVersion conflicts and retries

    async def _delete(self, key: str) -> None:
        namespace, name = meta.split_key(key)
        try:
            await self.client.delete("Endpoints", name, namespace)
        except errors.NotFound:
            pass
