"""Every --metrics-resolution: sample the node's containers (cgroup files) or, on hollow nodes, make up
usage from the pods' requests; then push NodeMetrics and PodMetrics to the API server's metrics API.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable

from api import errors, quantity
from nodeagent.metrics import usage
from nodeagent.metrics.cgroup import CgroupReader
from nodeagent.metrics.usage import ContainerRate, Rate, Sample
from nodeagent.runtime.base import (LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID,
                                    SANDBOX_NAME, ContainerInfo)
from proto import api_pb2, types_pb2

log = logging.getLogger(__name__)

DEFAULT_RESOLUTION_S = 15.0


class CgroupSampler:
    """Samples the running app containers of one node (pause containers are not the user's) and the node."""

    def __init__(self, node_name: str, containers: Callable[[], list[ContainerInfo]],
                 reader: CgroupReader | None = None, clock=time.monotonic, wall=time.time):
        self.node_name = node_name
        self.containers = containers
        self.reader = reader or CgroupReader()
        self.clock = clock
        self.wall = wall
        self.samples: dict[str, tuple[ContainerInfo, Sample]] = {}  # container id -> latest, for Prometheus
        self.node_sample: Sample | None = None

    def sample(self) -> api_pb2.PushMetricsRequest:
        rows, latest = [], {}
        for info in self.containers():
            name = info.labels.get(LABEL_CONTAINER_NAME, "")
            if info.state != "running" or not info.pid or not name or name == SANDBOX_NAME:
                continue
            try:
                u = self.reader.usage(self.reader.container_dirs(info.id, info.pid))
            except (OSError, ValueError):
                continue  # the container ended between the relist and now
            cur = Sample(u.cpu_ns, u.memory_working_set, self.clock(), self.wall())
            prev = self.samples.get(info.id)
            latest[info.id] = (info, cur)
            rows.append(ContainerRate(info.labels.get(LABEL_POD_NAMESPACE, ""), info.labels.get(LABEL_POD_NAME, ""),
                                      info.labels.get(LABEL_POD_UID, ""), name,
                                      usage.cpu_rate(prev[1] if prev else None, cur)))
        self.samples = latest
        self.reader.forget_except(set(latest))
        request = api_pb2.PushMetricsRequest(node_name=self.node_name, pods=usage.pod_metrics(rows))
        try:
            n = self.reader.node_usage()
        except (OSError, ValueError) as e:
            log.debug("node %s: no node usage: %s", self.node_name, e)
            return request
        cur = Sample(n.cpu_ns, n.memory_working_set, self.clock(), self.wall())
        rate = usage.cpu_rate(self.node_sample, cur)
        self.node_sample = cur
        if rate is not None:
            request.node.CopyFrom(usage.node_metrics(self.node_name, rate))
        return request


def _share(*parts: str) -> float:
    """A stable fraction in [0.2, 0.8) per pod and container, so synthetic usage differs but never jumps."""
    digest = hashlib.blake2b("/".join(parts).encode(), digest_size=2).digest()
    return 0.2 + 0.6 * int.from_bytes(digest, "big") / 65536


def synthetic(node_name: str, pods: list[types_pb2.Pod], window: float, wall: float) -> api_pb2.PushMetricsRequest:
    """Hollow nodes' usage: a stable share of each container's requests (100m and 32Mi without any), and
    the node as the sum plus a little for itself. Exercises the whole path at scale without cgroups."""
    rows, node_cpu, node_mem = [], 100_000_000, 256 * 2**20
    for pod in pods:
        for c in pod.spec.containers:
            requests = c.resources.requests
            cpu_m = quantity.cpu_millis(requests["cpu"]) if "cpu" in requests else 100
            mem = quantity.to_bytes(requests["memory"]) if "memory" in requests else 32 * 2**20
            share = _share(pod.metadata.uid, c.name)
            rate = Rate(int(cpu_m * 1_000_000 * share), int(mem * share), window, wall)
            node_cpu += rate.cpu_nanocores
            node_mem += rate.memory
            rows.append(ContainerRate(pod.metadata.namespace, pod.metadata.name, pod.metadata.uid, c.name, rate))
    return api_pb2.PushMetricsRequest(node_name=node_name, pods=usage.pod_metrics(rows),
                                      node=usage.node_metrics(node_name, Rate(node_cpu, node_mem, window, wall)))


class MetricsPusher:
    """The loop: sample, push, sleep a resolution. A failed push is logged and the next pass tries again."""

    def __init__(self, client, node_name: str, resolution: float, sample: Callable[[], api_pb2.PushMetricsRequest],
                 first_delay: float = 0.0, prepare: Callable[[], Awaitable[None]] | None = None):
        self.client = client
        self.prepare = prepare  # I/O before a sample (scraping the pods' own metrics)
        self.node_name = node_name
        self.resolution = resolution
        self.sample = sample
        self.first_delay = first_delay
        self.pushes = 0

    async def run(self) -> None:
        await asyncio.sleep(self.first_delay)
        while True:
            try:
                if self.prepare is not None:
                    await self.prepare()
                request = self.sample()
                await self.client.push_metrics(request)
                self.pushes += 1
            except asyncio.CancelledError:
                raise
            except errors.ApiError as e:
                log.warning("node %s: pushing metrics: %s", self.node_name, e)
            except Exception:
                log.exception("node %s: sampling metrics", self.node_name)
            await asyncio.sleep(self.resolution)
