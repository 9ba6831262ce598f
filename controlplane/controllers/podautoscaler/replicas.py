"""How many replicas one metric asks for: Kubernetes' replica calculator (pkg/controller/podautoscaler/
replica_calculator.go), as pure functions over the target's pods and their metrics.

The ratio of current to target usage, a 0.1 tolerance; pods being deleted or failed ignored; pending pods,
and for cpu pods still starting up (the cpu initialization period), counted as unready; pods without a
metric assumed idle on a scale-up and at the target on a scale-down; no scale when those assumptions
would reverse the direction.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

TOLERANCE = 0.1
CPU_INITIALIZATION_PERIOD_S = 300.0
INITIAL_READINESS_DELAY_S = 30.0


class MetricError(Exception):
    """No recommendation from this metric; the message is Kubernetes' (it lands in a condition and an event)."""


@dataclass(frozen=True)
class PodView:
    """What the calculator needs of a pod (times in epoch seconds; None when unknown)."""

    name: str
    phase: str = "Running"
    deleting: bool = False
    ready: str | None = "True"  # the Ready condition's status; None without one
    ready_since: float | None = 0.0  # its lastTransitionTime
    start_time: float | None = 0.0
    requests: dict[str, int] | None = None  # container -> the request of the resource asked about (milli-units)


@dataclass(frozen=True)
class PodMetric:
    value: int  # milli-units: millicores, milli-bytes, or a custom metric times 1000
    timestamp: float = 0.0
    window: float = 0.0


@dataclass(frozen=True)
class Settings:
    tolerance: float = TOLERANCE
    cpu_initialization_period: float = CPU_INITIALIZATION_PERIOD_S
    initial_readiness_delay: float = INITIAL_READINESS_DELAY_S


@dataclass(frozen=True)
class Recommendation:
    replicas: int
    usage: int  # milli-units per pod (AverageValue) or percent (Utilization), measured before any assumption
    raw_usage: int = 0  # Utilization: the average usage per pod in milli-units


def group_pods(pods: list[PodView], metrics: dict[str, PodMetric], resource: str, now: float,
               settings: Settings) -> tuple[int, set[str], set[str], set[str]]:
    """(ready pod count, unready, missing metrics, ignored), as Kubernetes' groupPods."""
    ready, unready, missing, ignored = 0, set(), set(), set()
    for pod in pods:
        if pod.deleting or pod.phase == "Failed":
            ignored.add(pod.name)
            continue
        if pod.phase == "Pending":
            unready.add(pod.name)
            continue
        metric = metrics.get(pod.name)
        if metric is None:
            missing.add(pod.name)
            continue
        if resource == "cpu":
            if pod.ready is None or pod.start_time is None:
                is_unready = True
            elif pod.start_time + settings.cpu_initialization_period > now:
                # starting up: its cpu is not yet what it will be (JIT warm-up, caches)
                is_unready = pod.ready == "False" or metric.timestamp < (pod.ready_since or 0) + metric.window
            else:
                # never been ready since it started
                is_unready = pod.ready == "False" and \
                    pod.start_time + settings.initial_readiness_delay > (pod.ready_since or 0)
            if is_unready:
                unready.add(pod.name)
                continue
        ready += 1
    return ready, unready, missing, ignored


def utilization_ratio(metrics: dict[str, PodMetric], requests: dict[str, int],
                      target: int) -> tuple[float, int, int]:
    """(usage ratio, utilization percent, average raw usage), from pods with both a metric and a request."""
    total, requested, entries = 0, 0, 0
    for name, metric in metrics.items():
        if name in requests:
            total += metric.value
            requested += requests[name]
            entries += 1
    if requested == 0:
        raise MetricError("no metrics returned matched known pods")
    utilization = total * 100 // requested
    return utilization / target, utilization, total // entries


def usage_ratio(metrics: dict[str, PodMetric], target: int) -> tuple[float, int]:
    """(usage ratio, average usage per pod) of a plain (AverageValue) metric."""
    average = sum(m.value for m in metrics.values()) // len(metrics)
    return average / target, average


def pod_requests(pods: list[PodView], resource: str) -> dict[str, int]:
    out = {}
    for pod in pods:
        total = 0
        for container, request in (pod.requests or {}).items():
            if request is None:
                raise MetricError(f"missing request for {resource} in container {container} of Pod {pod.name}")
            total += request
        out[pod.name] = total
    return out


def _fill_and_recompute(current: int, ratio: float, metrics: dict[str, PodMetric], unready: set[str],
                        missing: set[str], missing_value, recompute, settings: Settings) -> int:
    """Kubernetes' second pass: assume values for pods without a usable metric and recompute; keep the
    current count when the change is within tolerance or the assumptions reverse its direction."""
    metrics = dict(metrics)
    scale_up_with_unready = bool(unready) and ratio > 1.0
    if missing:
        for name in missing:
            metrics[name] = PodMetric(missing_value(name) if ratio < 1.0 else 0)
    if scale_up_with_unready:
        for name in unready:
            metrics[name] = PodMetric(0)
    new_ratio = recompute(metrics)
    if abs(1.0 - new_ratio) <= settings.tolerance or (ratio < 1.0 < new_ratio) or (ratio > 1.0 > new_ratio):
        return current
    replicas = math.ceil(new_ratio * len(metrics))
    if (new_ratio < 1.0 and replicas > current) or (new_ratio > 1.0 and replicas < current):
        return current
    return replicas


def resource_replicas(current: int, target_utilization: int, resource: str, pods: list[PodView],
                      metrics: dict[str, PodMetric], now: float, settings: Settings = Settings()) -> Recommendation:
    """A Resource metric with a Utilization target (percent of the pods' requests)."""
    if not pods:
        raise MetricError("no pods returned by selector while calculating replica count")
    metrics = dict(metrics)
    ready, unready, missing, ignored = group_pods(pods, metrics, resource, now, settings)
    for name in ignored | unready:
        metrics.pop(name, None)
    if not metrics:
        raise MetricError("did not receive metrics for targeted pods (pods might be unready)")
    requests = pod_requests(pods, resource)
    ratio, utilization, raw = utilization_ratio(metrics, requests, target_utilization)
    if not (unready and ratio > 1.0) and not missing:
        if abs(1.0 - ratio) <= settings.tolerance:
            return Recommendation(current, utilization, raw)
        return Recommendation(math.ceil(ratio * ready), utilization, raw)
    # on a scale-down, a pod without a metric is taken to use its whole request (or the target, above 100%)
    fallback = max(100, target_utilization)
    replicas = _fill_and_recompute(current, ratio, metrics, unready, missing,
                                   lambda name: requests[name] * fallback // 100,
                                   lambda m: utilization_ratio(m, requests, target_utilization)[0], settings)
    return Recommendation(replicas, utilization, raw)


def plain_replicas(current: int, target: int, resource: str, pods: list[PodView], metrics: dict[str, PodMetric],
                   now: float, settings: Settings = Settings()) -> Recommendation:
    """An AverageValue target: a Resource metric as a quantity per pod, or a Pods metric (resource "")."""
    if not pods:
        raise MetricError("no pods returned by selector while calculating replica count")
    metrics = dict(metrics)
    ready, unready, missing, ignored = group_pods(pods, metrics, resource, now, settings)
    for name in ignored | unready:
        metrics.pop(name, None)
    if not metrics:
        raise MetricError("did not receive metrics for targeted pods (pods might be unready)")
    ratio, usage = usage_ratio(metrics, target)
    if not (unready and ratio > 1.0) and not missing:
        if abs(1.0 - ratio) <= settings.tolerance:
            return Recommendation(current, usage)
        return Recommendation(math.ceil(ratio * ready), usage)
    replicas = _fill_and_recompute(current, ratio, metrics, unready, missing, lambda name: target,
                                   lambda m: usage_ratio(m, target)[0], settings)
    return Recommendation(replicas, usage)


def object_value_replicas(current: int, usage: int, target: int, ready_pods: int,
                          settings: Settings = Settings()) -> Recommendation:
    """An Object metric with a Value target: the ratio applied to the ready pods."""
    ratio = usage / target
    if current == 0:
        return Recommendation(math.ceil(ratio), usage)
    if abs(1.0 - ratio) <= settings.tolerance:
        return Recommendation(current, usage)
    return Recommendation(math.ceil(ratio * ready_pods), usage)


def object_average_replicas(current: int, usage: int, target_average: int, status_replicas: int,
                            settings: Settings = Settings()) -> Recommendation:
    """An Object metric with an AverageValue target: the total divided by the target per pod."""
    replicas = current
    ratio = usage / (target_average * status_replicas) if status_replicas else math.inf
    if abs(1.0 - ratio) > settings.tolerance:
        replicas = math.ceil(usage / target_average)
    return Recommendation(replicas, -(-usage // status_replicas) if status_replicas else usage)  # rounded up
