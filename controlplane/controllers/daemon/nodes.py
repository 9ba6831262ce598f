"""Which nodes a DaemonSet's pods belong on, as Kubernetes' NodeShouldRunDaemonPod decides: the node name,
nodeSelector and required node affinity must match, and the node's NoSchedule/NoExecute taints must be
tolerated (a pod already running stays while it tolerates the NoExecute ones)."""
from __future__ import annotations

from typing import NamedTuple

from controlplane.scheduler.plugins.node_affinity import NodeMatcher
from controlplane.scheduler.plugins.taint_toleration import untolerated
from proto import types_pb2

# The tolerations Kubernetes adds to every daemon pod (AddOrUpdateDaemonPodTolerations): a DaemonSet's
# pods keep running on nodes that are not ready, unreachable, under pressure or cordoned.
DEFAULT_TOLERATIONS = (
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "NoSchedule"),
)
HOST_NETWORK_TOLERATION = ("node.kubernetes.io/network-unavailable", "NoSchedule")


class Fit(NamedTuple):
    should_run: bool  # a pod should be made there
    should_continue: bool  # a pod already there may stay


def add_daemon_tolerations(spec: types_pb2.PodSpec) -> None:
    """Add Kubernetes' daemon-pod tolerations that the spec does not carry yet (by key and effect)."""
    wanted = list(DEFAULT_TOLERATIONS) + ([HOST_NETWORK_TOLERATION] if spec.host_network else [])
    for key, effect in wanted:
        if not any(t.key == key and t.effect == effect for t in spec.tolerations):
            spec.tolerations.add(key=key, operator="Exists", effect=effect)


def should_run(template: types_pb2.PodTemplateSpec, node: types_pb2.Node) -> Fit:
    spec = types_pb2.PodSpec()
    spec.CopyFrom(template.spec)
    add_daemon_tolerations(spec)
    if spec.node_name and spec.node_name != node.metadata.name:
        return Fit(False, False)
    if not NodeMatcher.of(spec).matches(node.metadata.labels, node.metadata.name):
        return Fit(False, False)
    blocking = [t for t in node.spec.taints if t.effect in ("NoSchedule", "NoExecute")]
    if untolerated(spec.tolerations, blocking) is None:
        return Fit(True, True)
    no_execute = [t for t in node.spec.taints if t.effect == "NoExecute"]
    return Fit(False, untolerated(spec.tolerations, no_execute) is None)


def target_node(pod: types_pb2.Pod) -> str:
    """The node a daemon pod is for: its nodeName once bound, before that the name its affinity requires."""
    if pod.spec.node_name:
        return pod.spec.node_name
    required = pod.spec.affinity.node_affinity.required_during_scheduling_ignored_during_execution
    for term in required.node_selector_terms:
        for field in term.match_fields:
            if field.key == "metadata.name" and field.operator == "In" and len(field.values) == 1:
                return field.values[0]
    return ""


def pin_to_node(spec: types_pb2.PodSpec, node_name: str) -> None:
    """Require the node by name (matchFields metadata.name), replacing the template's required terms, as
    Kubernetes' ReplaceDaemonSetPodNodeNameNodeAffinity: the scheduler binds the pod, to that node only."""
    required = spec.affinity.node_affinity.required_during_scheduling_ignored_during_execution
    del required.node_selector_terms[:]
    term = required.node_selector_terms.add()
    term.match_fields.add(key="metadata.name", operator="In", values=[node_name])
