"""NodeAffinity: the pod's nodeSelector and its required node affinity must both match the node; its
preferred terms score a node by the summed weights of those that match. Operators In, NotIn, Exists,
DoesNotExist, Gt, Lt; required terms are ORed, the expressions of a term ANDed."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from api import selectors
from controlplane.scheduler.framework import SKIP, SUCCESS, FilterPlugin, ScorePlugin, Status, normalize
from controlplane.scheduler.nodeinfo import NodeInfo
from controlplane.scheduler.podinfo import PodInfo
from proto import types_pb2

OS_LABEL = "kubernetes.io/os"
MISMATCH = Status.unschedulable("node(s) didn't match Pod's node affinity/selector")

Match = Callable[[Mapping[str, str], str], bool]  # (node labels, node name) -> matches


def _never(labels: Mapping[str, str], name: str) -> bool:
    return False


def _expression(e: types_pb2.NodeSelectorRequirement) -> Match:
    """One requirement on labels; an invalid one matches nothing, as Kubernetes treats it."""
    if e.operator in ("Gt", "Lt"):
        try:
            (bound,) = (int(v) for v in e.values)
        except ValueError:
            return _never
        greater = e.operator == "Gt"

        def compare(labels, name, key=e.key):
            try:
                value = int(labels[key])
            except (KeyError, ValueError):
                return False
            return value > bound if greater else value < bound
        return compare
    try:
        requirement = selectors.from_match(None, [e]).requirements[0]
    except selectors.SelectorError:
        return _never
    return lambda labels, name: requirement.matches(labels)


def _field(e: types_pb2.NodeSelectorRequirement) -> Match:
    # metadata.name is the only node field Kubernetes selects on.
    if e.key != "metadata.name" or e.operator not in ("In", "NotIn") or not e.values:
        return _never
    names, wanted = frozenset(e.values), e.operator == "In"
    return lambda labels, name: (name in names) == wanted


def _term(term: types_pb2.NodeSelectorTerm) -> Match:
    parts = [_expression(e) for e in term.match_expressions] + [_field(e) for e in term.match_fields]
    if not parts:
        return _never  # an empty term selects no node
    return lambda labels, name: all(p(labels, name) for p in parts)


@dataclass(frozen=True)
class NodeMatcher:
    """A pod's node requirements, compiled once per attempt."""

    selector: tuple[tuple[str, str], ...]
    terms: tuple[Match, ...] | None  # None: no required affinity

    @classmethod
    def of(cls, spec: types_pb2.PodSpec) -> "NodeMatcher":
        terms = None
        if spec.affinity.node_affinity.HasField("required_during_scheduling_ignored_during_execution"):
            required = spec.affinity.node_affinity.required_during_scheduling_ignored_during_execution
            terms = tuple(_term(t) for t in required.node_selector_terms)
        selector = dict(spec.node_selector)
        if spec.os.name:
            # A pod for an OS runs only where the node says it is that OS (the kubelet would refuse it elsewhere:
            # PodOSNotSupported); a nodeSelector naming another OS is left to match nothing, as it then does.
            selector.setdefault(OS_LABEL, spec.os.name)
        return cls(tuple(selector.items()), terms)

    def matches(self, labels: Mapping[str, str], name: str) -> bool:
        if any(labels.get(k) != v for k, v in self.selector):
            return False
        return self.terms is None or any(t(labels, name) for t in self.terms)


def preferred(spec: types_pb2.PodSpec) -> tuple[tuple[int, Match], ...]:
    """The pod's preferred terms as (weight, match); weightless ones count for nothing, as in Kubernetes."""
    return tuple((p.weight, _term(p.preference))
                 for p in spec.affinity.node_affinity.preferred_during_scheduling_ignored_during_execution
                 if p.weight)


class NodeAffinity(FilterPlugin, ScorePlugin):
    name = "NodeAffinity"
    resolvable = False
    weight = 2  # Kubernetes' default

    def pre_filter(self, pod: PodInfo) -> Status:
        spec = pod.pod.spec
        if not spec.node_selector and not spec.os.name and not spec.affinity.node_affinity.HasField(
                "required_during_scheduling_ignored_during_execution"):
            return SKIP
        pod.state[self.name] = NodeMatcher.of(spec)
        return SUCCESS

    def filter(self, pod: PodInfo, node: NodeInfo) -> Status:
        matcher: NodeMatcher = pod.state[self.name]
        return SUCCESS if matcher.matches(node.labels, node.name) else MISMATCH

    def score(self, pod: PodInfo, nodes: Sequence[NodeInfo]) -> list[int]:
        terms = preferred(pod.pod.spec)
        if not terms:
            return [0] * len(nodes)
        return normalize([sum(w for w, match in terms if match(n.labels, n.name)) for n in nodes])
