"""Pods' own metrics: a counter served as its rate per second, gauges as they are, from annotations."""
from __future__ import annotations

from nodeagent.metrics.scrape import Counter, custom_values, target
from proto import types_pb2

PAGE = """# TYPE http_requests_total counter
http_requests_total{code="200"} %d
http_requests_total{code="500"} 10
# TYPE queue_depth gauge
queue_depth 7
"""


def test_a_counter_becomes_a_rate_from_two_scrapes():
    values, counters = custom_values(PAGE % 100, {}, now=10.0)
    assert values == {"queue_depth": 7.0}  # one scrape: no rate yet
    values, _ = custom_values(PAGE % 150, counters, now=15.0)
    assert values == {"queue_depth": 7.0, "http_requests_per_second": 10.0}


def test_a_counter_that_went_back_starts_over():
    _, counters = custom_values(PAGE % 100, {}, now=10.0)
    values, counters = custom_values(PAGE % 5, counters, now=15.0)
    assert "http_requests_per_second" not in values
    assert counters["http_requests"] == Counter(15.0, 15.0)


def test_an_untyped_total_is_a_counter():
    _, counters = custom_values("jobs_done_total 3\nload 0.5\n", {}, now=1.0)
    values, _ = custom_values("jobs_done_total 9\nload 0.5\n", counters, now=3.0)
    assert values == {"load": 0.5, "jobs_done_per_second": 3.0}


def test_the_target_comes_from_annotations_or_the_first_port():
    pod = types_pb2.Pod(metadata=types_pb2.ObjectMeta(annotations={"prometheus.io/scrape": "true",
                                                                   "prometheus.io/port": "9100",
                                                                   "prometheus.io/path": "stats"}))
    assert target(pod, "10.244.1.5") == "http://10.244.1.5:9100/stats"
    del pod.metadata.annotations["prometheus.io/port"]
    pod.spec.containers.add(name="app").ports.add(container_port=8080)
    assert target(pod, "10.244.1.5") == "http://10.244.1.5:8080/stats"
    assert target(pod, "") is None
    pod.metadata.annotations["prometheus.io/scrape"] = "false"
    assert target(pod, "10.244.1.5") is None
