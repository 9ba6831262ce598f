"""Placement: one scheduling decision as a pure function of a pod and a read-only snapshot of nodes.

Filter (stopping once enough feasible nodes are found), score, pick the best; or explain, node by
node, why no node fits, in the words Kubernetes uses ("0/3 nodes are available: 3 Insufficient cpu.")."""
from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from controlplane.scheduler.framework import SNAPSHOT, SUCCESS, Code, Profile, Snapshot
from controlplane.scheduler.nodeinfo import NodeInfo
from controlplane.scheduler.podinfo import PodInfo

# Kubernetes' numFeasibleNodesToFind constants.
MIN_FEASIBLE_NODES = 100
MIN_FEASIBLE_PERCENTAGE = 5
TOP_SCORES_KEPT = 3

NO_NODES = "no nodes available to schedule pods"


@dataclass(frozen=True)
class Decision:
    node: str | None  # None: nothing fits (or an error); `message` says why
    message: str = ""
    error: bool = False  # an unexpected failure, retried after a backoff, not a verdict on the pod
    scores: tuple[tuple[str, int], ...] = ()  # the best nodes and their total scores, best first
    evaluated: int = 0  # nodes looked at, so the next attempt starts after them
    feasible: int = 0


def num_feasible_nodes_to_find(total: int, percentage: int = 0) -> int:
    """How many fitting nodes are enough to choose from (Kubernetes' percentageOfNodesToScore).

    Small clusters are searched fully; larger ones by a share that shrinks as they grow (50% minus
    one per 125 nodes, at least 5%), never fewer than 100 nodes. `percentage` 0 means adaptive.
    """
    if total < MIN_FEASIBLE_NODES or percentage >= 100:
        return total
    if percentage <= 0:
        percentage = max(50 - total // 125, MIN_FEASIBLE_PERCENTAGE)
    return max(total * percentage // 100, MIN_FEASIBLE_NODES)


def fit_error_message(total: int, reasons: Counter) -> str:
    """"0/3 nodes are available: 1 Too many pods, 2 Insufficient cpu." Reasons counted, sorted as strings."""
    histogram = sorted(f"{count} {reason}" for reason, count in reasons.items())
    message = f"0/{total} nodes are available"
    return f"{message}: {', '.join(histogram)}." if histogram else f"{message}."


def _timed(check, timings: dict, key: tuple[str, str]):
    """`check` adding its run time to timings[key] (scheduler_plugin_execution_duration_seconds)."""
    def timed(*args):
        started = time.perf_counter()
        try:
            return check(*args)
        finally:
            timings[key] = timings.get(key, 0.0) + time.perf_counter() - started
    timed.__self__ = check.__self__
    return timed


def schedule(pod: PodInfo, nodes: Sequence[NodeInfo], profile: Profile, percentage: int = 0, start: int = 0,
             rng: random.Random | None = None, timings: dict[tuple[str, str], float] | None = None) -> Decision:
    """Choose a node for `pod` among `nodes`, looking at them from index `start` round the ring.

    With `timings`, each plugin's time is added to timings[(extension point, plugin name)]; the
    scheduler asks for it on a sample of attempts only, as Kubernetes does, since timing costs too.
    """
    total = len(nodes)
    if total == 0:
        return Decision(None, NO_NODES)
    if not isinstance(nodes, Snapshot):  # the cache hands out snapshots; a plain list is a test's
        nodes = Snapshot(nodes)
    pod.state[SNAPSHOT] = nodes
    try:
        return _schedule(pod, nodes, profile, percentage, start, rng, timings)
    finally:
        del pod.state[SNAPSHOT]  # the pod is kept in the cache once bound: not the whole snapshot with it


def _schedule(pod: PodInfo, nodes: Sequence[NodeInfo], profile: Profile, percentage: int, start: int,
              rng: random.Random | None, timings: dict[tuple[str, str], float] | None) -> Decision:
    total = len(nodes)
    filters = []
    for plugin in profile.filters:
        status = plugin.pre_filter(pod)
        if status.code is Code.SKIP:
            continue
        if status.code is not Code.SUCCESS:
            error = status.code is Code.ERROR
            return Decision(None, f"0/{total} nodes are available: {status}.", error=error)
        filters.append(plugin)

    wanted = num_feasible_nodes_to_find(total, percentage)
    checks = [p.filter if timings is None else _timed(p.filter, timings, ("Filter", p.name)) for p in filters]
    feasible: list[NodeInfo] = []
    reasons: Counter = Counter()
    evaluated = 0
    for node in (nodes[start:] + nodes[:start]) if start else nodes:
        evaluated += 1
        for check in checks:
            status = check(pod, node)
            if status is not SUCCESS and status.code is not Code.SUCCESS:
                if status.code is Code.ERROR:
                    return Decision(None, f"{check.__self__.name} on node {node.name}: {status}", error=True,
                                    evaluated=evaluated)
                reasons.update(status.reasons)
                break
        else:
            feasible.append(node)
            if len(feasible) >= wanted:
                break
    if not feasible:
        return Decision(None, fit_error_message(total, reasons), evaluated=evaluated)

    totals = score(pod, feasible, profile, timings)
    best = select(totals, rng or random)
    # The winner first (it may have won a tie by lot), then the runners-up.
    # (sorted() gives what heapq.nlargest would, without its loop in Python over every node)
    top = [best] + [i for i in sorted(range(len(totals)), key=totals.__getitem__, reverse=True)[:TOP_SCORES_KEPT]
                    if i != best]
    return Decision(feasible[best].name, scores=tuple((feasible[i].name, totals[i]) for i in top[:TOP_SCORES_KEPT]),
                    evaluated=evaluated, feasible=len(feasible))


def score(pod: PodInfo, feasible: Sequence[NodeInfo], profile: Profile,
          timings: dict[tuple[str, str], float] | None = None) -> list[int]:
    """The weighted sum of every score plugin's score, per feasible node."""
    if len(feasible) == 1:
        return [0]  # nothing to compare: Kubernetes skips scoring too
    same = 0  # the part of every node's total that is alike for all of them
    varying: list[list[int]] = []
    for plugin in profile.scores:
        run = plugin.score if timings is None else _timed(plugin.score, timings, ("Score", plugin.name))
        scores = run(pod, feasible)
        if scores is None:  # nothing to tell these nodes apart by (Kubernetes' PreScore Skip)
            continue
        weight = plugin.weight
        # Most plugins score every node alike for most pods (no taints, no owner, no preferences): such a
        # score is added once, not node by node, which is most of the time of scoring a large cluster.
        if scores.count(scores[0]) == len(scores):
            same += scores[0] * weight
        else:
            varying.append(scores if weight == 1 else [s * weight for s in scores])
    if not varying:
        return [same] * len(feasible)
    return [sum(per_plugin) + same for per_plugin in zip(*varying)]


def select(totals: Sequence[int], rng) -> int:
    """The index of the highest score; ties broken at random, as Kubernetes does."""
    best = max(totals)
    tied = [i for i, total in enumerate(totals) if total == best]
    return tied[0] if len(tied) == 1 else rng.choice(tied)
