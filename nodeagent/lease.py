"""The node's heartbeat: a Lease in kube-node-lease named after the node, renewed every few seconds.

The node lifecycle controller reads renewTime to tell a live node from a dead one.
"""
from __future__ import annotations

import asyncio
import logging

from api import errors, kinds, meta
from api.client import Client
from proto import types_pb2

log = logging.getLogger(__name__)

NAMESPACE = "kube-node-lease"


class LeaseRenewer:
    def __init__(self, client: Client, node_name: str, interval: float, duration_s: int = 40,
                 first_delay: float = 0.0, node_uid: str = ""):
        self.client = client
        self.node_name = node_name
        self.interval = interval
        self.duration_s = duration_s
        self.first_delay = first_delay  # hollow nodes stagger their renewals
        self.node_uid = node_uid
        self.lease: types_pb2.Lease | None = None
        self.renewals = 0

    def _fresh(self) -> types_pb2.Lease:
        # Its owner reference (the lease goes with its Node, garbage collector) is set by _stamp.
        return kinds.BY_NAME["Lease"].new(metadata=types_pb2.ObjectMeta(name=self.node_name, namespace=NAMESPACE))

    async def renew(self) -> None:
        for _ in range(3):
            if self.lease is None:
                try:
                    self.lease = await self.client.get("Lease", self.node_name, NAMESPACE)
                except errors.NotFound:
                    lease = self._fresh()
                    self._stamp(lease)
                    try:
                        self.lease = await self.client.create(lease)
                        self.renewals += 1
                        return
                    except errors.AlreadyExists:
                        continue
            lease = types_pb2.Lease()
            lease.CopyFrom(self.lease)
            self._stamp(lease)
            try:
                self.lease = await self.client.update(lease)
                self.renewals += 1
                return
            except (errors.Conflict, errors.NotFound):
                self.lease = None  # someone else wrote it (or deleted it): read again
        raise errors.Conflict(f"lease {NAMESPACE}/{self.node_name} keeps changing under the agent")

    def _stamp(self, lease: types_pb2.Lease) -> None:
        owners = lease.metadata.owner_references
        if self.node_uid and [o.uid for o in owners] != [self.node_uid]:  # the Node was registered again
            del owners[:]
            owners.add(api_version="v1", kind="Node", name=self.node_name, uid=self.node_uid)
        lease.spec.holder_identity = self.node_name
        lease.spec.lease_duration_seconds = self.duration_s
        lease.spec.renew_time = meta.format_micro_time(meta.now())

    async def run(self) -> None:
        await asyncio.sleep(self.first_delay)
        while True:
            try:
                await self.renew()
                delay = self.interval
            except errors.ApiError as e:
                log.debug("lease of %s not renewed: %s", self.node_name, e)
                delay = min(self.interval, 1.0)  # a missed renewal is retried soon, before the lease runs out
            await asyncio.sleep(delay)
