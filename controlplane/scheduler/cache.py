"""The scheduler's cache: every node and the pods bound or assumed on it, kept from the informers.

A pod is assumed on its node the moment it is chosen, before the bind is sent, so the next decision
already counts it; a failed bind forgets it, the watch showing the binding confirms it, and a bind the
watch never confirms expires after a TTL, so that its requests are not held for ever."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from controlplane.scheduler.framework import Snapshot
from controlplane.scheduler.nodeinfo import NodeInfo
from controlplane.scheduler.podinfo import PodInfo
from proto import types_pb2


@dataclass(slots=True)
class _Placed:
    pod: PodInfo
    node: str
    assumed: bool  # chosen by us, binding not yet seen in the watch


DEFAULT_ASSUMED_TTL = 15 * 60.0  # seconds; Kubernetes' durationToExpireAssumedPod


class Cache:
    def __init__(self, assumed_ttl: float = DEFAULT_ASSUMED_TTL, clock: Callable[[], float] = time.monotonic):
        self._nodes: dict[str, NodeInfo] = {}
        self._pods: dict[str, _Placed] = {}
        self._listing: Snapshot | None = None
        self._assumed_ttl = assumed_ttl
        self._clock = clock
        # Assumed pods whose bind succeeded, by key: when to drop them if the watch has not confirmed them.
        # Only those: a bind still in flight has not finished, however slow the API server is.
        self._deadlines: dict[str, float] = {}

    # ------------------------------------------------------------ the snapshot

    def nodes(self) -> Snapshot:
        """The nodes to place on, in name order. A decision runs without awaiting, so nothing changes under it."""
        if self._listing is None:
            self._listing = Snapshot(self._nodes[n] for n in sorted(self._nodes) if self._nodes[n].node is not None)
        return self._listing

    def node(self, name: str) -> NodeInfo | None:
        return self._nodes.get(name)

    # ------------------------------------------------------------ nodes

    def set_node(self, node: types_pb2.Node) -> bool:
        """Add or update a node; True when something a decision depends on changed."""
        info = self._nodes.get(node.metadata.name)
        if info is None:
            self._nodes[node.metadata.name] = NodeInfo(node.metadata.name, node)
            self._listing = None
            return True
        appeared = info.node is None  # we knew only of pods bound to it
        changed = info.set_node(node) or appeared
        if changed:  # what the snapshot says of all its nodes (all ready? any tainted?) may no longer hold
            self._listing = None
        return changed

    def remove_node(self, name: str) -> None:
        info = self._nodes.get(name)
        if info is None:
            return
        self._listing = None
        if info.pods:
            info.node = None  # its pods still count until their own deletions arrive
        else:
            del self._nodes[name]

    # ------------------------------------------------------------ pods

    def assume(self, pod: PodInfo, node: str) -> None:
        self._place(pod, node, assumed=True)

    def finish_binding(self, key: str) -> None:
        """The bind succeeded: the watch should confirm it soon; if it has not after the TTL, expire it."""
        if self.is_assumed(key):
            self._deadlines[key] = self._clock() + self._assumed_ttl

    def expire(self) -> list[str]:
        """Drop the assumptions whose TTL ran out; their keys, so the caller can wake pods they kept out."""
        if not self._deadlines:
            return []
        now = self._clock()
        expired = [key for key, deadline in self._deadlines.items() if deadline <= now]
        for key in expired:
            self.remove_pod(key)
        return expired

    def forget(self, key: str) -> None:
        """Undo an assume (the bind failed); a pod the watch already showed bound stays."""
        placed = self._pods.get(key)
        if placed is not None and placed.assumed:
            self.remove_pod(key)

    def is_assumed(self, key: str) -> bool:
        placed = self._pods.get(key)
        return placed is not None and placed.assumed

    def has_bound(self, key: str, node: str) -> bool:
        placed = self._pods.get(key)
        return placed is not None and not placed.assumed and placed.node == node

    def add_pod(self, pod: PodInfo, node: str) -> None:
        """A pod the watch shows bound to `node`: confirms our assumption, or records somebody else's bind."""
        self._place(pod, node, assumed=False)

    def remove_pod(self, key: str) -> bool:
        self._deadlines.pop(key, None)
        placed = self._pods.pop(key, None)
        if placed is None:
            return False
        info = self._nodes.get(placed.node)
        if info is not None:
            info.remove_pod(key)
            if info.node is None and not info.pods:
                del self._nodes[placed.node]
        return True

    def _place(self, pod: PodInfo, node: str, assumed: bool) -> None:
        if pod.key in self._pods:
            self.remove_pod(pod.key)
        info = self._nodes.get(node)
        if info is None:
            info = self._nodes[node] = NodeInfo(node)  # a pod bound to a node we have not seen yet
        info.add_pod(pod)
        self._pods[pod.key] = _Placed(pod, node, assumed)

    def __len__(self) -> int:
        return len(self._pods)
