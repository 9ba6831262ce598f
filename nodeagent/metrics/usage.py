"""From cumulative cgroup samples to what metrics.k8s.io serves: CPU rates over a window, per container,
pod and node. Pure functions; the sampler (nodeagent.metrics.sampler) does the reading and the pushing.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timezone

from api import meta
from proto import api_pb2, types_pb2


@dataclass(frozen=True)
class Sample:
    cpu_ns: int  # cumulative CPU time
    memory: int  # working set, bytes
    at: float  # monotonic seconds, for rates
    wall: float  # epoch seconds, for the timestamp users see


@dataclass(frozen=True)
class Rate:
    cpu_nanocores: int
    memory: int
    window: float
    wall: float


def cpu_rate(prev: Sample | None, cur: Sample) -> Rate | None:
    """The CPU used between two samples of one cgroup, in nanocores (1e9 = one core busy all the time).

    None when there is no rate yet: no earlier sample, no time passed, or the counter went back (a new
    cgroup under the same name), as metrics-server skips such points instead of reporting nonsense.
    """
    if prev is None or cur.at <= prev.at or cur.cpu_ns < prev.cpu_ns:
        return None
    window = cur.at - prev.at
    return Rate(round((cur.cpu_ns - prev.cpu_ns) / window), cur.memory, window, cur.wall)


@dataclass(frozen=True)
class ContainerRate:
    namespace: str
    pod: str
    pod_uid: str
    container: str
    rate: Rate | None  # None: this container has no rate yet


@functools.lru_cache(maxsize=256)
def rfc3339(epoch: float) -> str:
    # Remembered: every pod of a pass shares its sample's time, and a hollow fleet formats it for 2,000
    # pods a second.
    return meta.format_time(datetime.fromtimestamp(epoch, timezone.utc))


def pod_metrics(rows: list[ContainerRate]) -> list[api_pb2.PodMetrics]:
    """One PodMetrics per pod whose every running container has a rate (a pod half measured would
    understate it, so it waits for the next pass), in pod order of first appearance."""
    pods: dict[str, list[ContainerRate]] = {}
    for row in rows:
        pods.setdefault(row.pod_uid, []).append(row)
    out = []
    for uid, containers in pods.items():
        if any(c.rate is None for c in containers):
            continue
        first = containers[0]
        out.append(api_pb2.PodMetrics(
            metadata=types_pb2.ObjectMeta(name=first.pod, namespace=first.namespace, uid=uid),
            timestamp=rfc3339(max(c.rate.wall for c in containers)),
            window_seconds=max(c.rate.window for c in containers),
            containers=[api_pb2.ContainerMetrics(name=c.container, cpu_nanocores=c.rate.cpu_nanocores,
                                                 memory_bytes=c.rate.memory)
                        for c in sorted(containers, key=lambda c: c.container)]))
    return out


def node_metrics(node_name: str, rate: Rate) -> api_pb2.NodeMetrics:
    return api_pb2.NodeMetrics(metadata=types_pb2.ObjectMeta(name=node_name), timestamp=rfc3339(rate.wall),
                               window_seconds=rate.window, cpu_nanocores=rate.cpu_nanocores,
                               memory_bytes=rate.memory)
