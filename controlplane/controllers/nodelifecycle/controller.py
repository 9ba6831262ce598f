"""The node lifecycle controller: watches each node's Lease; a node silent past the grace period
turns Unknown and gets the unreachable taint, one whose agent reports Ready=False the not-ready
taint; their pods are force-deleted after the eviction timeout; the taint goes once Ready is True.

Taints are rate-limited per zone as Kubernetes does (nodelifecycle.zones): a zone mostly down is tainted
slowly or not at all, and when no node of the cluster is Ready nothing is tainted or evicted.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from api import errors, meta
from controlplane.controllers.core import informers as idx
from controlplane.controllers.core.controller import Context, PeriodicController
from controlplane.controllers.nodelifecycle import health, zones
from proto import types_pb2

log = logging.getLogger(__name__)

LEASE_NAMESPACE = "kube-node-lease"


@dataclass
class _Zone:
    state: str  # zones.NORMAL, PARTIAL_DISRUPTION or FULL_DISRUPTION
    limiter: zones.TokenBucket  # who may be tainted next, at the rate that goes with the state


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
        self.rates = zones.Rates(ctx.options.node_eviction_rate, ctx.options.secondary_node_eviction_rate,
                                 ctx.options.unhealthy_zone_threshold, ctx.options.large_cluster_size_threshold)
        self.zones: dict[str, _Zone] = {}  # by zones.zone_key
        self.master_disruption = False
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
        self._update_zones()
        for name in self.nodes.keys():
            self.enqueue(name)

    def _update_zones(self) -> None:
        """Each zone's state from its nodes' Ready status as this controller sees it (Unknown when silent),
        and the tainting rate that goes with it; master disruption when no node of the cluster is Ready."""
        now = asyncio.get_running_loop().time()
        statuses: dict[str, list[str]] = {}
        for node in self.nodes.list():
            stale = self._heartbeat_age(node) > self.grace
            statuses.setdefault(zones.zone_key(node), []).append("Unknown" if stale else health.ready_status(node))
        new = {zone: zones.zone_state(s, self.rates.unhealthy_zone_threshold) for zone, s in statuses.items()}
        was_master, is_master = self.master_disruption, zones.master_disruption(new)
        for zone in self.zones.keys() - new.keys():
            del self.zones[zone]
        if is_master and not was_master:
            log.warning("no node is Ready: entering master disruption mode (no taints, no evictions)")
        elif was_master and not is_master:
            # Agents that waited out the outage get a whole grace period from now, as in Kubernetes.
            log.warning("some nodes are Ready again: leaving master disruption mode")
            for beat in self.heartbeats.values():
                beat.at = now
        self.master_disruption = is_master
        for zone, state in new.items():
            known = self.zones.get(zone)
            if known is None or known.state != state:
                if known is not None:
                    log.info("zone %r is now %s", zone, state)
                rate = zones.tainting_rate(state, len(statuses[zone]), self.rates)
                self.zones[zone] = _Zone(state, zones.TokenBucket(rate, now))

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
        stale = age > self.grace
        if stale:
            node = await self._mark_unknown(node)
        else:
            self.queue.add_after(key, self.grace - age + 0.05)
        if not self.zones:
            self._update_zones()  # before the first tick: no taint without knowing the zone's state
        current = health.lifecycle_taint(node)
        wanted = health.wanted_taint(health.ready_status(node), stale, current.key if current else None)
        if self.master_disruption:
            wanted = None
        elif wanted is not None and current is None and not self._may_taint(node):
            return
        node, taint = await self._set_taint(node, wanted)
        if taint is not None:
            await self._evict(node, taint)

    def _may_taint(self, node: types_pb2.Node) -> bool:
        """A token of the node's zone; without one the node is looked at again when the next one comes
        (or at the next tick, where a zone that may not taint at all is looked at again)."""
        zone = self.zones.get(zones.zone_key(node))
        if zone is None:
            return False  # a zone first seen since the last tick: the next one sets its rate
        wait = zone.limiter.take(asyncio.get_running_loop().time())
        if wait > 0 and wait < self.period:
            self.queue.add_after(node.metadata.name, wait + 0.01)
        return wait == 0

    async def _mark_unknown(self, node: types_pb2.Node) -> types_pb2.Node:
        name = node.metadata.name
        status = types_pb2.Node()
        status.CopyFrom(node)
        if not health.mark_unknown(status.status.conditions, meta.now()):
            return node
        node = await self.client.update_status(status)
        log.info("node %s: no heartbeat for %.0fs; status Unknown", name, self.grace)
        self.recorder.normal(node, "NodeNotReady", f"Node {name} status is now: NodeNotReady")
        return node

    async def _set_taint(self, node: types_pb2.Node, key: str | None):
        """Gives the node the lifecycle taint its Ready status calls for; the agent writes Ready, the
        taint is ours. Returns the node as written and its taint (None when healthy)."""
        name = node.metadata.name
        changed = health.with_lifecycle_taint(node, key, meta.now())
        if changed is not None:
            node = await self.client.update(changed)
            log.info("node %s: lifecycle taint now %s", name, key or "none")
            if key is None:
                self.recorder.normal(node, "NodeReady", f"Node {name} status is now: NodeReady")
            elif key == health.NOT_READY:
                self.recorder.normal(node, "NodeNotReady", f"Node {name} status is now: NodeNotReady")
        return node, health.lifecycle_taint(node, key) if key else None

    async def _evict(self, node: types_pb2.Node, taint: types_pb2.Taint) -> None:
        """Force-delete the node's pods whose toleration of the taint ran out: no agent will (silent node)
        or can be trusted to (not-ready node) move them."""
        now = meta.now()
        tainted_at = meta.parse_time(taint.time_added) or now
        next_check = None
        for pod in self.pods.by_index(idx.NODE, node.metadata.name):
            due = health.eviction_time(pod, tainted_at, self.eviction_timeout, taint.key)
            if due is None:
                continue
            if due > now:
                wait = (due - now).total_seconds()
                next_check = wait if next_check is None else min(next_check, wait)
                continue
            try:
                await self.client.delete("Pod", pod.metadata.name, pod.metadata.namespace, grace_period=0,
                                         precondition_uid=pod.metadata.uid)
                log.info("evicted pod %s from node %s (%s)", meta.key(pod), node.metadata.name, taint.key)
                self.recorder.normal(pod, "TaintManagerEviction", f"Marking for deletion Pod {meta.key(pod)}")
            except errors.NotFound:
                pass
        if next_check is not None:
            self.queue.add_after(node.metadata.name, next_check + 0.05)
