"""Pod garbage collection: force-deletes pods bound to nodes that no longer exist, and the oldest
finished pods once there are more than --terminated-pod-gc-threshold of them.
"""
from __future__ import annotations

import logging

from api import errors, meta
from controlplane.controllers.core import podstate
from controlplane.controllers.core.controller import Context, PeriodicController

log = logging.getLogger(__name__)

KEY = "pods"  # one item: every pass looks at every pod


def terminated_to_delete(pods, threshold: int) -> list:
    """The oldest finished pods beyond `threshold` (0 turns this collection off, as in Kubernetes)."""
    finished = [p for p in pods if p.status.phase in podstate.TERMINAL and not p.metadata.deletion_timestamp]
    excess = len(finished) - threshold
    if threshold <= 0 or excess <= 0:
        return []
    return sorted(finished, key=lambda p: (p.metadata.creation_timestamp, p.metadata.name))[:excess]


class PodGarbageCollector(PeriodicController):
    name = "podgc"
    workers = 1

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.period = ctx.options.pod_gc_period
        self.pods = ctx.informers.get("Pod")
        self.nodes = ctx.informers.get("Node")
        self.nodes.add_handlers(on_delete=lambda n: self.enqueue(KEY))

    async def prepare(self) -> None:
        self.enqueue(KEY)

    def tick(self) -> None:
        self.enqueue(KEY)

    async def sync(self, key: str) -> None:
        pods = self.pods.list()
        for pod in terminated_to_delete(pods, self.options.terminated_pod_gc_threshold):
            await self._force_delete(pod, "terminated pod beyond the threshold")
        known = set(self.nodes.keys())
        missing: dict[str, bool] = {}
        for pod in pods:
            node = pod.spec.node_name
            if not node or node in known:
                continue
            if node not in missing:
                missing[node] = await self._node_gone(node)
            if missing[node]:
                await self._force_delete(pod, f"its node {node} no longer exists")

    async def _node_gone(self, name: str) -> bool:
        # The node cache may lag behind a node just registered: ask the server before deleting pods.
        try:
            await self.client.get("Node", name, "")
            return False
        except errors.NotFound:
            return True

    async def _force_delete(self, pod, why: str) -> None:
        try:
            await self.client.delete("Pod", pod.metadata.name, pod.metadata.namespace, grace_period=0,
                                     precondition_uid=pod.metadata.uid)
            log.info("podgc: deleted %s: %s", meta.key(pod), why)
        except errors.NotFound:
            pass
