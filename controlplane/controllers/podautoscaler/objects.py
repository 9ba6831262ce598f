"""The value of an Object metric: the scraped metric of the pods the described object stands for, summed,
as prometheus-adapter serves `sum(metric{service="web"})`: a Service's endpoint pods, a workload's selected pods.

Pure functions; the controller reads the described object and the pods' metrics and hands them here.
"""
from __future__ import annotations

from api import meta, selectors
from proto import api_pb2, types_pb2

# How each kind names its pods. Prometheus puts a `service` label on what it scrapes through a Service's
# endpoints, and the adapter maps workloads to their pods by their selector.
BY_ENDPOINTS = ("Service", "Endpoints")
BY_SELECTOR = ("Deployment", "ReplicaSet", "ReplicationController")
SELF = ("Pod",)
# Kinds whose metrics are not among the pods' own: the ingress controller counts no requests per Ingress
# (nginx keeps one counter for the whole server), so there is nothing to sum for one.
WHY_NOT = {"Ingress": "the ingress controller does not count requests per Ingress"}


class NoMetric(Exception):
    """The described object has no value for the metric; the message is the custom metrics API's."""


def needs(kind: str) -> str:
    """What the controller must read to find the object's pods: "endpoints", "object" (for its selector),
    "" (the pod itself); NoMetric for a kind with no pods to sum."""
    if kind in BY_ENDPOINTS:
        return "endpoints"
    if kind in BY_SELECTOR:
        return "object"
    if kind in SELF:
        return ""
    raise NoMetric(WHY_NOT.get(kind, f"metrics are served for {', '.join(SELF + BY_ENDPOINTS + BY_SELECTOR)}"))


def endpoint_pods(endpoints: types_pb2.Endpoints) -> frozenset[str]:
    """Every pod behind the endpoints, ready or not: Prometheus' endpoints discovery scrapes them all."""
    return frozenset(a.target_ref.name for s in endpoints.subsets for a in (*s.addresses, *s.not_ready_addresses)
                     if a.target_ref.kind == "Pod" and a.target_ref.name)


def selected_pods(workload, pods: list[types_pb2.Pod]) -> frozenset[str]:
    """The pods a Deployment's, ReplicaSet's or ReplicationController's selector takes (an empty selector takes
    none, as Kubernetes)."""
    selector = selectors.of_spec(workload.spec)
    if selector.is_empty():
        return frozenset()
    return frozenset(p.metadata.name for p in pods if selector.matches(p.metadata.labels))


def summed(metric: str, names: frozenset[str], metrics: list[api_pb2.PodMetrics]) -> int:
    """The metric summed over the named pods that report it, in milli-units; NoMetric when none does."""
    values = [pm.custom[metric] for pm in metrics if pm.metadata.name in names and metric in pm.custom]
    if not values:
        raise NoMetric("no metrics returned from custom metrics API")
    return round(sum(values) * 1000)


def not_found(metric: str, resource: str, name: str, why: str) -> str:
    """prometheus-adapter's text for a metric it cannot find for an object."""
    return f"the server could not find the metric {metric} for {resource} {name}: {why}"


def failure_text(metric: str, ref: types_pb2.CrossVersionObjectReference, namespace: str, err: str) -> str:
    """Kubernetes' GetObjectMetricReplicas error, odd word order included, under computeStatusForObjectMetric's."""
    return f"failed to get object metric value: unable to get metric {metric}: {ref.kind} on {namespace} {ref.name}/{err}"


def is_ready(pod: types_pb2.Pod) -> bool:
    """Kubernetes' getReadyPodsCount: Running and Ready."""
    condition = meta.get_condition(pod.status.conditions, "Ready")
    return pod.status.phase == "Running" and condition is not None and condition.status == "True"
