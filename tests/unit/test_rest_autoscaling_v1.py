"""autoscaling/v1 HorizontalPodAutoscalers (what `kubectl autoscale` posts) converted to and from v2."""
import pytest

from controlplane.apiserver.rest import autoscaling_v1
from controlplane.apiserver.rest.status import RestError

TARGET = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}


def test_target_cpu_percentage_becomes_a_v2_cpu_utilization_metric():
    v1 = {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
          "spec": {"scaleTargetRef": TARGET, "minReplicas": 1, "maxReplicas": 4,
                   "targetCPUUtilizationPercentage": 50}}
    assert autoscaling_v1.to_v2(v1) == {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
        "spec": {"scaleTargetRef": TARGET, "minReplicas": 1, "maxReplicas": 4, "metrics": [
            {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization",
                                                                       "averageUtilization": 50}}}]}}


def test_without_a_target_percentage_v2_defaulting_decides():
    v2 = autoscaling_v1.to_v2({"spec": {"scaleTargetRef": TARGET, "maxReplicas": 3}})
    assert "metrics" not in v2["spec"] and v2["apiVersion"] == "autoscaling/v2"


def test_the_answer_in_v1_carries_the_cpu_target_and_current_utilization():
    stored = {"metadata": {"name": "web"},
              "spec": {"scaleTargetRef": TARGET, "minReplicas": 1, "maxReplicas": 4, "metrics": [
                  {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization",
                                                                             "averageUtilization": 50}}}]},
              "status": {"currentReplicas": 2, "desiredReplicas": 3, "currentMetrics": [
                  {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 73}}}]}}
    v1 = autoscaling_v1.from_v2(stored)
    assert v1["spec"]["targetCPUUtilizationPercentage"] == 50
    assert v1["status"] == {"currentReplicas": 2, "desiredReplicas": 3, "currentCPUUtilizationPercentage": 73}


@pytest.mark.parametrize("body, words", [
    ({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler"}, "do not match the URL"),
    ({"spec": {"maxReplicas": 2, "metrics": []}}, 'unknown field "spec.metrics"'),
    ({"metadata": {"annotations": {"autoscaling.alpha.kubernetes.io/metrics": "[]"}}, "spec": {}},
     "send the HorizontalPodAutoscaler as autoscaling/v2"),
])
def test_what_v1_cannot_say_is_refused_not_dropped(body, words):
    with pytest.raises(RestError, match=words):
        autoscaling_v1.to_v2(body)
