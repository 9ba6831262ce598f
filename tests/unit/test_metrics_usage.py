"""From samples to metrics.k8s.io: CPU rate from two samples, whole pods only, synthetic hollow usage."""
from __future__ import annotations

from nodeagent.metrics import usage
from nodeagent.metrics.sampler import synthetic
from nodeagent.metrics.usage import ContainerRate, Rate, Sample
from proto import types_pb2


def test_cpu_rate_from_two_samples_is_nanocores_over_the_window():
    rate = usage.cpu_rate(Sample(1_000_000_000, 10, at=100.0, wall=0), Sample(6_000_000_000, 20, at=105.0, wall=5))
    assert rate == Rate(cpu_nanocores=1_000_000_000, memory=20, window=5.0, wall=5)


def test_cpu_rate_needs_an_earlier_sample():
    assert usage.cpu_rate(None, Sample(1, 1, 1.0, 1.0)) is None


def test_cpu_rate_of_a_counter_that_went_back_is_undefined():
    assert usage.cpu_rate(Sample(9_000, 1, 1.0, 1.0), Sample(10, 1, 2.0, 2.0)) is None


def test_pod_metrics_sum_nothing_until_every_container_has_a_rate():
    r = Rate(250_000_000, 64 * 2**20, 5.0, 0.0)
    rows = [ContainerRate("default", "a", "u1", "app", r), ContainerRate("default", "a", "u1", "side", None),
            ContainerRate("default", "b", "u2", "app", r)]
    pods = usage.pod_metrics(rows)
    assert [p.metadata.name for p in pods] == ["b"]
    assert pods[0].containers[0].cpu_nanocores == 250_000_000
    assert pods[0].window_seconds == 5.0
    assert pods[0].timestamp == "1970-01-01T00:00:00Z"


def test_synthetic_usage_is_a_share_of_requests_and_the_node_sums_its_pods():
    pod = types_pb2.Pod(metadata=types_pb2.ObjectMeta(name="p", namespace="default", uid="u1"))
    c = pod.spec.containers.add(name="app")
    c.resources.requests["cpu"] = "500m"
    request = synthetic("hollow-0", [pod], 15.0, 0.0)
    cpu = request.pods[0].containers[0].cpu_nanocores
    assert 0.2 * 500_000_000 <= cpu < 0.8 * 500_000_000
    assert request.node.cpu_nanocores >= cpu
    assert synthetic("hollow-0", [pod], 15.0, 99.0).pods[0].containers[0].cpu_nanocores == cpu  # stable
