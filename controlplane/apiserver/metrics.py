"""The API server's Prometheus metrics, with Kubernetes' names: requests by verb, resource and code,
their latency, long-running requests, etcd latency, watch cache sizes and group-commit batch sizes.
"""
from __future__ import annotations

import time
import weakref
from contextlib import contextmanager

import grpc
from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily

# Kubernetes' buckets for request latency (apiserver/pkg/endpoints/metrics).
REQUEST_BUCKETS = (0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30,
                   45, 60)
ETCD_BUCKETS = (0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60)

REQUESTS = Counter("apiserver_request_total", "API requests by verb, resource, subresource and HTTP-style code.",
                   ["verb", "resource", "subresource", "code"])
REQUEST_DURATION = Histogram("apiserver_request_duration_seconds",
                             "Latency of API requests (watches and other long-running requests excluded).",
                             ["verb", "resource", "subresource"], buckets=REQUEST_BUCKETS)
LONGRUNNING = Gauge("apiserver_longrunning_requests", "Open long-running requests (watch, logs, exec).",
                    ["verb", "resource", "subresource"])
ETCD_DURATION = Histogram("etcd_request_duration_seconds", "Latency of etcd requests by operation and type.",
                          ["operation", "type"], buckets=ETCD_BUCKETS)
GROUP_COMMIT = Histogram("apiserver_storage_group_commit_batch_size",
                         "Writes sharing one etcd transaction (group commit).",
                         buckets=(1, 2, 4, 8, 16, 32, 64, 128))

# gRPC status -> the HTTP code Kubernetes would have answered, so dashboards read the same.
HTTP_CODES = {
    grpc.StatusCode.OK: "200", grpc.StatusCode.NOT_FOUND: "404", grpc.StatusCode.ALREADY_EXISTS: "409",
    grpc.StatusCode.ABORTED: "409", grpc.StatusCode.FAILED_PRECONDITION: "409",
    grpc.StatusCode.INVALID_ARGUMENT: "422", grpc.StatusCode.OUT_OF_RANGE: "410",
    grpc.StatusCode.RESOURCE_EXHAUSTED: "413", grpc.StatusCode.PERMISSION_DENIED: "403",
    grpc.StatusCode.UNAUTHENTICATED: "401", grpc.StatusCode.UNAVAILABLE: "503",
    grpc.StatusCode.DEADLINE_EXCEEDED: "504", grpc.StatusCode.INTERNAL: "500", grpc.StatusCode.UNKNOWN: "500",
}

# RPC -> (Kubernetes verb, subresource, the resource when the request does not name a kind).
RPCS = {
    "Create": ("create", "", ""), "Get": ("get", "", ""), "List": ("list", "", ""), "Update": ("update", "", ""),
    "Patch": ("patch", "", ""), "Delete": ("delete", "", ""), "Watch": ("watch", "", ""),
    "Bind": ("create", "binding", "pods"), "GetScale": ("get", "scale", ""), "UpdateScale": ("update", "scale", ""),
    "Logs": ("get", "log", "pods"), "Exec": ("create", "exec", "pods"),
    "PushMetrics": ("create", "", "nodemetrics"), "ListNodeMetrics": ("list", "", "nodemetrics"),
    "ListPodMetrics": ("list", "", "podmetrics"),
}


ENABLED = True  # off with --metrics-bind-address "": nobody could read them, so nothing is counted


def disable() -> None:
    global ENABLED
    ENABLED = False


class Instrument:
    """The label children of one RPC, cached: a request pays two dict lookups and an observe, not label
    parsing (keeps the cost of metrics on the hot path to a few microseconds)."""

    def __init__(self, rpc: str):
        self.verb, self.subresource, self.resource = RPCS.get(rpc, (rpc.lower(), "", ""))
        self._counters: dict[tuple[str, str], Counter] = {}
        self._durations: dict[str, Histogram] = {}

    def observe(self, resource: str, code: grpc.StatusCode, started: float) -> None:
        if not ENABLED:
            return
        resource = resource or self.resource
        http = HTTP_CODES.get(code, "500")
        if code == grpc.StatusCode.OK and self.verb == "create":
            http = "201"
        counter = self._counters.get((resource, http))
        if counter is None:
            counter = self._counters[(resource, http)] = REQUESTS.labels(self.verb, resource, self.subresource, http)
        counter.inc()
        duration = self._durations.get(resource)
        if duration is None:
            duration = self._durations[resource] = REQUEST_DURATION.labels(self.verb, resource, self.subresource)
        duration.observe(time.perf_counter() - started)

    @contextmanager
    def longrunning(self, resource: str):
        gauge = LONGRUNNING.labels(self.verb, resource or self.resource, self.subresource)
        gauge.inc()
        try:
            yield
        finally:
            gauge.dec()

    def count(self, resource: str, code: grpc.StatusCode) -> None:
        REQUESTS.labels(self.verb, resource or self.resource, self.subresource, HTTP_CODES.get(code, "500")).inc()


_etcd: dict[tuple[str, str], Histogram] = {}


def etcd_observe(operation: str, type_: str, seconds: float) -> None:
    if not ENABLED:
        return
    child = _etcd.get((operation, type_))
    if child is None:
        child = _etcd[(operation, type_)] = ETCD_DURATION.labels(operation, type_)
    child.observe(seconds)


class _WatchCaches:
    """Collected at scrape time from every running registry (tests run several), so nothing is counted
    on the request path: objects per resource, the watch history kept, and open watchers."""

    def __init__(self):
        self.registries: weakref.WeakSet = weakref.WeakSet()

    def collect(self):
        objects = GaugeMetricFamily("apiserver_storage_objects", "Objects stored, per resource (watch cache).",
                                    labels=["resource"])
        capacity = GaugeMetricFamily("watch_cache_capacity", "Events kept in the watch cache's history.",
                                     labels=["resource"])
        watchers = GaugeMetricFamily("apiserver_watch_cache_watchers", "Open watches served from the cache.",
                                     labels=["resource"])
        totals: dict[str, list[int]] = {}
        for registry in list(self.registries):
            for cache in registry.caches.values():
                t = totals.setdefault(cache.kind.plural, [0, 0, 0])
                t[0] += len(cache.objects)
                t[1] += cache.history_len()
                t[2] += cache.watcher_count
        for resource, (n, h, w) in sorted(totals.items()):
            objects.add_metric([resource], n)
            capacity.add_metric([resource], h)
            watchers.add_metric([resource], w)
        yield from (objects, capacity, watchers)


WATCH_CACHES = _WatchCaches()
REGISTRY.register(WATCH_CACHES)
