"""What one metric spec of an HPA recommends, from the target's pods and the metrics API: Kubernetes'
computeReplicasForMetric, with its error texts (they become ScalingActive=False and warning events).

Values are milli-units throughout, as Kubernetes' MilliValue: millicores, milli-bytes, a custom value * 1000.
"""
from __future__ import annotations

from dataclasses import dataclass

from api import meta, quantity
from controlplane.controllers.podautoscaler import objects
from controlplane.controllers.podautoscaler import replicas as R
from proto import api_pb2, types_pb2


@dataclass(frozen=True)
class Proposal:
    replicas: int
    name: str  # how events and conditions name the metric: "cpu resource utilization (percentage of request)"
    status: types_pb2.MetricStatus


class FailedMetric(Exception):
    """One metric could not be computed: `reason` is Kubernetes' condition and event reason."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def milli_text(value: int) -> str:
    """A milli-value as a quantity, as Kubernetes prints MilliQuantity: 1500 -> 1500m, 2000 -> 2."""
    return quantity.format_millis(value)


def _epoch(text: str) -> float | None:
    moment = meta.parse_time(text)
    return moment.timestamp() if moment else None


def pod_view(pod: types_pb2.Pod, resource: str) -> R.PodView:
    ready = meta.get_condition(pod.status.conditions, "Ready")
    requests = {}
    for c in pod.spec.containers:
        text = c.resources.requests.get(resource)
        if text is None:
            requests[c.name] = None
        else:
            requests[c.name] = quantity.cpu_millis(text) if resource == "cpu" else quantity.to_bytes(text) * 1000
    return R.PodView(pod.metadata.name, pod.status.phase or "Pending", meta.is_being_deleted(pod),
                     ready.status if ready is not None else None,
                     _epoch(ready.last_transition_time) if ready is not None else None,
                     _epoch(pod.status.start_time), requests)


def resource_values(metrics: list[api_pb2.PodMetrics], resource: str) -> dict[str, R.PodMetric]:
    out = {}
    for pm in metrics:
        if resource == "cpu":
            value = sum(-(-c.cpu_nanocores // 1_000_000) for c in pm.containers)
        else:
            value = sum(c.memory_bytes for c in pm.containers) * 1000
        out[pm.metadata.name] = R.PodMetric(value, _epoch(pm.timestamp) or 0.0, pm.window_seconds)
    return out


def custom_values(metrics: list[api_pb2.PodMetrics], name: str) -> dict[str, R.PodMetric]:
    return {pm.metadata.name: R.PodMetric(round(pm.custom[name] * 1000), _epoch(pm.timestamp) or 0.0,
                                          pm.window_seconds)
            for pm in metrics if name in pm.custom}


def propose(spec: types_pb2.MetricSpec, current: int, pods: list[types_pb2.Pod],
            metrics: list[api_pb2.PodMetrics], now: float, settings: R.Settings,
            object_usage: int = 0) -> Proposal:
    if spec.type == "Resource":
        return _resource(spec, current, pods, metrics, now, settings)
    if spec.type == "Pods":
        return _pods(spec, current, pods, metrics, now, settings)
    if spec.type == "Object":
        return _object(spec, current, pods, object_usage, settings)
    raise FailedMetric("InvalidMetricSourceType", f"unknown metric source type {spec.type!r}")


def _resource(spec, current, pods, metrics, now, settings) -> Proposal:
    name, target = spec.resource.name, spec.resource.target
    values = resource_values(metrics, name)
    try:
        if not values:
            raise R.MetricError(f"unable to get metrics for resource {name}: no metrics returned from resource "
                                "metrics API")
        views = [pod_view(p, name) for p in pods]
        if target.type == "Utilization":
            rec = R.resource_replicas(current, target.average_utilization, name, views, values, now, settings)
            status = types_pb2.MetricStatus(type="Resource", resource=types_pb2.ResourceMetricStatus(
                name=name, current=types_pb2.MetricValueStatus(average_utilization=rec.usage,
                                                               average_value=milli_text(rec.raw_usage))))
            return Proposal(rec.replicas, f"{name} resource utilization (percentage of request)", status)
        wanted = int(quantity.parse_quantity(target.average_value) * 1000)
        rec = R.plain_replicas(current, wanted, name, views, values, now, settings)
    except R.MetricError as e:
        raise FailedMetric("FailedGetResourceMetric",
                           f"failed to get {name} resource metric value: failed to get {name} utilization: {e}"
                           if target.type == "Utilization" else
                           f"failed to get {name} resource metric value: failed to get {name} usage: {e}") from None
    status = types_pb2.MetricStatus(type="Resource", resource=types_pb2.ResourceMetricStatus(
        name=name, current=types_pb2.MetricValueStatus(average_value=milli_text(rec.usage))))
    return Proposal(rec.replicas, f"{name} resource", status)


def _pods(spec, current, pods, metrics, now, settings) -> Proposal:
    name = spec.pods.metric.name
    values = custom_values(metrics, name)
    try:
        if not values:
            raise R.MetricError(f"unable to get metric {name}: no metrics returned from custom metrics API")
        wanted = int(quantity.parse_quantity(spec.pods.target.average_value) * 1000)
        rec = R.plain_replicas(current, wanted, "", [pod_view(p, "") for p in pods], values, now, settings)
    except R.MetricError as e:
        raise FailedMetric("FailedGetPodsMetric", f"failed to get pods metric value: {e}") from None
    status = types_pb2.MetricStatus(type="Pods", pods=types_pb2.PodsMetricStatus(
        metric=types_pb2.MetricIdentifier(name=name),
        current=types_pb2.MetricValueStatus(average_value=milli_text(rec.usage))))
    return Proposal(rec.replicas, f"pods metric {name}", status)


def _object(spec, current, pods, usage, settings) -> Proposal:
    """`usage` is the described object's value (milli-units), read by the controller (see objects.py)."""
    source = spec.object
    name, ref = source.metric.name, source.described_object
    if source.target.type == "AverageValue":
        wanted = int(quantity.parse_quantity(source.target.average_value) * 1000)
        rec = R.object_average_replicas(current, usage, wanted, current, settings)
        current_value = types_pb2.MetricValueStatus(average_value=milli_text(rec.usage))
    else:
        wanted = int(quantity.parse_quantity(source.target.value) * 1000)
        rec = R.object_value_replicas(current, usage, wanted, sum(1 for p in pods if objects.is_ready(p)), settings)
        current_value = types_pb2.MetricValueStatus(value=milli_text(rec.usage))
    status = types_pb2.MetricStatus(type="Object", object=types_pb2.ObjectMetricStatus(
        metric=types_pb2.MetricIdentifier(name=name), current=current_value, described_object=ref))
    return Proposal(rec.replicas, f"{ref.kind} metric {name}", status)


def largest(proposals: list[Proposal]) -> Proposal | None:
    """The metric asking for the most replicas decides (ties: the first), as Kubernetes."""
    best = None
    for p in proposals:
        if best is None or p.replicas > best.replicas:
            best = p
    return best

