"""From the metrics' recommendation to the replicas to set: Kubernetes' stabilization window (the highest
recent recommendation wins a scale-down), scaling policies with selectPolicy (`behavior`), the legacy
scale-up limit without them, and the min/max clamps, each with the condition reason Kubernetes reports.

Pure functions of the current count, the recommendation, the rules and a per-HPA History the controller
keeps (recent recommendations and scale events), at an explicit `now`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

SCALE_UP_LIMIT_FACTOR = 2.0
SCALE_UP_LIMIT_MINIMUM = 4.0
DOWNSCALE_STABILIZATION_S = 300.0


@dataclass(frozen=True)
class Policy:
    type: str  # Pods or Percent
    value: int
    period: float  # seconds


@dataclass(frozen=True)
class Rules:
    window: float  # stabilization window, seconds
    select: str = "Max"  # Max, Min or Disabled
    policies: tuple[Policy, ...] = ()


@dataclass(frozen=True)
class Behavior:
    up: Rules
    down: Rules


# Kubernetes' defaults (autoscaling/v2 SetDefaults): up at once by 4 pods or 100% per 15 s, whichever is
# more; down by up to 100% per 15 s after the highest recommendation of the last 300 s.
DEFAULT_UP = Rules(0.0, "Max", (Policy("Pods", 4, 15), Policy("Percent", 100, 15)))
DEFAULT_DOWN = Rules(DOWNSCALE_STABILIZATION_S, "Max", (Policy("Percent", 100, 15),))


@dataclass
class History:
    """What the controller remembers per HPA between syncs (lost on restart, as in Kubernetes)."""

    recommendations: list[tuple[float, int]] = field(default_factory=list)  # (when, replicas)
    scale_up_events: list[tuple[float, int]] = field(default_factory=list)  # (when, pods added)
    scale_down_events: list[tuple[float, int]] = field(default_factory=list)


@dataclass(frozen=True)
class Normalized:
    replicas: int
    able_reason: str  # AbleToScale=True: ReadyForNewScale, ScaleUpStabilized or ScaleDownStabilized
    able_message: str
    limited: bool  # ScalingLimited
    limited_reason: str
    limited_message: str


READY = ("ReadyForNewScale", "recommended size matches current size")
WITHIN = ("DesiredWithinRange", "the desired count is within the acceptable range")
TOO_MANY = ("TooManyReplicas", "the desired replica count is more than the maximum replica count")
TOO_FEW = ("TooFewReplicas", "the desired replica count is less than the minimum replica count")
UP_LIMIT = ("ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
DOWN_LIMIT = ("ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate")
UP_STABILIZED = ("ScaleUpStabilized",
                 "recent recommendations were lower than current one, applying the lowest recent recommendation")
DOWN_STABILIZED = ("ScaleDownStabilized",
                   "recent recommendations were higher than current one, applying the highest recent recommendation")


def _record(history: History, desired: int, now: float, horizon: float) -> None:
    history.recommendations = [(t, r) for t, r in history.recommendations if t > now - horizon]
    history.recommendations.append((now, desired))


# ---------------------------------------------------------------- without behavior (legacy)

def scale_up_limit(current: int) -> int:
    return int(max(SCALE_UP_LIMIT_FACTOR * current, SCALE_UP_LIMIT_MINIMUM))


def _clamp_legacy(current: int, desired: int, min_replicas: int, max_replicas: int) -> tuple[int, tuple[str, str]]:
    limit = scale_up_limit(current)
    maximum, why = (limit, UP_LIMIT) if max_replicas > limit else (max_replicas, TOO_MANY)
    if desired < min_replicas:
        return min_replicas, TOO_FEW
    if desired > maximum:
        return maximum, why
    return desired, WITHIN


def normalize_legacy(current: int, desired: int, min_replicas: int, max_replicas: int, history: History,
                     now: float, downscale_window: float = DOWNSCALE_STABILIZATION_S) -> Normalized:
    stabilized = max([desired] + [r for t, r in history.recommendations if t >= now - downscale_window])
    _record(history, desired, now, downscale_window)
    able = DOWN_STABILIZED if stabilized != desired else READY
    replicas, limited = _clamp_legacy(current, stabilized, min_replicas, max_replicas)
    return Normalized(replicas, *able, replicas != stabilized, *limited)


# ---------------------------------------------------------------- with behavior

def _changed_within(period: float, events: list[tuple[float, int]], now: float) -> int:
    return sum(change for t, change in events if t > now - period)


def scale_up_limit_with(rules: Rules, current: int, history: History, now: float) -> int:
    if rules.select == "Disabled":
        return current
    pick, result = (min, math.inf) if rules.select == "Min" else (max, -math.inf)
    for p in rules.policies:
        start = current - _changed_within(p.period, history.scale_up_events, now) + \
            _changed_within(p.period, history.scale_down_events, now)
        proposed = start + p.value if p.type == "Pods" else math.ceil(start * (1 + p.value / 100))
        result = pick(result, proposed)
    return int(result)


def scale_down_limit_with(rules: Rules, current: int, history: History, now: float) -> int:
    if rules.select == "Disabled":
        return current
    pick, result = (max, -math.inf) if rules.select == "Min" else (min, math.inf)
    for p in rules.policies:
        start = current - _changed_within(p.period, history.scale_up_events, now) + \
            _changed_within(p.period, history.scale_down_events, now)
        proposed = start - p.value if p.type == "Pods" else int(start * (1 - p.value / 100))
        result = pick(result, proposed)
    return int(result)


def normalize_with_behavior(current: int, desired: int, min_replicas: int, max_replicas: int,
                            behavior: Behavior, history: History, now: float) -> Normalized:
    # stabilize: no lower than the lowest recommendation of the up window, no higher than the highest of
    # the down window
    up = min([desired] + [r for t, r in history.recommendations if t > now - behavior.up.window])
    down = max([desired] + [r for t, r in history.recommendations if t > now - behavior.down.window])
    stabilized = min(max(current, up), down)
    _record(history, desired, now, max(behavior.up.window, behavior.down.window))
    able = READY if stabilized == desired else (UP_STABILIZED if desired >= current else DOWN_STABILIZED)
    replicas, limited = stabilized, WITHIN
    if stabilized > current:
        limit = max(scale_up_limit_with(behavior.up, current, history, now), current)
        maximum, why = (limit, UP_LIMIT) if max_replicas > limit else (max_replicas, TOO_MANY)
        if stabilized > maximum:
            replicas, limited = maximum, why
    elif stabilized < current:
        limit = min(scale_down_limit_with(behavior.down, current, history, now), current)
        minimum, why = (limit, DOWN_LIMIT) if min_replicas < limit else (min_replicas, TOO_FEW)
        if stabilized < minimum:
            replicas, limited = minimum, why
    return Normalized(replicas, *able, replicas != stabilized, *limited)


def record_scale(behavior: Behavior | None, history: History, before: int, after: int, now: float) -> None:
    """Remember a rescale for the policies' periods (only with behavior, as Kubernetes)."""
    if behavior is None or after == before:
        return
    rules, events = (behavior.up, history.scale_up_events) if after > before else \
        (behavior.down, history.scale_down_events)
    longest = max((p.period for p in rules.policies), default=0)
    events[:] = [(t, c) for t, c in events if t > now - longest]
    events.append((now, abs(after - before)))
