"""The controllers' workqueue metrics, with client-go's names, one `name` label per controller."""
from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# client-go's buckets: 1e-8 s up to 10 s by powers of ten.
BUCKETS = tuple(10.0 ** e for e in range(-8, 2))

DEPTH = Gauge("workqueue_depth", "Keys waiting in the workqueue.", ["name"])
ADDS = Counter("workqueue_adds_total", "Keys added to the workqueue.", ["name"])
QUEUE_DURATION = Histogram("workqueue_queue_duration_seconds", "How long a key waits before a worker takes it.",
                           ["name"], buckets=BUCKETS)
WORK_DURATION = Histogram("workqueue_work_duration_seconds", "How long a worker takes over one key.", ["name"],
                          buckets=BUCKETS)
RETRIES = Counter("workqueue_retries_total", "Keys re-queued after a failure (rate limited).", ["name"])


class QueueMetrics:
    """The label children of one named queue, bound once."""

    def __init__(self, name: str):
        name = name or "unnamed"
        self.depth = DEPTH.labels(name)
        self.adds = ADDS.labels(name)
        self.queue_duration = QUEUE_DURATION.labels(name)
        self.work_duration = WORK_DURATION.labels(name)
        self.retries = RETRIES.labels(name)
