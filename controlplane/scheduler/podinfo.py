"""What the scheduler needs to know of a pod, computed once per attempt: requests, host ports, owner.

Quantities are parsed here so that filters and scores compare plain integers for every node."""
from __future__ import annotations

from dataclasses import dataclass, field

from api import meta, quantity
from api.sidecars import is_sidecar, sidecars
from proto import types_pb2

# Kubernetes scores a container without requests as if it asked for this much, so that empty
# pods still spread (pkg/scheduler/util: DefaultMilliCPURequest, DefaultMemoryRequest).
DEFAULT_CPU_MILLIS = 100
DEFAULT_MEMORY_BYTES = 200 * 1024 * 1024

HostPort = tuple[str, str, int]  # (host IP, protocol, port)


@dataclass(slots=True)
class PodInfo:
    key: str
    pod: types_pb2.Pod
    cpu: int  # millicores requested, for fitting
    memory: int  # bytes requested, for fitting
    nonzero_cpu: int  # with the defaults above, for scoring
    nonzero_memory: int
    host_ports: tuple[HostPort, ...]
    owner_uid: str  # the controller's uid ("" for a bare pod), for spreading
    # It carries pod (anti-)affinity terms: the nodes keep such pods apart, so that InterPodAffinity can
    # skip a pod when no pod anywhere has terms (the common case) without walking every pod.
    has_pod_affinity: bool = False
    priority: int = 0  # spec.priority, as the Priority admission resolved it: queue order and preemption
    # What plugins work out once per attempt in pre_filter (Kubernetes' CycleState), by plugin name.
    state: dict[str, object] = field(default_factory=dict)

    @classmethod
    def of(cls, pod: types_pb2.Pod) -> "PodInfo":
        cpu = memory = nonzero_cpu = nonzero_memory = 0
        # Sidecars run beside the app containers for the pod's whole life: their requests add up with them.
        for c in (*sidecars(pod), *pod.spec.containers):
            requests = c.resources.requests
            c_cpu, c_memory = _cpu(requests), _memory(requests)
            cpu += c_cpu
            memory += c_memory
            nonzero_cpu += c_cpu if "cpu" in requests else DEFAULT_CPU_MILLIS
            nonzero_memory += c_memory if "memory" in requests else DEFAULT_MEMORY_BYTES
        # Init containers run one at a time before the others, beside the sidecars started before them:
        # the pod needs the largest of those moments (Kubernetes' resource.PodRequests).
        side_cpu = side_memory = 0
        for c in pod.spec.init_containers:
            requests = c.resources.requests
            if is_sidecar(c):
                side_cpu, side_memory = side_cpu + _cpu(requests), side_memory + _memory(requests)
                cpu, memory = max(cpu, side_cpu), max(memory, side_memory)
            else:
                cpu, memory = max(cpu, side_cpu + _cpu(requests)), max(memory, side_memory + _memory(requests))
        # What the pod's RuntimeClass costs beyond its containers (set by the RuntimeClass admission).
        extra_cpu, extra_memory = _cpu(pod.spec.overhead), _memory(pod.spec.overhead)
        cpu, memory = cpu + extra_cpu, memory + extra_memory
        nonzero_cpu, nonzero_memory = nonzero_cpu + extra_cpu, nonzero_memory + extra_memory
        owner = meta.controller_of(pod)
        affinity = pod.spec.affinity
        has_terms = affinity.HasField("pod_affinity") or affinity.HasField("pod_anti_affinity")
        return cls(meta.key(pod), pod, cpu, memory, nonzero_cpu, nonzero_memory, host_ports(pod),
                   owner.uid if owner is not None else "", has_terms, pod.spec.priority)


def host_ports(pod: types_pb2.Pod) -> tuple[HostPort, ...]:
    return tuple((p.host_ip or "0.0.0.0", p.protocol or "TCP", p.host_port)
                 for c in (*pod.spec.init_containers, *pod.spec.containers) for p in c.ports if p.host_port > 0)


def _cpu(requests) -> int:
    try:
        return quantity.cpu_millis(requests["cpu"]) if "cpu" in requests else 0
    except quantity.QuantityError:  # the API server validates; an odd value must not stop the scheduler
        return 0


def _memory(requests) -> int:
    try:
        return quantity.to_bytes(requests["memory"]) if "memory" in requests else 0
    except quantity.QuantityError:
        return 0
