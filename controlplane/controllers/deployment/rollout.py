"""Rollout arithmetic of the Deployment controller as pure functions: surge and unavailability
bounds, the next size of the new ReplicaSet, which old ones shrink, proportional scaling.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from api import manifest
from proto import types_pb2


@dataclass(frozen=True)
class RSView:
    """What the arithmetic needs of one ReplicaSet."""

    name: str
    replicas: int  # spec.replicas
    available: int  # pods available for minReadySeconds, never more than spec.replicas
    created: str = ""  # creation timestamp: older ReplicaSets shrink first

    @staticmethod
    def of(rs: types_pb2.ReplicaSet) -> "RSView":
        # An RS just scaled down may still report the pods it is deleting as available: count no more
        # than it is meant to keep, or a stale status would let the old side shrink twice.
        return RSView(rs.metadata.name, rs.spec.replicas, min(rs.status.available_replicas, rs.spec.replicas),
                      rs.metadata.creation_timestamp)


def value_from_int_or_percent(value: int | str | None, total: int, round_up: bool) -> int:
    """maxSurge/maxUnavailable: an absolute number, or "25%" of `total` rounded up or down."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    text = value.strip()
    if not text.endswith("%"):
        return int(text)
    fraction = int(text[:-1]) * total / 100
    return math.ceil(fraction) if round_up else math.floor(fraction)


def surge_and_unavailable(strategy: types_pb2.DeploymentStrategy, replicas: int) -> tuple[int, int]:
    """(maxSurge, maxUnavailable) in pods; both zero would deadlock, so unavailable becomes 1."""
    if strategy.type == "Recreate":
        return 0, 0
    rolling = strategy.rolling_update
    surge_value = manifest.int_or_string_value(rolling.max_surge)
    unavailable_value = manifest.int_or_string_value(rolling.max_unavailable)
    surge = value_from_int_or_percent("25%" if surge_value is None else surge_value, replicas, True)
    unavailable = value_from_int_or_percent("25%" if unavailable_value is None else unavailable_value,
                                            replicas, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, min(unavailable, replicas)


def next_new_size(replicas: int, max_surge: int, new: RSView, olds: list[RSView]) -> int | None:
    """The new ReplicaSet's next spec.replicas in a rolling update, or None to leave it."""
    if new.replicas == replicas:
        return None
    if new.replicas > replicas:
        return replicas
    total = new.replicas + sum(o.replicas for o in olds)
    room = replicas + max_surge - total
    if room <= 0:
        return None
    return new.replicas + min(room, replicas - new.replicas)


def old_sizes_after_scale_down(replicas: int, max_unavailable: int, new: RSView,
                               olds: list[RSView]) -> dict[str, int]:
    """New spec.replicas for the old ReplicaSets that shrink now (Kubernetes' reconcileOldReplicaSets).

    Unhealthy old pods go first (they are not available anyway); then available ones, only as far as
    keeps `replicas - max_unavailable` pods available overall.
    """
    if sum(o.replicas for o in olds) == 0:
        return {}
    min_available = replicas - max_unavailable
    all_pods = new.replicas + sum(o.replicas for o in olds)
    new_unavailable = new.replicas - new.available
    max_scaled_down = all_pods - min_available - new_unavailable
    if max_scaled_down <= 0:
        return {}
    ordered = sorted(olds, key=lambda o: (o.created, o.name))
    sizes = {o.name: o.replicas for o in olds}
    cleaned = 0
    for o in ordered:
        unhealthy = sizes[o.name] - o.available
        if cleaned >= max_scaled_down or unhealthy <= 0:
            continue
        step = min(max_scaled_down - cleaned, unhealthy)
        sizes[o.name] -= step
        cleaned += step
    surplus = new.available + sum(o.available for o in olds) - min_available
    for o in ordered:
        if surplus <= 0:
            break
        step = min(sizes[o.name], surplus)
        sizes[o.name] -= step
        surplus -= step
    return {o.name: sizes[o.name] for o in olds if sizes[o.name] != o.replicas}


def proportional_sizes(replicas: int, max_surge: int, active: list[RSView], newest: str) -> dict[str, int]:
    """Resize the active ReplicaSets of a deployment scaled mid-rollout, each in proportion to its size;
    the rounding leftover goes to `newest` (Kubernetes' proportional scaling)."""
    allowed = replicas + max_surge
    current = sum(r.replicas for r in active)
    delta = allowed - current
    if delta == 0 or current == 0:
        return {}
    sizes = {r.name: r.replicas for r in active}
    given = 0
    for r in sorted(active, key=lambda r: (-r.replicas, r.name)):
        share = int(r.replicas * delta / current)  # truncates toward zero, as Kubernetes' rounding
        if delta < 0:
            share = max(share, -r.replicas)
        sizes[r.name] += share
        given += share
    leftover = delta - given
    if leftover and newest in sizes:
        sizes[newest] = max(sizes[newest] + leftover, 0)
    return {name: size for name, size in sizes.items() if size != next(r.replicas for r in active if r.name == name)}
