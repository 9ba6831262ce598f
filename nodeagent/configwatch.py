"""The ConfigMaps and Secrets a node's pods refer to, each kept by a watch of its own (the kubelet's
watch-based manager): a change kicks the pods that use it, and nothing else is read from the API."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from google.protobuf.message import Message

from api.client import Client
from api.informer import Informer
from api.selectors import escape_field_value
from nodeagent import projection
from proto import types_pb2

log = logging.getLogger(__name__)

SYNC_TIMEOUT_S = 10.0
ObjectKey = tuple[str, str, str]  # (kind, namespace, name)


class ConfigObjects:
    """Register a pod to watch what it names; `lookup_for(pod)` then answers from the watches' caches."""

    def __init__(self, client: Client, kick: Callable[[str], None]):
        self._client = client
        self._kick = kick  # kick(pod uid): sync the pod again
        self._watches: dict[ObjectKey, Informer] = {}
        self._users: dict[ObjectKey, set[str]] = {}
        self._by_pod: dict[str, set[ObjectKey]] = {}
        self._retired: list[Informer] = []  # watches no pod needs any more, to stop

    def register(self, pod: types_pb2.Pod) -> list[Informer]:
        """Watch what the pod names now (and stop watching what it no longer names); returns its watches."""
        uid, namespace = pod.metadata.uid, pod.metadata.namespace
        wanted = {(kind, namespace, name) for kind, name in projection.references(pod)}
        for key in self._by_pod.get(uid, set()) - wanted:
            self._release(uid, key)
        for key in wanted:
            self._users.setdefault(key, set()).add(uid)
            if key not in self._watches:
                self._watches[key] = self._watch(key)
        self._by_pod[uid] = wanted
        return [self._watches[key] for key in wanted]

    async def unregister(self, uid: str) -> None:
        for key in self._by_pod.pop(uid, set()):
            self._release(uid, key)
        await self._stop_retired()

    async def ready(self, pod: types_pb2.Pod) -> None:
        """Register the pod and wait until each of its watches has listed, so a miss means "not found"."""
        watches = self.register(pod)
        await self._stop_retired()
        if all(w.synced for w in watches):
            return  # the usual case, every sync of a running pod: no tasks to make and wait for
        await asyncio.wait_for(asyncio.gather(*(w.wait_synced() for w in watches)), SYNC_TIMEOUT_S)

    def lookup_for(self, pod: types_pb2.Pod) -> projection.Lookup:
        namespace = pod.metadata.namespace

        def lookup(kind: str, name: str) -> Message | None:
            informer = self._watches.get((kind, namespace, name))
            return informer.get(f"{namespace}/{name}") if informer is not None else None
        return lookup

    async def stop(self) -> None:
        watches, self._watches = list(self._watches.values()) + self._retired, {}
        self._retired = []
        self._users.clear()
        self._by_pod.clear()
        await asyncio.gather(*(w.stop() for w in watches))

    # ------------------------------------------------------------ watches

    def _watch(self, key: ObjectKey) -> Informer:
        kind, namespace, name = key
        informer = Informer(self._client, kind, namespace=namespace,
                            field_selector=f"metadata.name={escape_field_value(name)}")

        def changed(*_objects) -> None:
            for uid in list(self._users.get(key, ())):
                self._kick(uid)
        informer.add_handlers(changed, changed, changed)
        informer.start()
        return informer

    def _release(self, uid: str, key: ObjectKey) -> None:
        """Drop the pod's use of an object; its watch retires when no pod uses it any more."""
        users = self._users.get(key)
        if users is None:
            return
        users.discard(uid)
        if not users:
            del self._users[key]
            informer = self._watches.pop(key, None)
            if informer is not None:
                self._retired.append(informer)

    async def _stop_retired(self) -> None:
        retired, self._retired = self._retired, []
        await asyncio.gather(*(w.stop() for w in retired))
