"""The node IPAM controller: rebuilds which podCIDRs are taken from the Nodes at start, then gives
each Node without one the next free subnet, and takes it back when the Node is deleted.
"""
from __future__ import annotations

import logging

from api import errors
from controlplane.controllers.core.controller import Context, Controller
from controlplane.controllers.nodeipam.cidrset import CidrSet, CidrSetError, CidrsExhausted
from proto import types_pb2

log = logging.getLogger(__name__)


class NodeIpamController(Controller):
    name = "nodeipam"
    workers = 1  # allocation is cheap; one worker keeps the allocator's story simple

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.cidrs = CidrSet(ctx.options.cluster_cidr, ctx.options.node_cidr_mask_size)
        self.assigned: dict[str, str] = {}  # node name -> podCIDR, to release what a deleted node had
        self.nodes = ctx.informers.get("Node")
        self.nodes.add_handlers(on_add=lambda n: self.enqueue(n.metadata.name),
                                on_update=lambda old, new: self.enqueue(new.metadata.name),
                                on_delete=lambda n: self.enqueue(n.metadata.name))

    async def prepare(self) -> None:
        for node in self.nodes.list():
            if node.spec.pod_cidr:
                self._remember(node.metadata.name, node.spec.pod_cidr)

    def _remember(self, name: str, cidr: str) -> None:
        try:
            self.cidrs.occupy(cidr)
        except CidrSetError as e:
            log.warning("node %s has podCIDR %s outside the cluster CIDR: %s", name, cidr, e)
            return
        self.assigned[name] = cidr

    async def sync(self, key: str) -> None:
        node = self.nodes.get(key)
        if node is None:
            cidr = self.assigned.pop(key, None)
            if cidr is not None:
                self.cidrs.release(cidr)
                log.info("released podCIDR %s of deleted node %s", cidr, key)
            return
        if node.spec.pod_cidr:
            if self.assigned.get(key) != node.spec.pod_cidr:
                self._remember(key, node.spec.pod_cidr)
            return
        cidr = self.assigned.get(key)
        if cidr is None:
            try:
                cidr = self.cidrs.allocate()
            except CidrsExhausted as e:
                self.recorder.warning(node, "CIDRNotAvailable", f"Node {key} status is now: CIDRNotAvailable ({e})")
                raise
            self.assigned[key] = cidr
        updated = types_pb2.Node()
        updated.CopyFrom(node)
        updated.spec.pod_cidr = cidr
        del updated.spec.pod_cidrs[:]
        updated.spec.pod_cidrs.append(cidr)
        try:
            await self.client.update(updated)
        except errors.NotFound:
            self.assigned.pop(key, None)
            self.cidrs.release(cidr)
            return
        log.info("node %s: podCIDR %s", key, cidr)
