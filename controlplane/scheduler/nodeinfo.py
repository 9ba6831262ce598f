"""A node as the scheduler sees it: what it offers (allocatable, labels, taints, readiness) and
what the pods bound or assumed on it already take (requests, host ports, pods per owner)."""
from __future__ import annotations

from api import meta, quantity
from controlplane.scheduler.podinfo import PodInfo
from proto import types_pb2

NO_SCHEDULE, NO_EXECUTE, PREFER_NO_SCHEDULE = "NoSchedule", "NoExecute", "PreferNoSchedule"


class NodeInfo:
    # Pods with pod (anti-)affinity terms on every NodeInfo of this process: at least the number in any one
    # snapshot, so 0 lets InterPodAffinity skip a plain pod without looking at a single node.
    affinity_pods_anywhere = 0

    __slots__ = ("name", "node", "labels", "taints", "soft_taints", "unschedulable", "ready", "allocatable_cpu",
                 "allocatable_memory", "allocatable_pods", "requested_cpu", "requested_memory", "nonzero_cpu",
                 "nonzero_memory", "pods", "used_ports", "owner_counts", "affinity_pods", "tallied")

    def __init__(self, name: str, node: types_pb2.Node | None = None):
        self.name = name
        self.node: types_pb2.Node | None = None  # None: pods are known on it, the node object is not (yet)
        self.labels: dict[str, str] = {}
        self.taints: tuple[types_pb2.Taint, ...] = ()  # only the hard ones: NoSchedule and NoExecute
        self.soft_taints: tuple[types_pb2.Taint, ...] = ()  # PreferNoSchedule: they only lower the score
        self.unschedulable = False
        self.ready = False
        self.allocatable_cpu = self.allocatable_memory = self.allocatable_pods = 0
        self.requested_cpu = self.requested_memory = 0
        self.nonzero_cpu = self.nonzero_memory = 0
        self.pods: dict[str, PodInfo] = {}
        self.used_ports: dict[tuple[str, int], list[str]] = {}  # (protocol, port) -> host IPs
        self.owner_counts: dict[str, int] = {}
        self.affinity_pods: dict[str, PodInfo] = {}  # the pods here that carry pod (anti-)affinity terms
        self.tallied = True  # its pods count in affinity_pods_anywhere (a scratch copy's do not)
        if node is not None:
            self.set_node(node)

    def set_node(self, node: types_pb2.Node) -> bool:
        """Take the node's current object; True when anything the scheduler decides on changed."""
        before = self._inputs()
        allocatable = node.status.allocatable
        self.node = node
        self.labels = dict(node.metadata.labels)
        self.taints = tuple(t for t in node.spec.taints if t.effect in (NO_SCHEDULE, NO_EXECUTE))
        self.soft_taints = tuple(t for t in node.spec.taints if t.effect == PREFER_NO_SCHEDULE)
        self.unschedulable = node.spec.unschedulable
        ready = meta.get_condition(node.status.conditions, "Ready")
        self.ready = ready is not None and ready.status == "True"  # no conditions at all: not ready
        self.allocatable_cpu = _parse(quantity.cpu_millis, allocatable.get("cpu", "0"))
        self.allocatable_memory = _parse(quantity.to_bytes, allocatable.get("memory", "0"))
        self.allocatable_pods = _parse(quantity.to_int, allocatable.get("pods", "0"))
        return self._inputs() != before

    def _inputs(self) -> tuple:
        taints = [(t.key, t.value, t.effect) for t in (*self.taints, *self.soft_taints)]
        return (self.labels, taints, self.unschedulable, self.ready, self.allocatable_cpu, self.allocatable_memory,
                self.allocatable_pods)

    def copy(self) -> "NodeInfo":
        """A scratch copy to add and remove pods on (preemption's what-ifs), leaving this one and the
        process-wide tally untouched."""
        twin = NodeInfo.__new__(NodeInfo)
        for slot in NodeInfo.__slots__:
            setattr(twin, slot, getattr(self, slot))
        twin.pods, twin.owner_counts, twin.affinity_pods = dict(self.pods), dict(self.owner_counts), \
            dict(self.affinity_pods)
        twin.used_ports = {port: list(ips) for port, ips in self.used_ports.items()}
        twin.tallied = False
        return twin

    def add_pod(self, pod: PodInfo) -> None:
        self.pods[pod.key] = pod
        self._account(pod, 1)

    def remove_pod(self, key: str) -> PodInfo | None:
        pod = self.pods.pop(key, None)
        if pod is not None:
            self._account(pod, -1)
        return pod

    def _account(self, pod: PodInfo, sign: int) -> None:
        self.requested_cpu += sign * pod.cpu
        self.requested_memory += sign * pod.memory
        self.nonzero_cpu += sign * pod.nonzero_cpu
        self.nonzero_memory += sign * pod.nonzero_memory
        for ip, protocol, port in pod.host_ports:
            ips = self.used_ports.setdefault((protocol, port), [])
            if sign > 0:
                ips.append(ip)
            else:
                ips.remove(ip)
                if not ips:
                    del self.used_ports[(protocol, port)]
        if pod.has_pod_affinity:
            if sign > 0:
                self.affinity_pods[pod.key] = pod
            else:
                self.affinity_pods.pop(pod.key, None)
            if self.tallied:
                NodeInfo.affinity_pods_anywhere += sign
        if pod.owner_uid:
            count = self.owner_counts.get(pod.owner_uid, 0) + sign
            if count:
                self.owner_counts[pod.owner_uid] = count
            else:
                self.owner_counts.pop(pod.owner_uid, None)

    def __repr__(self) -> str:
        return (f"NodeInfo({self.name}: cpu {self.requested_cpu}/{self.allocatable_cpu}m, memory "
                f"{self.requested_memory}/{self.allocatable_memory}, pods {len(self.pods)}/{self.allocatable_pods})")


def _parse(convert, text: str) -> int:
    try:
        return convert(text)
    except quantity.QuantityError:
        return 0
