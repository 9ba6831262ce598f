"""What `skiff top` prints, as kubectl top prints it: pure functions from metrics (and nodes) to rows.

CPU in millicores rounded up (`250m`), memory in whole MiB rounded down (`64Mi`), percentages of the
node's allocatable truncated to an integer, as kubectl's printer does.
"""
from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from api import meta, quantity
from proto import api_pb2, types_pb2

UNKNOWN = "<unknown>"
METRICS_CREATION_DELAY_S = 120  # kubectl: a pod younger than this may simply not have been sampled yet


def millicores(nanocores: int) -> int:
    return -(-nanocores // 1_000_000)


def cpu_text(nanocores: int) -> str:
    return f"{millicores(nanocores)}m"


def memory_text(memory_bytes: int) -> str:
    return f"{memory_bytes // (1024 * 1024)}Mi"


def percent(used: int, available: int) -> str:
    return f"{int(used / available * 100)}%" if available else UNKNOWN


class PodUsage(NamedTuple):
    namespace: str
    name: str
    cpu_nanocores: int
    memory_bytes: int
    metrics: api_pb2.PodMetrics  # for --containers


def pod_usage(items: list[api_pb2.PodMetrics]) -> list[PodUsage]:
    """Each pod's usage, its containers summed: one pass reading each field once (`top pods -A` over
    30,000 pods pays for every protobuf field read)."""
    usage = []
    for pm in items:
        cpu = memory = 0
        for c in pm.containers:
            cpu += c.cpu_nanocores
            memory += c.memory_bytes
        meta = pm.metadata
        usage.append(PodUsage(meta.namespace, meta.name, cpu, memory, pm))
    return usage


def sort_pods(usage: list[PodUsage], sort_by: str) -> list[PodUsage]:
    """Highest first by cpu or memory, as kubectl's --sort-by; otherwise as the server listed them."""
    if not sort_by:
        return usage
    if sort_by == "cpu":
        return sorted(usage, key=lambda u: -u.cpu_nanocores)
    return sorted(usage, key=lambda u: -u.memory_bytes)


def pod_rows(usage: list[PodUsage], all_namespaces: bool, containers: bool) -> list[list[str]]:
    ns = ["NAMESPACE"] if all_namespaces else []
    if containers:
        rows = [ns + ["POD", "NAME", "CPU(cores)", "MEMORY(bytes)"]]
        for u in usage:
            for c in u.metrics.containers:
                rows.append(([u.namespace] if all_namespaces else [])
                            + [u.name, c.name, cpu_text(c.cpu_nanocores), memory_text(c.memory_bytes)])
        return rows
    rows = [ns + ["NAME", "CPU(cores)", "MEMORY(bytes)"]]
    if all_namespaces:
        rows += [[u.namespace, u.name, cpu_text(u.cpu_nanocores), memory_text(u.memory_bytes)] for u in usage]
    else:
        rows += [[u.name, cpu_text(u.cpu_nanocores), memory_text(u.memory_bytes)] for u in usage]
    return rows


def _allocatable(node: types_pb2.Node, resource: str, convert) -> int:
    value = node.status.allocatable.get(resource) or node.status.capacity.get(resource)
    return convert(value) if value else 0


def node_rows(metrics: list[api_pb2.NodeMetrics], nodes: dict[str, types_pb2.Node],
              sort_by: str = "") -> list[list[str]]:
    """Nodes with metrics (sorted as asked), then the nodes without any, all columns `<unknown>`."""
    if sort_by:
        metrics = sorted(metrics, key=lambda m: -(m.cpu_nanocores if sort_by == "cpu" else m.memory_bytes))
    rows = [["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"]]
    measured = set()
    for m in metrics:
        node = nodes.get(m.metadata.name)
        if node is None:
            continue
        measured.add(m.metadata.name)
        cpu_m = millicores(m.cpu_nanocores)
        rows.append([m.metadata.name, f"{cpu_m}m", percent(cpu_m, _allocatable(node, "cpu", quantity.cpu_millis)),
                     memory_text(m.memory_bytes),
                     percent(m.memory_bytes, _allocatable(node, "memory", quantity.to_bytes))])
    for name in sorted(set(nodes) - measured):
        rows.append([name] + [UNKNOWN] * 4)
    return rows


def go_duration(seconds: float) -> str:
    """Go's Duration.String() at whole seconds: 2m5s, 1h0m3s."""
    s = int(seconds)
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m}m{s}s" if h else (f"{m}m{s}s" if m else f"{s}s")


def why_empty(pods: list[types_pb2.Pod], now: datetime) -> str | None:
    """kubectl's reason when no pod has metrics: none for no pods at all; a named pod old enough that it
    should have been sampled; else "metrics not available yet"."""
    if not pods:
        return None
    for pod in pods:
        created = meta.parse_time(pod.metadata.creation_timestamp)
        if created is not None:
            age = (now - created).total_seconds()
            if age > METRICS_CREATION_DELAY_S:
                return (f"Metrics not available for pod {pod.metadata.namespace}/{pod.metadata.name}, "
                        f"age: {go_duration(age)}")
    return "metrics not available yet"
