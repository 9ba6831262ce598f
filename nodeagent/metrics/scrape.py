"""The application's own metrics: pods annotated `prometheus.io/scrape: "true"` are scraped by their
agent at `prometheus.io/port` and `prometheus.io/path` (default /metrics), and served as Pods metrics, as
prometheus-adapter serves custom.metrics.k8s.io: a counter NAME_total as its rate, NAME_per_second; a
gauge as it is (series of one name summed).
"""
from __future__ import annotations

import asyncio
import logging
import urllib.request
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

from proto import types_pb2

log = logging.getLogger(__name__)

SCRAPE = "prometheus.io/scrape"
PORT = "prometheus.io/port"
PATH = "prometheus.io/path"
TIMEOUT_S = 2.0
MAX_BYTES = 1 << 20


@dataclass(frozen=True)
class Counter:
    value: float
    at: float


def read(text: str) -> tuple[dict[str, float], dict[str, float]]:
    """(gauges, counters) by name from a Prometheus text page; series of one name are summed. A counter is
    named without _total; an untyped NAME_total counts as a counter (as prometheus-adapter's rules do),
    other untyped samples as gauges."""
    gauges: dict[str, float] = {}
    counters: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        if family.type not in ("counter", "gauge", "unknown"):
            continue
        for sample in family.samples:
            if family.type == "counter" or (family.type == "unknown" and sample.name.endswith("_total")):
                if sample.name.endswith("_total"):  # not the _created timestamps
                    name = sample.name.removesuffix("_total")
                    counters[name] = counters.get(name, 0.0) + sample.value
            else:
                gauges[sample.name] = gauges.get(sample.name, 0.0) + sample.value
    return gauges, counters


def custom_values(text: str, previous: dict[str, Counter], now: float) -> tuple[dict[str, float], dict[str, Counter]]:
    """The values to serve and the counters to remember: a counter's rate needs two scrapes, and a counter
    that went back (the pod restarted) starts over."""
    gauges, counters = read(text)
    values = dict(gauges)
    remembered = {}
    for name, value in counters.items():
        before = previous.get(name)
        remembered[name] = Counter(value, now)
        if before is not None and now > before.at and value >= before.value:
            values[f"{name}_per_second"] = (value - before.value) / (now - before.at)
    return values, remembered


def target(pod: types_pb2.Pod, pod_ip: str) -> str | None:
    """The URL to scrape, or None when the pod does not ask for it (or has no address yet)."""
    annotations = pod.metadata.annotations
    if annotations.get(SCRAPE, "").lower() != "true" or not pod_ip:
        return None
    port = annotations.get(PORT, "")
    if not port:
        ports = [p.container_port for c in pod.spec.containers for p in c.ports]
        if not ports:
            return None
        port = str(ports[0])
    path = annotations.get(PATH, "/metrics")
    return f"http://{pod_ip}:{port}/{path.lstrip('/')}"


def _fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
        return response.read(MAX_BYTES).decode(errors="replace")


class PodScraper:
    """Scrapes every annotated pod of a node once per pass; keeps each pod's counters for the rates."""

    def __init__(self, clock):
        self.clock = clock
        self._counters: dict[str, dict[str, Counter]] = {}  # pod uid -> counters
        self.values: dict[str, dict[str, float]] = {}  # pod uid -> what the metrics API gets

    async def scrape(self, pods: list[tuple[types_pb2.Pod, str]]) -> None:
        wanted = {pod.metadata.uid: url for pod, ip in pods if (url := target(pod, ip)) is not None}
        results = await asyncio.gather(*(asyncio.to_thread(_fetch, url) for url in wanted.values()),
                                       return_exceptions=True)
        now = self.clock()
        values = {}
        for (uid, url), result in zip(wanted.items(), results):
            if isinstance(result, BaseException):
                log.debug("scraping %s: %s", url, result)
                continue
            try:
                values[uid], self._counters[uid] = custom_values(result, self._counters.get(uid, {}), now)
            except ValueError as e:  # not a Prometheus page
                log.debug("scraping %s: %s", url, e)
        self.values = values
        for uid in set(self._counters) - set(wanted):
            del self._counters[uid]
