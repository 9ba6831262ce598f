"""The metrics API (metrics.k8s.io/v1beta1): the latest NodeMetrics and PodMetrics each agent pushed, held
in memory only, as metrics-server keeps them; served by name, namespace and label selector.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from google.protobuf.message import Message

from api import errors, selectors
from proto import api_pb2

MAX_AGE_S = 60.0  # a node that stopped pushing (down, partitioned) stops being reported after this

PodLookup = Callable[[str, str], Message | None]  # (namespace, name) -> the Pod from the watch cache
NodeLookup = Callable[[str], Message | None]


@dataclass(slots=True)
class _Entry:
    metrics: Message
    node: str
    received: float  # monotonic
    uid: str = ""  # plain copies of what reads compare: protobuf field access costs more than the check
    labels: dict[str, str] | None = None
    encoded: bytes = b""  # the sample as one item of a PodMetricsList on the wire
    pod: Message | None = None  # the Pod object last found to be the sampled one (see _same_pod)


def list_item(pm: api_pb2.PodMetrics) -> bytes:
    """The sample encoded as one item of a PodMetricsList. Protobuf encodes a repeated field as the
    concatenation of its items, so a list's reply is these joined: encoded once per push, not per read."""
    return api_pb2.PodMetricsList(items=[pm]).SerializeToString()


def _selector(text: str) -> selectors.LabelSelector:
    try:
        return selectors.parse_label_selector(text)
    except selectors.SelectorError as e:
        raise errors.Invalid(str(e), [str(e)]) from None


class MetricsStore:
    def __init__(self, pod: PodLookup, node: NodeLookup, max_age: float = MAX_AGE_S, clock=time.monotonic):
        self._pod = pod
        self._node = node
        self.max_age = max_age
        self.clock = clock
        self._nodes: dict[str, _Entry] = {}
        self._pods: dict[tuple[str, str], _Entry] = {}
        self._pods_of_node: dict[str, set[tuple[str, str]]] = {}
        self._order: list[tuple[str, str]] | None = None  # self._pods' keys sorted; None when that changed

    # ------------------------------------------------------------ agents push

    def push(self, request: api_pb2.PushMetricsRequest) -> int:
        """Replace what the node reported last; returns how many pods were skipped as stale.

        A pod bound to another node refuses the whole push (Forbidden, nothing stored): an agent speaks
        only for its own node. A pod that is gone, or was re-created under the same name (another uid),
        is skipped: the agent sampled it just before the change.
        """
        node = request.node_name
        if not node:
            raise errors.Invalid("metrics push: node_name is required", ["node_name: Required value"])
        if request.HasField("node") and request.node.metadata.name != node:
            raise errors.Forbidden(f'node "{node}" may not report metrics of node "{request.node.metadata.name}"')
        accepted: dict[tuple[str, str], tuple[api_pb2.PodMetrics, Message]] = {}
        stale = 0
        for pm in request.pods:
            key = (pm.metadata.namespace, pm.metadata.name)
            pod = self._pod(*key)
            if pod is None or pod.metadata.uid != pm.metadata.uid:
                stale += 1
                continue
            if pod.spec.node_name != node:
                raise errors.Forbidden(
                    f'node "{node}" may not report metrics of pod "{key[0]}/{key[1]}": it is bound to '
                    + (f'node "{pod.spec.node_name}"' if pod.spec.node_name else "no node"))
            # The pod's labels as of this sample, as metrics-server takes them at scrape time: a list
            # then serves stored messages without copying each one to add them.
            pm.metadata.labels.clear()
            pm.metadata.labels.update(pod.metadata.labels)
            accepted[key] = pm, pod
        now = self.clock()
        if request.HasField("node"):
            self._nodes[node] = _Entry(request.node, node, now)
        for key in self._pods_of_node.get(node, set()) - accepted.keys():
            self._drop(key, node)
        for key, (pm, pod) in accepted.items():
            if key not in self._pods:
                self._order = None
            self._pods[key] = _Entry(pm, node, now, pm.metadata.uid, dict(pm.metadata.labels), list_item(pm), pod)
        self._pods_of_node[node] = set(accepted)
        return stale

    # ------------------------------------------------------------ readers

    def _fresh(self, entry: _Entry | None, now: float | None = None) -> bool:
        return entry is not None and (self.clock() if now is None else now) - entry.received <= self.max_age

    def _pod_metrics(self, key: tuple[str, str], entry: _Entry | None) -> api_pb2.PodMetrics | None:
        """The stored sample, while it is recent and its pod still exists as sampled."""
        if not self._fresh(entry):
            return None
        return entry.metrics if self._same_pod(key, entry) else None

    def _same_pod(self, key: tuple[str, str], entry: _Entry) -> bool:
        """Whether the sampled pod still exists. The watch cache replaces a pod's object on every change,
        so the very object seen last time is the same pod; only a changed one has its uid compared (a
        list of 30,000 pods then reads no protobuf field of the pods that did not change)."""
        pod = self._pod(*key)
        if pod is entry.pod:
            return pod is not None
        if pod is None or pod.metadata.uid != entry.uid:
            return False
        entry.pod = pod
        return True

    def pods(self, namespace: str = "", name: str = "", label_selector: str = "") -> list[api_pb2.PodMetrics]:
        """By name (NotFound when there is no sample), or every pod matching; namespace "" is all."""
        return [entry.metrics for entry in self._selected(namespace, name, label_selector)]

    def pods_encoded(self, namespace: str = "", name: str = "", label_selector: str = "") -> bytes:
        """What pods() selects, as a PodMetricsList already encoded (the reply of a list of 30,000 pods
        is then a join of bytes, not 30,000 messages copied and encoded again)."""
        return b"".join([entry.encoded for entry in self._selected(namespace, name, label_selector)])

    def _selected(self, namespace: str, name: str, label_selector: str) -> list[_Entry]:
        if name:
            key = (namespace or "default", name)
            entry = self._pods.get(key)
            if self._pod_metrics(key, entry) is None:
                raise errors.NotFound(f'podmetrics.metrics.k8s.io "{key[0]}/{key[1]}" not found')
            return [entry]
        selector = _selector(label_selector) if label_selector else None
        if self._order is None:
            self._order = sorted(self._pods)
        now, out = self.clock(), []
        for key in self._order:
            entry = self._pods[key]
            if (namespace and key[0] != namespace) or now - entry.received > self.max_age:
                continue
            if not self._same_pod(key, entry):
                continue
            if selector is None or selector.matches(entry.labels):
                out.append(entry)
        return out

    def nodes(self, name: str = "", label_selector: str = "") -> list[api_pb2.NodeMetrics]:
        if name:
            found = self._node_metrics(name)
            if found is None:
                raise errors.NotFound(f'nodemetrics.metrics.k8s.io "{name}" not found')
            return [found]
        selector = _selector(label_selector)
        out = []
        for node in sorted(self._nodes):
            nm = self._node_metrics(node)
            if nm is not None and selector.matches(nm.metadata.labels):
                out.append(nm)
        return out

    def _node_metrics(self, name: str) -> api_pb2.NodeMetrics | None:
        entry = self._nodes.get(name)
        node = self._node(name)
        if not self._fresh(entry) or node is None:
            return None
        out = api_pb2.NodeMetrics()
        out.CopyFrom(entry.metrics)
        out.metadata.labels.update(node.metadata.labels)
        return out

    def forget_node(self, name: str) -> None:
        self._nodes.pop(name, None)
        for key in self._pods_of_node.pop(name, set()):
            self._drop(key, name)

    def _drop(self, key: tuple[str, str], node: str) -> None:
        """Forget the pod's sample if `node` reported it (a pod moved to another node is that node's now)."""
        entry = self._pods.get(key)
        if entry is not None and entry.node == node:
            del self._pods[key]
            self._order = None
