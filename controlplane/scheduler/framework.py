"""The scheduler framework: typed Status results and one small interface per extension point.

Plugins (one file each in plugins/) implement PreFilter and Filter, or Score; placement.py runs them."""
from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from controlplane.scheduler.nodeinfo import NodeInfo
from controlplane.scheduler.podinfo import PodInfo

MAX_NODE_SCORE = 100


class Code(enum.Enum):
    SUCCESS = "Success"
    UNSCHEDULABLE = "Unschedulable"  # expected: the pod does not fit; reasons say why
    ERROR = "Error"  # unexpected: the attempt is retried after a backoff
    SKIP = "Skip"  # from pre_filter: this plugin has nothing to check for this pod


@dataclass(frozen=True, slots=True)
class Status:
    """What a plugin concluded. Reasons are the words a user reads ("Insufficient cpu")."""

    code: Code
    reasons: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.code is Code.SUCCESS

    @staticmethod
    def unschedulable(*reasons: str) -> "Status":
        return Status(Code.UNSCHEDULABLE, reasons)

    @staticmethod
    def error(message: str) -> "Status":
        return Status(Code.ERROR, (message,))

    def __str__(self) -> str:
        return ", ".join(self.reasons) or self.code.value


# Shared instances: the hot path compares by identity and allocates nothing when a node fits.
SUCCESS = Status(Code.SUCCESS)
SKIP = Status(Code.SKIP)


class Snapshot(list):
    """The nodes one decision looks at, in name order, with what holds for all of them, worked out once
    when the snapshot is made (the cache makes a new one whenever a node changes in a way that matters), so
    that a filter with nothing to turn down anywhere is skipped instead of asked node by node."""

    def __init__(self, nodes=()):
        super().__init__(nodes)
        # An empty one (a plugin asked outside placement) promises nothing, so that nothing is skipped.
        self.all_ready = bool(self) and all(n.ready for n in self)
        self.any_unschedulable = not self or any(n.unschedulable for n in self)
        self.any_hard_taints = not self or any(n.taints for n in self)
        self.any_soft_taints = not self or any(n.soft_taints for n in self)


# Where placement leaves the whole snapshot (every node, fitting or not) in PodInfo.state for the
# plugins that count pods across the cluster (InterPodAffinity, PodTopologySpread), as a framework handle.
SNAPSHOT = "snapshot"
NO_SNAPSHOT = Snapshot()


def snapshot(pod: PodInfo) -> Snapshot:
    """The snapshot of this attempt (empty outside placement: a plugin asked alone then skips nothing)."""
    return pod.state.get(SNAPSHOT, NO_SNAPSHOT)


class FilterPlugin:
    """Decides whether a pod may run on a node at all."""

    name = ""
    # False when evicting pods cannot make a node it turned down pass (a label, a taint): preemption does not
    # look at such a node (Kubernetes' UnschedulableAndUnresolvable).
    resolvable = True

    def pre_filter(self, pod: PodInfo) -> Status:
        """Once per attempt: SKIP when nothing about this pod concerns the plugin, so filter() is not run."""
        return SUCCESS

    def filter(self, pod: PodInfo, node: NodeInfo) -> Status:
        raise NotImplementedError


class ScorePlugin:
    """Ranks the nodes that passed every filter: 0 (worst) to MAX_NODE_SCORE (best), times weight.

    It scores all feasible nodes in one call, as a plugin that compares nodes (spreading) needs them
    all anyway, and one call per node would be most of the scheduler's time in Python.
    """

    name = ""
    weight = 1

    def score(self, pod: PodInfo, nodes: Sequence[NodeInfo]) -> list[int] | None:
        """One score per node; None when the plugin has nothing to say about this pod (skipped)."""
        raise NotImplementedError


def normalize(scores: Sequence[int], reverse: bool = False) -> list[int]:
    """Kubernetes' DefaultNormalizeScore: raw scores (counts, weights) scaled so the highest becomes
    MAX_NODE_SCORE; reversed, so the lowest does. All zero: nothing to tell the nodes apart by."""
    most = max(scores, default=0)
    if most == 0:
        return [MAX_NODE_SCORE if reverse else 0] * len(scores)
    scaled = [MAX_NODE_SCORE * s // most for s in scores]
    return [MAX_NODE_SCORE - s for s in scaled] if reverse else scaled


@dataclass(frozen=True)
class Profile:
    """The plugins one scheduler runs, in order."""

    filters: tuple[FilterPlugin, ...]
    scores: tuple[ScorePlugin, ...]
