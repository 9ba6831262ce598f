"""The disruption controller's arithmetic, as Kubernetes' pkg/controller/disruption: which pods a budget
covers, how many it expects (its pods' controllers' scale), how many must stay healthy, and the status.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from api import manifest, meta, selectors
from controlplane.controllers.core import podstate
from proto import types_pb2

# A pod the eviction API let go is not counted healthy for this long, waiting for its deletion to show.
DELETION_TIMEOUT = timedelta(minutes=2)
CONDITION = "DisruptionAllowed"
SUFFICIENT, INSUFFICIENT, SYNC_FAILED = "SufficientPods", "InsufficientPods", "SyncFailed"


class ScaleError(Exception):
    """A covered pod's controller cannot be found or has no scale (Kubernetes: the budget fails safe)."""


def selector_of(pdb: types_pb2.PodDisruptionBudget) -> selectors.LabelSelector | None:
    """The budget's selector; None selects nothing (an unset selector, as Kubernetes' labels.Nothing)."""
    if not pdb.spec.HasField("selector"):
        return None
    return selectors.from_match(pdb.spec.selector.match_labels, pdb.spec.selector.match_expressions)


def covers(pdb: types_pb2.PodDisruptionBudget, pod: types_pb2.Pod) -> bool:
    selector = selector_of(pdb)
    return (selector is not None and pdb.metadata.namespace == pod.metadata.namespace
            and selector.matches(pod.metadata.labels))


def scaled_value(value: types_pb2.IntOrString, total: int) -> int:
    """An integer as is, a percentage of `total` rounded up (intstr.GetScaledValueFromIntOrPercent, roundUp)."""
    plain = manifest.int_or_string_value(value)
    if isinstance(plain, str):
        return math.ceil(int(plain.rstrip("%")) * total / 100)
    return plain or 0


def expected_scale(pods: Iterable[types_pb2.Pod], scale_of: Callable[[types_pb2.Pod], tuple[str, int] | None]) -> int:
    """The sum of the scales of the pods' controllers, each counted once; pods without a controller are
    left out. `scale_of(pod)`: (controller uid, its replicas), or None when it has no scale (ScaleError)."""
    scales: dict[str, int] = {}
    for pod in pods:
        if meta.controller_of(pod) is None:
            continue
        found = scale_of(pod)
        if found is None:
            raise ScaleError(f'found no controllers for pod "{pod.metadata.name}"')
        uid, replicas = found
        scales[uid] = replicas
    return sum(scales.values())


def expected_and_desired(pdb: types_pb2.PodDisruptionBudget, pods: list[types_pb2.Pod],
                         scale_of: Callable[[types_pb2.Pod], tuple[str, int] | None]) -> tuple[int, int]:
    """(expectedPods, desiredHealthy) as getExpectedPodCount: an integer minAvailable counts the matching
    pods themselves; a percentage or maxUnavailable is taken of the controllers' scale."""
    spec = pdb.spec
    if spec.HasField("max_unavailable"):
        expected = expected_scale(pods, scale_of)
        return expected, max(0, expected - scaled_value(spec.max_unavailable, expected))
    if spec.HasField("min_available"):
        if spec.min_available.WhichOneof("value") == "int_value":
            return len(pods), spec.min_available.int_value
        expected = expected_scale(pods, scale_of)
        return expected, scaled_value(spec.min_available, expected)
    return 0, 0


@dataclass
class Disrupted:
    """The disruptedPods entries still pending, and when the earliest of them expires (None: none)."""

    pods: dict[str, str] = field(default_factory=dict)
    expired: list[str] = field(default_factory=list)
    recheck: datetime | None = None


def pending_disruptions(pdb: types_pb2.PodDisruptionBudget, pods: list[types_pb2.Pod], now: datetime) -> Disrupted:
    """buildDisruptedPodMap: keep a pod's entry while the pod exists, is not yet marked deleted, and
    the eviction is less than DELETION_TIMEOUT old."""
    out = Disrupted()
    by_name = {p.metadata.name: p for p in pods}
    for name, stamp in pdb.status.disrupted_pods.items():
        pod = by_name.get(name)
        if pod is None or pod.metadata.deletion_timestamp:
            continue
        expires = (meta.parse_time(stamp) or now) + DELETION_TIMEOUT
        if expires <= now:
            out.expired.append(name)
            continue
        out.pods[name] = stamp
        out.recheck = expires if out.recheck is None else min(out.recheck, expires)
    return out


def current_healthy(pods: list[types_pb2.Pod], disrupted: dict[str, str]) -> int:
    """Ready pods not being deleted and not just evicted (countHealthyPods)."""
    return sum(1 for p in pods
               if not p.metadata.deletion_timestamp and p.metadata.name not in disrupted and podstate.is_ready(p))


def status_of(pdb: types_pb2.PodDisruptionBudget, pods: list[types_pb2.Pod],
              scale_of: Callable[[types_pb2.Pod], tuple[str, int] | None], now: datetime
              ) -> tuple[types_pb2.PodDisruptionBudgetStatus, Disrupted]:
    """The budget's new status (and the pending disruptions it kept); a ScaleError fails safe: no
    disruption allowed, the condition SyncFailed with the error (Kubernetes' failSafe)."""
    status = types_pb2.PodDisruptionBudgetStatus()
    status.CopyFrom(pdb.status)
    disrupted = pending_disruptions(pdb, pods, now)
    try:
        expected, desired = expected_and_desired(pdb, pods, scale_of)
    except ScaleError as e:
        status.disruptions_allowed = 0
        status.observed_generation = pdb.metadata.generation
        meta.set_condition(status.conditions, CONDITION, "False", SYNC_FAILED, str(e), now)
        _stamp_generation(status)
        return status, disrupted
    healthy = current_healthy(pods, disrupted.pods)
    allowed = healthy - desired
    # A budget that expects no pods allows nothing: its first pods may appear before its next sync.
    if expected <= 0 or allowed <= 0:
        allowed = 0
    status.current_healthy, status.desired_healthy = healthy, desired
    status.expected_pods, status.disruptions_allowed = expected, allowed
    status.observed_generation = pdb.metadata.generation
    status.disrupted_pods.clear()
    status.disrupted_pods.update(disrupted.pods)
    set_allowed_condition(status, now)
    return status, disrupted


def set_allowed_condition(status: types_pb2.PodDisruptionBudgetStatus, now: datetime) -> None:
    """DisruptionAllowed True/SufficientPods or False/InsufficientPods (UpdateDisruptionAllowedCondition)."""
    if status.disruptions_allowed > 0:
        meta.set_condition(status.conditions, CONDITION, "True", SUFFICIENT, "", now)
    else:
        meta.set_condition(status.conditions, CONDITION, "False", INSUFFICIENT, "", now)
    _stamp_generation(status)


def _stamp_generation(status: types_pb2.PodDisruptionBudgetStatus) -> None:
    condition = meta.get_condition(status.conditions, CONDITION)
    if condition is not None:
        condition.observed_generation = status.observed_generation
