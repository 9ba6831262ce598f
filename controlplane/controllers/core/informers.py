"""One informer per kind for the whole process, shared by every controller that reads that kind,
with the indices controllers look objects up by (namespace, owner, node).
"""
from __future__ import annotations

import asyncio

from google.protobuf.message import Message

from api import kinds, meta
from api.client import Client
from api.informer import Informer

NAMESPACE = "namespace"
CONTROLLER_UID = "controller-uid"  # the uid of the object's controlling owner
OWNER_UID = "owner-uid"  # the uid of every owner
ORPHAN_IN = "orphan-in"  # namespace of objects without a controlling owner
UID = "uid"
NODE = "node"  # pods by spec.nodeName


def _controller_uid(obj: Message) -> list[str]:
    ref = meta.controller_of(obj)
    return [ref.uid] if ref is not None else []


def _orphan_in(obj: Message) -> list[str]:
    return [] if meta.controller_of(obj) is not None else [obj.metadata.namespace]


_INDICES = {
    NAMESPACE: lambda obj: [obj.metadata.namespace],
    CONTROLLER_UID: _controller_uid,
    OWNER_UID: lambda obj: [ref.uid for ref in obj.metadata.owner_references],
    ORPHAN_IN: _orphan_in,
    UID: lambda obj: [obj.metadata.uid],
}


class SharedInformers:
    """Informers created on first request and started together; `get` is how a controller asks."""

    def __init__(self, client: Client):
        self.client = client
        self._informers: dict[str, Informer] = {}
        self._started = False

    def get(self, kind: str) -> Informer:
        """The process's informer of `kind` (every namespace); controllers filter what they need."""
        k = kinds.lookup(kind)
        informer = self._informers.get(k.name)
        if informer is None:
            informer = Informer(self.client, k)
            for name, func in _INDICES.items():
                informer.add_index(name, func)
            if k.name == "Pod":
                informer.add_index(NODE, lambda pod: [pod.spec.node_name] if pod.spec.node_name else [])
            self._informers[k.name] = informer
            if self._started:
                informer.start()
        return informer

    def all(self) -> list[Informer]:
        return list(self._informers.values())

    def start(self) -> None:
        self._started = True
        for informer in self._informers.values():
            informer.start()

    async def wait_synced(self, timeout: float | None = None) -> None:
        await asyncio.gather(*(i.wait_synced(timeout) for i in self._informers.values()))

    async def stop(self) -> None:
        for informer in self._informers.values():
            await informer.stop()
        self._started = False
