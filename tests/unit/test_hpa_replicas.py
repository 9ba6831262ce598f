"""The HPA's replica calculation, with Kubernetes' documented examples: ratio, tolerance, missing metrics,
unready pods and the cpu initialization period."""
from __future__ import annotations

import pytest

from controlplane.controllers.podautoscaler.replicas import (MetricError, PodMetric, PodView, object_average_replicas,
                                                             object_value_replicas, plain_replicas, resource_replicas)

NOW = 10_000.0


def pods(n, request=1000, **kw):
    """n Running, Ready pods started long ago, each requesting `request` millicores."""
    return [PodView(f"p{i}", requests={"app": request}, **kw) for i in range(n)]


def usage(*values, at=NOW):
    return {f"p{i}": PodMetric(v, timestamp=at, window=15) for i, v in enumerate(values)}


def test_double_the_usage_doubles_the_replicas():
    # the docs: currentMetricValue 200m, desired 100m -> ratio 2.0 -> twice the replicas
    rec = resource_replicas(3, 50, "cpu", pods(3, request=200), usage(200, 200, 200), NOW)
    assert (rec.replicas, rec.usage) == (6, 100)


def test_half_the_usage_halves_the_replicas():
    rec = resource_replicas(4, 50, "cpu", pods(4), usage(250, 250, 250, 250), NOW)
    assert (rec.replicas, rec.usage, rec.raw_usage) == (2, 25, 250)


def test_within_the_tolerance_nothing_changes():
    rec = resource_replicas(4, 50, "cpu", pods(4), usage(540, 540, 540, 540), NOW)  # 54%: ratio 1.08
    assert rec.replicas == 4


def test_just_outside_the_tolerance_scales():
    assert resource_replicas(4, 50, "cpu", pods(4), usage(560, 560, 560, 560), NOW).replicas == 5  # 1.12 * 4


def test_missing_metrics_count_as_the_full_request_on_a_scale_down():
    # two pods at 10%, one without a metric taken at 100%: 40% of 3 requests -> ratio 0.8 -> ceil(2.4) = 3
    rec = resource_replicas(3, 50, "cpu", pods(3), usage(100, 100), NOW)
    assert rec.replicas == 3
    assert rec.usage == 10  # the status shows what was measured, not the assumption


def test_missing_metrics_count_as_zero_on_a_scale_up():
    # two pods at 100%, one missing taken as 0: 66% -> ratio 1.33 -> ceil(1.33 * 3) = 4
    assert resource_replicas(3, 50, "cpu", pods(3), usage(1000, 1000), NOW).replicas == 4


def test_assumptions_that_reverse_the_direction_keep_the_count():
    # measured 60% (up), but with the missing pod at 0 it is 40% (down): no change
    assert resource_replicas(3, 50, "cpu", pods(3), usage(600, 600), NOW).replicas == 3


def test_unready_pods_count_as_zero_on_a_scale_up():
    views = pods(2) + [PodView("p2", phase="Pending", requests={"app": 1000})]
    # ready pods at 200% of a 100% target would be x2 (4); the pending one at 0 makes it 133% -> ceil(4.0) = 4
    assert resource_replicas(3, 100, "cpu", views, usage(2000, 2000), NOW).replicas == 4


def test_pods_being_deleted_or_failed_are_ignored():
    views = pods(2) + [PodView("p2", deleting=True, requests={"app": 1000}),
                       PodView("p3", phase="Failed", requests={"app": 1000})]
    assert resource_replicas(4, 50, "cpu", views, usage(1000, 1000, 0, 0), NOW).replicas == 4


def test_cpu_of_a_pod_still_initializing_is_not_trusted_before_a_full_window_after_ready():
    # started 60 s ago (inside the 5 min initialization), Ready 5 s ago: its 15 s sample predates readiness
    young = PodView("p1", start_time=NOW - 60, ready="True", ready_since=NOW - 5, requests={"app": 1000})
    rec = resource_replicas(2, 50, "cpu", [pods(1)[0], young], usage(1000, 1000, at=NOW - 1), NOW)
    # only p0 counts: 100% of 50% -> ratio 2, and p1 at 0 on a scale-up: 50% -> within tolerance: stays 2
    assert rec.replicas == 2


def test_memory_does_not_wait_for_initialization():
    young = PodView("p1", start_time=NOW - 60, ready="True", ready_since=NOW - 5, requests={"app": 1000})
    assert resource_replicas(2, 50, "memory", [pods(1)[0], young], usage(1000, 1000), NOW).replicas == 4


def test_a_container_without_a_request_is_kubernetes_error():
    views = [PodView("web-1", requests={"app": None})]
    with pytest.raises(MetricError, match="missing request for cpu in container app of Pod web-1"):
        resource_replicas(1, 50, "cpu", views, {"web-1": PodMetric(100)}, NOW)


def test_no_pods_and_no_metrics_are_errors():
    with pytest.raises(MetricError, match="no pods returned by selector"):
        resource_replicas(1, 50, "cpu", [], {}, NOW)
    with pytest.raises(MetricError, match="did not receive metrics for targeted pods"):
        resource_replicas(1, 50, "cpu", [PodView("p0", phase="Pending", requests={"app": 1})], {}, NOW)


def test_pods_metric_average_value():
    # http_requests_per_second: 3 pods averaging 15 against a target of 10 -> ceil(1.5 * 3) = 5
    rec = plain_replicas(3, 10_000, "", pods(3), usage(10_000, 15_000, 20_000), NOW)
    assert (rec.replicas, rec.usage) == (5, 15_000)


# Kubernetes' replica_calculator_test.go cases for Object metrics: (current, usage, target, ready pods) ->
# (replicas, usage reported)
@pytest.mark.parametrize("current,usage,target,ready,expected", [
    (3, 20_000, 15_000, 3, (4, 20_000)),  # TestReplicaCalcScaleUpCMObject
    (5, 12_000, 20_000, 5, (3, 12_000)),  # TestReplicaCalcScaleDownCMObject
    (3, 20_666, 20_000, 3, (3, 20_666)),  # TestReplicaCalcToleranceCMObject: within 0.1
    (3, 20_000, 15_000, 2, (3, 20_000)),  # only the 2 ready pods count: ceil(1.33 * 2)
    (0, 300, 100, 0, (3, 300)),  # from zero: the ratio itself
])
def test_object_value_target(current, usage, target, ready, expected):
    rec = object_value_replicas(current, usage, target, ready_pods=ready)
    assert (rec.replicas, rec.usage) == expected


@pytest.mark.parametrize("current,usage,target,expected", [
    (3, 20_000, 5_000, (4, 6_667)),  # TestReplicaCalcScaleUpCMPerPodObject: usage per pod rounded up
    (5, 6_000, 2_000, (3, 1_200)),  # TestReplicaCalcScaleDownPerPodCMObject
    (4, 20_166, 5_000, (4, 5_042)),  # TestReplicaCalcTolerancePerPodCMObject: within 0.1
])
def test_object_average_value_target(current, usage, target, expected):
    rec = object_average_replicas(current, usage, target, status_replicas=current)
    assert (rec.replicas, rec.usage) == expected
