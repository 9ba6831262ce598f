"""The node lifecycle controller: watches each node's Lease; a node silent past the grace period
turns Unknown and gets the unreachable taint, its pods are force-deleted after the eviction
timeout, and the taint goes once the node's agent is back.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from api import errors, meta
from controlplane.controllers.core import informers as idx
from controlplane.controllers.core.controller import Context, PeriodicController
from controlplane.controllers.nodelifecycle import health
from proto import types_pb2

log = logging.getLogger(__name__)

LEASE_NAMESPACE = "kube-node-lease"


@dataclass
class _Heartbeat:
    seen: tuple  # what the agent last wrote: lease renewTime, Ready's heartbeat time
    at: float  # when this controller saw it change (its own clock: no trust in the agent's)


class NodeLifecycleController(PeriodicController):
    name = "nodelifecycle"
    workers = 2

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.period = ctx.options.node_monitor_period
        self.grace = ctx.options.node_monitor_grace_period
        self.eviction_timeout = ctx.options.pod_eviction_timeout
        self.heartbeats: dict[str, _Heartbeat] = {}
        self.nodes = ctx.informers.get("Node")
        self.leases = ctx.informers.get("Lease")  # shared with the garbage collector: one per kind
        self.pods = ctx.informers.get("Pod")
        self.nodes.add_handlers(on_add=lambda n: self.enqueue(n.metadata.name),
                                on_update=lambda old, new: self.enqueue(new.metadata.name),
                                on_delete=lambda n: self.enqueue(n.metadata.name))
        self.leases.add_handlers(on_add=self._lease_changed, on_update=lambda old, new: self._lease_changed(new))

    def _lease_changed(self, lease) -> None:
        if lease.metadata.namespace == LEASE_NAMESPACE:
            self.enqueue(lease.metadata.name)

    def tick(self) -> None:
        for name in self.nodes.keys():
            self.enqueue(name)

    def _heartbeat_age(self, node: types_pb2.Node) -> float:
        name = node.metadata.name
        lease = self.leases.get(f"{LEASE_NAMESPACE}/{name}")
        ready = meta.get_condition(node.status.conditions, "Ready")
        seen = (lease.spec.renew_time if lease is not None else "",
                ready.last_heartbeat_time if ready is not None else "")
        now = asyncio.get_running_loop().time()
        last = self.heartbeats.get(name)
        if last is None or last.seen != seen:
            last = self.heartbeats[name] = _Heartbeat(seen, now)
        return now - last.at

    async def sync(self, key: str) -> None:
        node = self.nodes.get(key)
        if node is None:
            self.heartbeats.pop(key, None)
            return
        age = self._heartbeat_age(node)
        if age > self.grace:
            await self._unreachable(node)
        else:
            await self._reachable(node)
            self.queue.add_after(key, self.grace - age + 0.05)

    async def _unreachable(self, node: types_pb2.Node) -> None:
        now = meta.now()
        name = node.metadata.name
        status = types_pb2.Node()
        status.CopyFrom(node)
        if health.mark_unknown(status.status.conditions, now):
            node = await self.client.update_status(status)
            log.info("node %s: no heartbeat for %.0fs; status Unknown", name, self.grace)
            self.recorder.normal(node, "NodeNotReady", f"Node {name} status is now: NodeNotReady")
        taint = health.unreachable_taint(node)
        if taint is None:
            node = await self.client.update(health.with_unreachable_taint(node, now))
            taint = health.unreachable_taint(node)
        tainted_at = meta.parse_time(taint.time_added) or now
        await self._evict(node, tainted_at, now)

    async def _evict(self, node: types_pb2.Node, tainted_at, now) -> None:
        """Force-delete the node's pods whose toleration of unreachability ran out: no agent can confirm."""
        next_check = None
        for pod in self.pods.by_index(idx.NODE, node.metadata.name):
            due = health.eviction_time(pod, tainted_at, self.eviction_timeout)
            if due is None:
                continue
            if due > now:
                wait = (due - now).total_seconds()
                next_check = wait if next_check is None else min(next_check, wait)
                continue
            try:
                await self.client.delete("Pod", pod.metadata.name, pod.metadata.namespace, grace_period=0,
                                         precondition_uid=pod.metadata.uid)
                log.info("evicted pod %s from unreachable node %s", meta.key(pod), node.metadata.name)
                self.recorder.normal(pod, "TaintManagerEviction", f"Marking for deletion Pod {meta.key(pod)}")
            except errors.NotFound:
                pass
        if next_check is not None:
            self.queue.add_after(node.metadata.name, next_check + 0.05)

    async def _reachable(self, node: types_pb2.Node) -> None:
        # The agent writes Ready itself when it is back; the taint is ours to take away.
        if health.unreachable_taint(node) is not None and health.ready_status(node) != "Unknown":
            await self.client.update(health.without_unreachable_taint(node))
            log.info("node %s: heartbeat back; unreachable taint removed", node.metadata.name)
            self.recorder.normal(node, "NodeReady", f"Node {node.metadata.name} status is now: NodeReady")
