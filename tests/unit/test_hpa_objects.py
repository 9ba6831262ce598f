"""An Object metric's value: the pods a described object stands for (a Service's endpoints, a workload's
selector, a pod itself) and their scraped metric summed, as prometheus-adapter serves it."""
from __future__ import annotations

import pytest

from controlplane.controllers.podautoscaler import objects
from proto import api_pb2, types_pb2
from tests.fixtures import objects as manifests


def pod(name, **labels):
    return types_pb2.Pod(metadata=types_pb2.ObjectMeta(name=name, namespace="default", labels=labels))


def sample(name, **custom):
    return api_pb2.PodMetrics(metadata=types_pb2.ObjectMeta(name=name, namespace="default"), custom=custom)


def address(pod_name):
    return types_pb2.EndpointAddress(ip="10.244.0.9", target_ref=types_pb2.ObjectReference(kind="Pod", name=pod_name))


@pytest.mark.parametrize("kind,needed", [
    ("Service", "endpoints"), ("Endpoints", "endpoints"), ("Deployment", "object"), ("ReplicaSet", "object"),
    ("Pod", ""),
])
def test_each_kind_names_its_pods_its_own_way(kind, needed):
    assert objects.needs(kind) == needed


def test_an_ingress_is_refused_with_the_reason():
    with pytest.raises(objects.NoMetric, match="the ingress controller does not count requests per Ingress"):
        objects.needs("Ingress")


def test_a_kind_without_pods_is_refused_naming_the_kinds_that_have_some():
    with pytest.raises(objects.NoMetric, match="metrics are served for Pod, Service, Endpoints, Deployment"):
        objects.needs("ConfigMap")


def test_a_service_stands_for_its_endpoint_pods_ready_or_not():
    endpoints = types_pb2.Endpoints(subsets=[
        types_pb2.EndpointSubset(addresses=[address("web-1"), types_pb2.EndpointAddress(ip="192.0.2.1")],
                                 not_ready_addresses=[address("web-2")]),
        types_pb2.EndpointSubset(addresses=[address("web-3")])])
    assert objects.endpoint_pods(endpoints) == {"web-1", "web-2", "web-3"}


def test_a_deployment_stands_for_the_pods_its_selector_takes():
    deployment = manifests.from_yaml("""
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  selector: {matchLabels: {app: web}, matchExpressions: [{key: tier, operator: NotIn, values: [canary]}]}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: app, image: busybox}]}}
""")
    pods = [pod("web-1", app="web"), pod("web-2", app="web", tier="canary"), pod("db-1", app="db")]
    assert objects.selected_pods(deployment, pods) == {"web-1"}


def test_an_empty_selector_takes_no_pod():
    assert objects.selected_pods(types_pb2.ReplicaSet(), [pod("web-1", app="web")]) == frozenset()


def test_the_value_is_the_sum_over_the_pods_that_report_it():
    samples = [sample("web-1", requests_per_second=1.5), sample("web-2", requests_per_second=2.25),
               sample("web-3"), sample("db-1", requests_per_second=100.0)]
    assert objects.summed("requests_per_second", frozenset({"web-1", "web-2", "web-3"}), samples) == 3750


def test_no_pod_reporting_the_metric_is_no_metric():
    with pytest.raises(objects.NoMetric, match="no metrics returned from custom metrics API"):
        objects.summed("requests_per_second", frozenset({"web-1"}), [sample("web-1", other=1.0)])


def test_failure_text_is_kubernetes():
    ref = types_pb2.CrossVersionObjectReference(kind="Service", name="web", api_version="v1")
    err = objects.not_found("rps", "services", "web", "no metrics returned from custom metrics API")
    assert objects.failure_text("rps", ref, "default", err) == (
        "failed to get object metric value: unable to get metric rps: Service on default web/the server could not "
        "find the metric rps for services web: no metrics returned from custom metrics API")
