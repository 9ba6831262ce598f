"""InterPodAffinity: place a pod near pods it names (podAffinity) or away from them (podAntiAffinity), by
topology domain (the nodes sharing a value of topologyKey), as Kubernetes' plugin: required terms filter,
preferred terms (and existing pods' terms about this pod, symmetrically) score."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from api import selectors
from controlplane.scheduler.framework import SKIP, SUCCESS, FilterPlugin, ScorePlugin, Status, snapshot
from controlplane.scheduler.nodeinfo import NodeInfo
from controlplane.scheduler.podinfo import PodInfo
from proto import types_pb2

AFFINITY_MISMATCH = Status.unschedulable("node(s) didn't match pod affinity rules")
ANTI_AFFINITY_MISMATCH = Status.unschedulable("node(s) didn't match pod anti-affinity rules")
EXISTING_ANTI_AFFINITY = Status.unschedulable("node(s) didn't satisfy existing pods anti-affinity rules")
HARD_POD_AFFINITY_WEIGHT = 1  # what an existing pod's required affinity to this pod adds to its domain

Pair = tuple[str, str]  # (topology key, value)


@dataclass(frozen=True)
class Term:
    """One affinity term compiled: which pods it selects (namespaces, labels) and its topology key."""

    selector: selectors.LabelSelector | None  # None: selects no pod (a term without labelSelector)
    namespaces: frozenset[str] | None  # None: every namespace (an empty namespaceSelector)
    topology_key: str
    weight: int = 1

    def matches(self, pod: types_pb2.Pod) -> bool:
        if self.selector is None:
            return False
        if self.namespaces is not None and pod.metadata.namespace not in self.namespaces:
            return False
        return self.selector.matches(pod.metadata.labels)


def compile_term(owner: types_pb2.Pod, term: types_pb2.PodAffinityTerm, weight: int = 1) -> Term:
    selector = None
    if term.HasField("label_selector"):
        try:
            selector = selectors.from_match(term.label_selector.match_labels, term.label_selector.match_expressions)
        except selectors.SelectorError:
            selector = None  # validated by the API server; an odd one selects nothing
    namespaces: frozenset[str] | None = frozenset(term.namespaces) or frozenset([owner.metadata.namespace])
    if term.HasField("namespace_selector") and not term.namespace_selector.match_labels and \
            not term.namespace_selector.match_expressions:
        namespaces = None
    return Term(selector, namespaces, term.topology_key, weight)


@dataclass(frozen=True)
class Terms:
    """A pod's four lists of terms."""

    required_affinity: tuple[Term, ...] = ()
    required_anti: tuple[Term, ...] = ()
    preferred_affinity: tuple[Term, ...] = ()
    preferred_anti: tuple[Term, ...] = ()

    @classmethod
    def of(cls, pod: types_pb2.Pod) -> "Terms":
        a, anti = pod.spec.affinity.pod_affinity, pod.spec.affinity.pod_anti_affinity
        return cls(
            tuple(compile_term(pod, t) for t in a.required_during_scheduling_ignored_during_execution),
            tuple(compile_term(pod, t) for t in anti.required_during_scheduling_ignored_during_execution),
            tuple(compile_term(pod, w.pod_affinity_term, w.weight)
                  for w in a.preferred_during_scheduling_ignored_during_execution),
            tuple(compile_term(pod, w.pod_affinity_term, w.weight)
                  for w in anti.preferred_during_scheduling_ignored_during_execution))


def _terms(info: PodInfo) -> Terms:
    found = info.state.get(InterPodAffinity.name)
    if not isinstance(found, Terms):
        found = info.state[InterPodAffinity.name] = Terms.of(info.pod)
    return found


def _any_terms(nodes: Iterable[NodeInfo]) -> bool:
    """Some pod in the snapshot carries terms (that could be about this pod)."""
    return NodeInfo.affinity_pods_anywhere > 0 and any(n.affinity_pods for n in nodes)


def _pair(node: NodeInfo, key: str) -> Pair | None:
    value = node.labels.get(key)
    return None if value is None else (key, value)


@dataclass
class FilterState:
    terms: Terms
    existing_anti: Counter  # domains where an existing pod's required anti-affinity selects this pod
    affinity: Counter  # domains holding pods that this pod's required affinity terms select
    anti: Counter  # domains holding pods that this pod's required anti-affinity terms select


def filter_state(pod: PodInfo, nodes: Iterable[NodeInfo]) -> FilterState:
    terms = _terms(pod)
    state = FilterState(terms, Counter(), Counter(), Counter())
    nodes = list(nodes)
    for node in nodes:
        for other in node.affinity_pods.values():
            for term in _terms(other).required_anti:
                if (pair := _pair(node, term.topology_key)) and term.matches(pod.pod):
                    state.existing_anti[pair] += 1
    if terms.required_affinity or terms.required_anti:
        for node in nodes:
            for other in node.pods.values():
                for term in terms.required_affinity:
                    if (pair := _pair(node, term.topology_key)) and term.matches(other.pod):
                        state.affinity[pair] += 1
                for term in terms.required_anti:
                    if (pair := _pair(node, term.topology_key)) and term.matches(other.pod):
                        state.anti[pair] += 1
    return state


def fits(state: FilterState, pod: types_pb2.Pod, node: NodeInfo) -> Status:
    """Kubernetes' order, which decides the reason shown: the pod's affinity, its anti-affinity, then the
    existing pods' anti-affinity."""
    status = _affinity_fits(state, pod, node)
    if status is not SUCCESS:
        return status
    for term in state.terms.required_anti:
        if (pair := _pair(node, term.topology_key)) and state.anti[pair] > 0:
            return ANTI_AFFINITY_MISMATCH
    for (key, value), count in state.existing_anti.items():
        if count and node.labels.get(key) == value:
            return EXISTING_ANTI_AFFINITY
    return SUCCESS


def _affinity_fits(state: FilterState, pod: types_pb2.Pod, node: NodeInfo) -> Status:
    pods_exist = True
    for term in state.terms.required_affinity:
        pair = _pair(node, term.topology_key)
        if pair is None:
            return AFFINITY_MISMATCH  # every topology key must be on the node
        if state.affinity[pair] <= 0:
            pods_exist = False
    if not pods_exist:
        # The first pod of a group with affinity to itself would wait forever: it may go where the
        # keys are, if no pod anywhere matches and it matches its own terms (as Kubernetes allows).
        if not state.affinity and all(t.matches(pod) for t in state.terms.required_affinity):
            return SUCCESS
        return AFFINITY_MISMATCH
    return SUCCESS


def domain_scores(pod: PodInfo, nodes: Iterable[NodeInfo]) -> Counter:
    """Per topology domain: the weights of preferred terms (and existing pods' terms) that draw this pod
    there, minus those that push it away."""
    terms = _terms(pod)
    scores: Counter = Counter()
    preferred = terms.preferred_affinity or terms.preferred_anti
    for node in nodes:
        others = node.pods.values() if preferred else node.affinity_pods.values()
        for other in others:
            for term in terms.preferred_affinity:
                if (pair := _pair(node, term.topology_key)) and term.matches(other.pod):
                    scores[pair] += term.weight
            for term in terms.preferred_anti:
                if (pair := _pair(node, term.topology_key)) and term.matches(other.pod):
                    scores[pair] -= term.weight
            if not other.has_pod_affinity:
                continue
            theirs = _terms(other)
            for sign, weighted, listed in ((1, False, theirs.required_affinity), (1, True, theirs.preferred_affinity),
                                           (-1, True, theirs.preferred_anti)):
                for term in listed:
                    if (pair := _pair(node, term.topology_key)) and term.matches(pod.pod):
                        scores[pair] += sign * (term.weight if weighted else HARD_POD_AFFINITY_WEIGHT)
    return scores


class InterPodAffinity(FilterPlugin, ScorePlugin):
    name = "InterPodAffinity"
    weight = 2  # Kubernetes' default

    def pre_filter(self, pod: PodInfo) -> Status:
        nodes = snapshot(pod)
        terms = _terms(pod)
        if not terms.required_affinity and not terms.required_anti and not _any_terms(nodes):
            return SKIP  # nothing anywhere constrains this pod: the common case costs one pass over nodes
        pod.state[f"{self.name}/filter"] = filter_state(pod, nodes)
        return SUCCESS

    def filter(self, pod: PodInfo, node: NodeInfo) -> Status:
        return fits(pod.state[f"{self.name}/filter"], pod.pod, node)

    def score(self, pod: PodInfo, nodes: Sequence[NodeInfo]) -> list[int] | None:
        terms = _terms(pod)
        everywhere = snapshot(pod) or nodes
        if not terms.preferred_affinity and not terms.preferred_anti and not _any_terms(everywhere):
            return None
        domains = domain_scores(pod, everywhere)
        raw = [sum(v for (key, value), v in domains.items() if n.labels.get(key) == value) for n in nodes]
        low, high = min(raw), max(raw)
        if high == low:
            return [0] * len(nodes)
        return [100 * (r - low) // (high - low) for r in raw]
