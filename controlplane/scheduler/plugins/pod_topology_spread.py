"""PodTopologySpread: keep the pods a constraint selects evenly spread over topology domains (zones,
hosts, ...), as Kubernetes' plugin. DoNotSchedule constraints filter (skew at most maxSkew, with
minDomains); ScheduleAnyway ones score, the emptiest domains best."""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from api import selectors
from controlplane.scheduler.framework import (
    MAX_NODE_SCORE, SKIP, SUCCESS, FilterPlugin, ScorePlugin, Status, snapshot,
)
from controlplane.scheduler.nodeinfo import NodeInfo
from controlplane.scheduler.plugins.node_affinity import NodeMatcher
from controlplane.scheduler.podinfo import PodInfo
from proto import types_pb2

SKEW_EXCEEDED = Status.unschedulable("node(s) didn't match pod topology spread constraints")
MISSING_LABEL = Status.unschedulable("node(s) didn't match pod topology spread constraints (missing required label)")
DO_NOT_SCHEDULE, SCHEDULE_ANYWAY = "DoNotSchedule", "ScheduleAnyway"


@dataclass(frozen=True)
class Constraint:
    max_skew: int
    topology_key: str
    selector: selectors.LabelSelector | None  # None: selects no pod
    min_domains: int = 1

    def selects(self, pod: types_pb2.Pod, namespace: str) -> bool:
        return self.selector is not None and pod.metadata.namespace == namespace and \
            not pod.metadata.deletion_timestamp and self.selector.matches(pod.metadata.labels)


def constraints(pod: types_pb2.Pod, when: str) -> tuple[Constraint, ...]:
    out = []
    for c in pod.spec.topology_spread_constraints:
        if (c.when_unsatisfiable or DO_NOT_SCHEDULE) != when:
            continue
        selector = None
        if c.HasField("label_selector"):
            try:
                selector = selectors.from_match(c.label_selector.match_labels, c.label_selector.match_expressions)
            except selectors.SelectorError:
                pass
        out.append(Constraint(c.max_skew, c.topology_key, selector, c.min_domains if c.HasField("min_domains") else 1))
    return tuple(out)


@dataclass
class Counts:
    """Matching pods per (topology key, value) over the nodes that count, and each constraint's minimum."""

    per_domain: Counter
    minimum: list[int]
    domains: list[int]  # number of domains per constraint


def count(pod: PodInfo, cs: Sequence[Constraint], nodes: Sequence[NodeInfo]) -> Counts:
    """Nodes count when the pod could go there by its node selector and affinity (nodeAffinityPolicy Honor)
    and carry every constraint's topology key; the pods on them are counted per domain."""
    matcher = NodeMatcher.of(pod.pod.spec)
    namespace = pod.pod.metadata.namespace
    per_domain: Counter = Counter()
    values: list[set[str]] = [set() for _ in cs]
    for node in nodes:
        if not matcher.matches(node.labels, node.name) or any(c.topology_key not in node.labels for c in cs):
            continue
        for i, c in enumerate(cs):
            value = node.labels[c.topology_key]
            values[i].add(value)
            per_domain[(c.topology_key, value)] += sum(1 for p in node.pods.values() if c.selects(p.pod, namespace))
    minimum = []
    for i, c in enumerate(cs):
        counts = [per_domain[(c.topology_key, v)] for v in values[i]]
        # Fewer domains than minDomains: the global minimum is taken as 0, so the pod goes to a new domain.
        minimum.append(0 if len(values[i]) < c.min_domains or not counts else min(counts))
    return Counts(per_domain, minimum, [len(v) for v in values])


class PodTopologySpread(FilterPlugin, ScorePlugin):
    name = "PodTopologySpread"
    weight = 2  # Kubernetes' default

    def pre_filter(self, pod: PodInfo) -> Status:
        cs = constraints(pod.pod, DO_NOT_SCHEDULE)
        if not cs:
            return SKIP
        pod.state[self.name] = (cs, count(pod, cs, snapshot(pod)))
        return SUCCESS

    def filter(self, pod: PodInfo, node: NodeInfo) -> Status:
        cs, counts = pod.state[self.name]
        namespace = pod.pod.metadata.namespace
        for i, c in enumerate(cs):
            value = node.labels.get(c.topology_key)
            if value is None:
                return MISSING_LABEL
            own = 1 if c.selects(pod.pod, namespace) else 0
            if counts.per_domain[(c.topology_key, value)] + own - counts.minimum[i] > c.max_skew:
                return SKEW_EXCEEDED
        return SUCCESS

    def score(self, pod: PodInfo, nodes: Sequence[NodeInfo]) -> list[int] | None:
        cs = constraints(pod.pod, SCHEDULE_ANYWAY)
        if not cs:
            return None
        counts = count(pod, cs, snapshot(pod) or nodes)
        # Kubernetes' weights: a constraint over more domains counts more (log of their number + 2).
        weights = [math.log(d + 2) for d in counts.domains]
        raw: list[float | None] = []
        for node in nodes:
            if any(c.topology_key not in node.labels for c in cs):
                raw.append(None)
                continue
            raw.append(sum(counts.per_domain[(c.topology_key, node.labels[c.topology_key])] * w + (c.max_skew - 1)
                           for c, w in zip(cs, weights)))
        valid = [r for r in raw if r is not None]
        if not valid:
            return [0] * len(nodes)
        high, low = max(valid), min(valid)
        if high == 0:
            return [0 if r is None else MAX_NODE_SCORE for r in raw]
        return [0 if r is None else int(MAX_NODE_SCORE * (high + low - r) / high) for r in raw]
