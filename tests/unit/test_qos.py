"""A pod's QoS class as Kubernetes' GetPodQOS decides it."""
from __future__ import annotations

from api.qos import pod_qos
from proto import types_pb2


def _pod(*resources: tuple[dict, dict], init: tuple[dict, dict] | None = None) -> types_pb2.Pod:
    pod = types_pb2.Pod()
    for i, (requests, limits) in enumerate(resources):
        c = pod.spec.containers.add(name=f"c{i}")
        c.resources.requests.update(requests)
        c.resources.limits.update(limits)
    if init is not None:
        c = pod.spec.init_containers.add(name="init")
        c.resources.requests.update(init[0])
        c.resources.limits.update(init[1])
    return pod


def test_no_requests_or_limits_is_best_effort():
    assert pod_qos(_pod(({}, {}))) == "BestEffort"
    assert pod_qos(_pod(({"cpu": "0"}, {}))) == "BestEffort"  # a zero request asks for nothing


def test_requests_equal_to_cpu_and_memory_limits_in_every_container_is_guaranteed():
    same = {"cpu": "500m", "memory": "128Mi"}
    assert pod_qos(_pod((same, same), ({"cpu": "0.5", "memory": "134217728"}, same))) == "Guaranteed"


def test_a_container_without_a_memory_limit_or_with_smaller_requests_is_burstable():
    assert pod_qos(_pod(({"cpu": "1", "memory": "1Gi"}, {"cpu": "1", "memory": "1Gi"}),
                        ({"cpu": "1"}, {"cpu": "1"}))) == "Burstable"
    assert pod_qos(_pod(({"cpu": "100m", "memory": "1Gi"}, {"cpu": "1", "memory": "1Gi"}))) == "Burstable"
    assert pod_qos(_pod(({}, {}), init=({"memory": "1Gi"}, {}))) == "Burstable"
