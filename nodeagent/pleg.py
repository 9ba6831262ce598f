"""The pod lifecycle event generator: relist the node's containers every second and kick the worker of
every pod whose containers changed (a crash is noticed within a relist period), as the kubelet's PLEG.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from nodeagent.runtime import base
from nodeagent.runtime.base import ContainerInfo, Runtime

log = logging.getLogger(__name__)

Snapshot = dict[str, tuple[str, str]]  # container id -> (pod uid, state)


def changed_pods(old: Snapshot, new: Snapshot) -> set[str]:
    """Pods with a container that appeared, went, or changed state between two relists."""
    uids = {uid for cid, (uid, state) in new.items() if old.get(cid) != (uid, state)}
    uids |= {uid for cid, (uid, _) in old.items() if cid not in new}
    return uids


class Pleg:
    def __init__(self, runtime: Runtime, node_name: str, period: float, on_change: Callable[[str], None],
                 on_seen: Callable[[dict[str, ContainerInfo]], None] | None = None):
        self.runtime = runtime
        self.node_name = node_name
        self.period = period
        self.on_change = on_change  # (pod uid)
        self.on_seen = on_seen  # ({pod uid: one of its containers}) after every relist, to find orphans
        self.snapshot: Snapshot = {}
        self.containers: list[ContainerInfo] = []  # as of the last relist, for the metrics sampler
        self.relists = 0

    async def relist(self) -> None:
        found = await self.runtime.list({base.LABEL_NODE: self.node_name})
        new = {c.id: (c.labels.get(base.LABEL_POD_UID, ""), c.state) for c in found}
        for uid in changed_pods(self.snapshot, new):
            self.on_change(uid)
        self.snapshot = new
        self.containers = found
        self.relists += 1
        if self.on_seen is not None:
            self.on_seen({c.labels.get(base.LABEL_POD_UID, ""): c for c in found})

    async def run(self) -> None:
        while True:
            try:
                await self.relist()
            except asyncio.CancelledError:
                raise
            except Exception as e:
                log.warning("relisting containers of node %s: %s", self.node_name, e)
            await asyncio.sleep(self.period)
