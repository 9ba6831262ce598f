"""The scheduler's Prometheus metrics, with Kubernetes' names: attempts by result and their latency,
pending pods per queue, per-plugin time on a sample of attempts, and preemption."""
from __future__ import annotations

import weakref

from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily

PLUGIN_SAMPLE_EVERY = 10  # Kubernetes times plugins on 10% of attempts: timing costs as much as cheap plugins

ATTEMPTS = Counter("scheduler_schedule_attempts_total", "Attempts to schedule pods, by result.",
                   ["result", "profile"])
ATTEMPT_DURATION = Histogram("scheduler_scheduling_attempt_duration_seconds",
                             "Scheduling attempt latency (the algorithm, up to the decision).", ["result", "profile"],
                             buckets=(0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024,
                                      2.048, 4.096, 8.192, 16.384))
PLUGIN_DURATION = Histogram("scheduler_plugin_execution_duration_seconds",
                            "Time of one plugin at one extension point in one attempt (sampled).",
                            ["plugin", "extension_point", "status"],
                            buckets=(0.00001, 0.000015, 0.0000225, 0.00003375, 0.0000506, 0.0000759, 0.000114,
                                     0.000171, 0.000256, 0.000384, 0.000577, 0.000865, 0.0013, 0.00195, 0.00292,
                                     0.00438, 0.00657, 0.00985, 0.0148, 0.0222))

PREEMPTION_ATTEMPTS = Counter("scheduler_preemption_attempts_total", "Preemption attempts in the cluster till now.")
PREEMPTION_VICTIMS = Histogram("scheduler_preemption_victims", "Number of selected preemption victims.",
                               buckets=(1, 2, 4, 8, 16, 32, 64))


def observe_attempt(result: str, profile: str, seconds: float) -> None:
    ATTEMPTS.labels(result, profile).inc()
    ATTEMPT_DURATION.labels(result, profile).observe(seconds)


def observe_plugins(timings: dict[tuple[str, str], float]) -> None:
    for (point, plugin), seconds in timings.items():
        PLUGIN_DURATION.labels(plugin, point, "Success").observe(seconds)


class _PendingPods:
    """scheduler_pending_pods{queue}: read from each running scheduler's queue at scrape time."""

    def __init__(self):
        self.queues: weakref.WeakSet = weakref.WeakSet()

    def collect(self):
        family = GaugeMetricFamily("scheduler_pending_pods", "Pending pods, by queue (active, backoff, "
                                   "unschedulable).", labels=["queue"])
        totals = {"active": 0, "backoff": 0, "unschedulable": 0}
        for queue in list(self.queues):
            for name, n in queue.sizes().items():
                totals[name] = totals.get(name, 0) + n
        for name, n in totals.items():
            family.add_metric([name], n)
        yield family


PENDING = _PendingPods()
REGISTRY.register(PENDING)
