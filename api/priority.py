"""The vocabulary of pod priority (scheduling.k8s.io/v1 PriorityClass) with Kubernetes' names and numbers, and
the readings of it the API server, the scheduler and the CLI share: the default class, a pod's priority."""
from __future__ import annotations

from collections.abc import Iterable

from proto import types_pb2

PREEMPT_LOWER_PRIORITY, PREEMPT_NEVER = "PreemptLowerPriority", "Never"
PREEMPTION_POLICIES = (PREEMPT_LOWER_PRIORITY, PREEMPT_NEVER)

# Values above this are the system's (pkg/apis/scheduling: HighestUserDefinablePriority).
HIGHEST_USER_DEFINABLE = 1_000_000_000
SYSTEM_CRITICAL = 2 * HIGHEST_USER_DEFINABLE
SYSTEM_PREFIX = "system-"
# A pod's priority when it names no class and no class is the global default.
DEFAULT_PRIORITY = 0

SYSTEM_CLUSTER_CRITICAL, SYSTEM_NODE_CRITICAL = "system-cluster-critical", "system-node-critical"


def _system_class(name: str, value: int, description: str) -> types_pb2.PriorityClass:
    return types_pb2.PriorityClass(metadata=types_pb2.ObjectMeta(name=name), value=value, description=description,
                                   preemption_policy=PREEMPT_LOWER_PRIORITY)


# Made by the API server at start, as kube-apiserver's scheduling/bootstrap-system-priority-classes hook does.
SYSTEM_CLASSES = (
    _system_class(SYSTEM_NODE_CRITICAL, SYSTEM_CRITICAL + 1000,
                  "Used for system critical pods that must not be moved from their current node."),
    _system_class(SYSTEM_CLUSTER_CRITICAL, SYSTEM_CRITICAL,
                  "Used for system critical pods that must run in the cluster, but can be moved to another "
                  "node if necessary."),
)
SYSTEM_CLASS_NAMES = frozenset(pc.metadata.name for pc in SYSTEM_CLASSES)


def default_class(classes: Iterable[types_pb2.PriorityClass]) -> types_pb2.PriorityClass | None:
    """The globalDefault class; should a race have made two, the one of lowest value, as Kubernetes picks."""
    marked = [pc for pc in classes if pc.global_default]
    return min(marked, key=lambda pc: pc.value) if marked else None


def preemption_policy(pc: types_pb2.PriorityClass) -> str:
    return pc.preemption_policy if pc.HasField("preemption_policy") else PREEMPT_LOWER_PRIORITY


def pod_priority(pod: types_pb2.Pod) -> int:
    """The priority the scheduler orders and preempts by (0 for a pod admitted without one)."""
    return pod.spec.priority if pod.spec.HasField("priority") else DEFAULT_PRIORITY


def may_preempt(pod: types_pb2.Pod) -> bool:
    return pod.spec.preemption_policy != PREEMPT_NEVER
