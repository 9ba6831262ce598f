"""Preemption (Kubernetes' DefaultPreemption PostFilter) as pure functions of a pod that fits nowhere and the
snapshot: the node where evicting the fewest, least important lower-priority pods lets it fit, and those pods."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from api import meta, priority, selectors
from controlplane.scheduler.framework import SNAPSHOT, Code, FilterPlugin, Profile, Snapshot
from controlplane.scheduler.nodeinfo import NodeInfo
from controlplane.scheduler.placement import fit_error_message
from controlplane.scheduler.podinfo import PodInfo
from proto import types_pb2

NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"
POLICY_NEVER = "not eligible due to preemptionPolicy=Never."
TERMINATING = "not eligible due to a terminating pod on the nominated node."
# Kubernetes' DefaultPreemptionArgs: look for candidates on at least this share / number of nodes.
MIN_CANDIDATE_NODES_PERCENTAGE = 10
MIN_CANDIDATE_NODES_ABSOLUTE = 100

# what the scheduler writes on a victim before deleting it (Kubernetes 1.32's DisruptionTarget condition)
DISRUPTION_TARGET = "DisruptionTarget"
PREEMPTION_BY_SCHEDULER = "PreemptionByScheduler"


@dataclass(frozen=True)
class Candidate:
    node: str
    victims: tuple[PodInfo, ...]  # most important first
    pdb_violations: int  # victims whose eviction takes a budget below what it allows


@dataclass(frozen=True)
class Outcome:
    candidate: Candidate | None
    message: str = ""  # why nothing can be preempted (after "preemption: " in the pod's message), "" if found
    clear_nomination: bool = False  # no node can help now: the pod's nominatedNodeName, if any, is stale


def priority_of(pod: PodInfo) -> int:
    return pod.priority


def start_time(pod: PodInfo) -> str:
    """When the pod started (its creation until then); RFC 3339, so text order is time order."""
    return pod.pod.status.start_time or pod.pod.metadata.creation_timestamp


def more_important(pod: PodInfo) -> tuple:
    """A sort key putting higher priority first, then the pod that started earlier (Kubernetes' MoreImportantPod)."""
    return -priority_of(pod), start_time(pod)


def eligible(pod: PodInfo, node_of: Callable[[str], NodeInfo | None], nominated: str = "") -> str:
    """Why the pod may not preempt ("" when it may): its policy is Never, or it already preempted on its nominated
    node and pods of lower priority there are still terminating (Kubernetes' PodEligibleToPreemptOthers)."""
    if not priority.may_preempt(pod.pod):
        return POLICY_NEVER
    nominated = nominated or pod.pod.status.nominated_node_name
    node = node_of(nominated) if nominated else None
    if node is not None:
        mine = priority_of(pod)
        if any(p.pod.metadata.deletion_timestamp and priority_of(p) < mine for p in node.pods.values()):
            return TERMINATING
    return ""


def _fits(pod: PodInfo, node: NodeInfo, filters: Sequence[FilterPlugin]) -> tuple[bool, tuple[str, ...]]:
    for plugin in filters:
        status = plugin.filter(pod, node)
        if status.code is not Code.SUCCESS:
            return False, status.reasons
    return True, ()


def _selector(pdb: types_pb2.PodDisruptionBudget) -> selectors.LabelSelector | None:
    """The budget's selector; None for one that selects nothing (unset, empty or unreadable)."""
    spec = pdb.spec
    if not spec.HasField("selector"):
        return None
    try:
        selector = selectors.from_match(spec.selector.match_labels, spec.selector.match_expressions)
    except selectors.SelectorError:
        return None
    return None if selector.is_empty() else selector


def budgets_violated(pods: Iterable[PodInfo], budgets: Sequence[types_pb2.PodDisruptionBudget]) -> list[bool]:
    """For each pod in turn, whether evicting it (after the ones before it) breaks a budget covering it
    (Kubernetes' filterPodsWithPDBViolation: a pod the budget already counts as disrupted is not counted again)."""
    allowed = [pdb.status.disruptions_allowed for pdb in budgets]
    chosen = [_selector(pdb) for pdb in budgets]
    out = []
    for pod in pods:
        m, violated = pod.pod.metadata, False
        if m.labels:  # a pod without labels matches no budget
            for i, pdb in enumerate(budgets):
                selector = chosen[i]
                if pdb.metadata.namespace != m.namespace or selector is None or not selector.matches(m.labels) \
                        or m.name in pdb.status.disrupted_pods:
                    continue
                allowed[i] -= 1
                violated = violated or allowed[i] < 0
        out.append(violated)
    return out


def select_victims(pod: PodInfo, node: NodeInfo, filters: Sequence[FilterPlugin],
                   budgets: Sequence[types_pb2.PodDisruptionBudget]) -> Candidate | str:
    """The fewest pods of lower priority to evict from `node` for `pod` to fit there, or why none will do.

    Take away every pod of lower priority; if the pod still does not fit, the node cannot help. Else give back as
    many as fit, most important first (those a PodDisruptionBudget protects before the others): the ones that
    cannot come back are the victims. What plugins counted across nodes in pre_filter (topology spread, pod
    affinity) stays as before the eviction, as Kubernetes' own approximation does for affinity to victims."""
    mine = priority_of(pod)
    lower = sorted((p for p in node.pods.values() if priority_of(p) < mine), key=more_important)
    if not lower:
        return NO_VICTIMS
    scratch = node.copy()
    for p in lower:
        scratch.remove_pod(p.key)
    fits, reasons = _fits(pod, scratch, filters)
    if not fits:
        return ", ".join(reasons) or NO_VICTIMS
    violated = budgets_violated(lower, budgets)
    victims: list[PodInfo] = []
    violations = 0
    # Give pods back, those a budget protects first, each in order of importance; keep the ones that fit.
    for protected in (True, False):
        for p, breaks in zip(lower, violated):
            if breaks is not protected:
                continue
            scratch.add_pod(p)
            if not _fits(pod, scratch, filters)[0]:
                scratch.remove_pod(p.key)
                victims.append(p)
                violations += protected
    victims.sort(key=more_important)
    return Candidate(node.name, tuple(victims), violations)


def _rank(candidate: Candidate) -> tuple:
    """pickOneNodeForPreemption's order, smallest best: fewest budget violations, lowest highest victim priority,
    lowest sum of priorities (each shifted positive, so more victims weigh more), fewest victims, and the latest
    start among the highest-priority victims (the work lost is the youngest)."""
    victims = candidate.victims
    highest = priority_of(victims[0])
    total = sum(priority_of(v) + 2**31 for v in victims)
    earliest = meta.parse_time(min(start_time(v) for v in victims if priority_of(v) == highest))
    return candidate.pdb_violations, highest, total, len(victims), -earliest.timestamp() if earliest else 0.0


def pick(candidates: Sequence[Candidate]) -> Candidate:
    """The best candidate; the first of equals (nodes are looked at in name order)."""
    return min(candidates, key=_rank)


def num_candidates(total: int) -> int:
    """How many nodes that could help are enough to choose from (Kubernetes' calculateNumCandidates)."""
    wanted = max(total * MIN_CANDIDATE_NODES_PERCENTAGE // 100, MIN_CANDIDATE_NODES_ABSOLUTE)
    return min(wanted, total)


def preempt(pod: PodInfo, nodes: Sequence[NodeInfo], profile: Profile,
            budgets: Sequence[types_pb2.PodDisruptionBudget] = (),
            node_of: Callable[[str], NodeInfo | None] = lambda name: None, nominated: str = "") -> Outcome:
    """The node and victims for `pod`, which fits on none of `nodes`, or why there are none. `node_of` finds a node
    by name, and `nominated` is the node the pod preempted on before, if any."""
    why_not = eligible(pod, node_of, nominated)
    if why_not:
        return Outcome(None, why_not)
    if not isinstance(nodes, Snapshot):
        nodes = Snapshot(nodes)
    pod.state[SNAPSHOT] = nodes
    try:
        statuses = [p.pre_filter(pod) for p in profile.filters]
        if any(s.code in (Code.UNSCHEDULABLE, Code.ERROR) for s in statuses):
            # turned down before any node was looked at: no eviction changes that
            return Outcome(None, fit_error_message(len(nodes), {NOT_HELPFUL: len(nodes)}), clear_nomination=True)
        filters = [p for p, s in zip(profile.filters, statuses) if s.code is Code.SUCCESS]
        reasons: dict[str, int] = {}
        candidates: list[Candidate] = []
        wanted = num_candidates(len(nodes))
        for node in nodes:
            turned_down = next((p for p in filters if p.filter(pod, node).code is not Code.SUCCESS), None)
            if turned_down is not None and not turned_down.resolvable:
                reason = NOT_HELPFUL
            else:
                found = select_victims(pod, node, filters, budgets)
                if isinstance(found, Candidate):
                    candidates.append(found)
                    if len(candidates) >= wanted:
                        break
                    continue
                reason = found
            reasons[reason] = reasons.get(reason, 0) + 1
    finally:
        del pod.state[SNAPSHOT]
    if candidates:
        return Outcome(pick(candidates))
    return Outcome(None, fit_error_message(len(nodes), reasons), clear_nomination=True)


def with_nominated(nodes: Snapshot, nominated: Iterable[tuple[str, PodInfo]], pod: PodInfo) -> Snapshot:
    """The snapshot as `pod` must see it: pods of its priority or higher that preempted for a node count there
    already (Kubernetes' addNominatedPods), so that nobody less important takes the room freed for them."""
    mine = priority_of(pod)
    extra: dict[str, list[PodInfo]] = {}
    for node, other in nominated:
        if other.key != pod.key and priority_of(other) >= mine:
            extra.setdefault(node, []).append(other)
    if not extra:
        return nodes
    out = []
    for info in nodes:
        if info.name in extra:
            info = info.copy()
            for other in extra[info.name]:
                info.add_pod(other)
        out.append(info)
    return Snapshot(out)
