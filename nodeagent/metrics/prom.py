"""The agent's Prometheus metrics, with the kubelet's, kube-proxy's, CoreDNS's and cAdvisor's names: pod
start latency, running pods and containers, probe results, runtime operations, service proxy syncs, DNS
queries, and per-container CPU and memory as the kubelet's cAdvisor endpoint names them.
"""
from __future__ import annotations

import functools
import inspect
import time
import weakref

from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from nodeagent.runtime.base import LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID, \
    SANDBOX_NAME

POD_START = Histogram("kubelet_pod_start_duration_seconds",
                      "From the agent first seeing a pod to all its containers running.",
                      buckets=(0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600))
PROBES = Counter("prober_probe_total", "Probe runs, by probe type and result.",
                 ["probe_type", "result", "container", "pod", "namespace"])
RUNTIME_DURATION = Histogram("kubelet_runtime_operations_duration_seconds", "Container runtime operation latency.",
                             ["operation_type"],
                             buckets=(0.005, 0.0125, 0.03125, 0.078125, 0.1953125, 0.48828125, 1.220703125, 3.0517578125,
                                      7.62939453125, 19.073486328125, 47.6837158203125))
RUNTIME_ERRORS = Counter("kubelet_runtime_operations_errors_total", "Container runtime operations that failed.",
                         ["operation_type"])
PROXY_SYNC = Histogram("kubeproxy_sync_proxy_rules_duration_seconds", "Time to render and apply the service rules.",
                       buckets=(0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048,
                                4.096, 8.192, 16.384))
PROXY_RULES = Gauge("kubeproxy_sync_proxy_rules_nftables_objects",
                    "Service ports programmed in the nftables table at the last sync.")
DNS_REQUESTS = Counter("coredns_dns_requests_total", "DNS queries answered, by transport.", ["proto"])
DNS_DURATION = Histogram("coredns_dns_request_duration_seconds", "Time to answer a DNS query.", ["proto"],
                         buckets=(0.00025, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256,
                                  0.512, 1.024, 2.048, 4.096, 8.192))


def probe_result(probe_type: str, result: str, container: str, pod: str, namespace: str) -> None:
    PROBES.labels(probe_type, result, container, pod, namespace).inc()


def dns_answered(proto: str, started: float) -> None:
    DNS_REQUESTS.labels(proto).inc()
    DNS_DURATION.labels(proto).observe(time.perf_counter() - started)


class InstrumentedRuntime:
    """A runtime whose every coroutine is timed into kubelet_runtime_operations_* by its method name;
    streams (logs, exec output) pass through untimed."""

    def __init__(self, runtime):
        self._runtime = runtime

    def __getattr__(self, name):
        attr = getattr(self._runtime, name)
        if not inspect.iscoroutinefunction(attr):
            return attr
        duration, errors = RUNTIME_DURATION.labels(name), RUNTIME_ERRORS.labels(name)

        @functools.wraps(attr)
        async def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return await attr(*args, **kwargs)
            except Exception:
                errors.inc()
                raise
            finally:
                duration.observe(time.perf_counter() - started)
        setattr(self, name, timed)  # built once per method
        return timed


class _NodeCollector:
    """Collected at scrape time from every agent in the process: running pods and containers from the
    last relist, and each container's cgroup sample (container_cpu_usage_seconds_total and
    container_memory_working_set_bytes, labelled as the kubelet's cAdvisor endpoint labels them)."""

    def __init__(self):
        self.agents: weakref.WeakSet = weakref.WeakSet()

    def collect(self):
        pods = GaugeMetricFamily("kubelet_running_pods", "Pods with a running sandbox.")
        containers = GaugeMetricFamily("kubelet_running_containers", "Containers, by state.",
                                       labels=["container_state"])
        cpu = CounterMetricFamily("container_cpu_usage_seconds_total", "Cumulative CPU time of the container.",
                                  labels=["container", "pod", "namespace"])
        memory = GaugeMetricFamily("container_memory_working_set_bytes", "Working set of the container.",
                                   labels=["container", "pod", "namespace"])
        running_pods, states = 0, {}
        for agent in list(self.agents):
            seen = agent.pleg.containers
            running_pods += len({c.labels.get(LABEL_POD_UID) for c in seen
                                 if c.state == "running" and c.labels.get(LABEL_CONTAINER_NAME) == SANDBOX_NAME})
            for c in seen:
                if c.labels.get(LABEL_CONTAINER_NAME) != SANDBOX_NAME:
                    states[c.state] = states.get(c.state, 0) + 1
            sampler = agent.sampler
            for info, sample in (sampler.samples.values() if sampler is not None else ()):
                labels = [info.labels.get(LABEL_CONTAINER_NAME, ""), info.labels.get(LABEL_POD_NAME, ""),
                          info.labels.get(LABEL_POD_NAMESPACE, "")]
                cpu.add_metric(labels, sample.cpu_ns / 1e9)
                memory.add_metric(labels, sample.memory)
        pods.add_metric([], running_pods)
        for state in ("running", "created", "exited", "unknown"):
            containers.add_metric([state], states.get(state, 0))
        yield from (pods, containers, cpu, memory)


NODE = _NodeCollector()
REGISTRY.register(NODE)
