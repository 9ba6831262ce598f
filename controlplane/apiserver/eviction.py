"""The pod eviction subresource (policy/v1 Eviction), as `kubectl drain` posts it: a graceful delete that
honours the pod's PodDisruptionBudget (refused with 429, or one disruption taken), as Kubernetes' eviction.go."""
from __future__ import annotations

from datetime import datetime

from google.protobuf.message import Message

from api import errors, kinds, meta, podstatus, selectors
from proto import types_pb2

# Kubernetes' words on the condition an evicted pod carries, which a Job's podFailurePolicy can match
# (`onPodConditions: [{type: DisruptionTarget}]`) to not count an eviction as the pod's failure.
DISRUPTION_TARGET = ("DisruptionTarget", "EvictionByEvictionAPI", "Eviction API: evicting")
REFUSED = "Cannot evict pod as it would violate the pod's disruption budget."
MORE_THAN_ONE = "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
CAUSE = "DisruptionBudget"
# Evictions not yet confirmed by the disruption controller that a budget may hold (MaxDisruptedPodSize).
MAX_DISRUPTED_PODS = 2000


def grace_for(pod: Message, requested: int | None) -> int | None:
    """The grace period to delete with: a finished pod has nothing to shut down."""
    if podstatus.is_terminal(pod):
        return 0
    return requested


def can_ignore_budget(pod: types_pb2.Pod) -> bool:
    """A finished, pending or already deleted pod disrupts nothing more (canIgnorePDB)."""
    return pod.status.phase in ("Succeeded", "Failed", "Pending") or bool(pod.metadata.deletion_timestamp)


def budget_covers(pdb: types_pb2.PodDisruptionBudget, pod: types_pb2.Pod) -> bool:
    """An empty or unset selector covers no pod here (getPodDisruptionBudgets skips it)."""
    sel = pdb.spec.selector
    if not pdb.spec.HasField("selector") or (not sel.match_labels and not sel.match_expressions):
        return False
    return selectors.from_match(sel.match_labels, sel.match_expressions).matches(pod.metadata.labels)


def _is_ready(pod: types_pb2.Pod) -> bool:
    condition = meta.get_condition(pod.status.conditions, "Ready")
    return condition is not None and condition.status == "True"


def unhealthy_may_go(pdb: types_pb2.PodDisruptionBudget, pod: types_pb2.Pod) -> bool:
    """A pod that is not Ready counts for nothing healthy: it may go when the budget says AlwaysAllow, or
    (IfHealthyBudget, the default) when the budget is met without it."""
    if _is_ready(pod):
        return False
    if pdb.spec.unhealthy_pod_eviction_policy == "AlwaysAllow":
        return True
    s = pdb.status
    return s.current_healthy >= s.desired_healthy and s.desired_healthy > 0


def decrement(pdb: types_pb2.PodDisruptionBudget, pod_name: str, now: datetime) -> types_pb2.PodDisruptionBudget:
    """The budget with one disruption taken for `pod_name` (checkAndDecrement); raises TooManyRequests when
    none is allowed or the controller has not seen the budget's latest spec yet."""
    s = pdb.status
    if s.observed_generation < pdb.metadata.generation:
        raise errors.TooManyRequests(REFUSED, [{"reason": CAUSE, "message": f"The disruption budget "
                                                f"{pdb.metadata.name} is still being processed by the server."}], 10)
    if s.disruptions_allowed < 0:
        raise errors.Forbidden(f'poddisruptionbudgets.policy "{pdb.metadata.name}" is forbidden: '
                               "pdb disruptions allowed is negative")
    if len(s.disrupted_pods) > MAX_DISRUPTED_PODS:
        raise errors.Forbidden(f'poddisruptionbudgets.policy "{pdb.metadata.name}" is forbidden: DisruptedPods '
                               "map too big - too many evictions not confirmed by PDB controller")
    if s.disruptions_allowed == 0:
        raise errors.TooManyRequests(REFUSED, [{"reason": CAUSE, "message": f"The disruption budget "
                                                f"{pdb.metadata.name} needs {s.desired_healthy} healthy pods "
                                                f"and has {s.current_healthy} currently"}])
    changed = meta.copy(pdb)
    changed.status.disruptions_allowed -= 1
    if changed.status.disruptions_allowed == 0:
        meta.set_condition(changed.status.conditions, "DisruptionAllowed", "False", "InsufficientPods", "", now)
        meta.get_condition(changed.status.conditions, "DisruptionAllowed").observed_generation = \
            changed.status.observed_generation
    changed.status.disrupted_pods[pod_name] = meta.format_time(now)
    return changed


async def evict(registry, namespace: str, name: str, grace_period: int | None,
                dry_run: bool = False) -> tuple[Message, bool]:
    """(the pod as it is now, deleted from storage); NotFound when there is no such pod, TooManyRequests
    when its disruption budget allows no disruption now."""
    pod_kind = kinds.BY_NAME["Pod"]
    pod = await registry.get(pod_kind, namespace, name)
    if not can_ignore_budget(pod):
        await _take_disruption(registry, pod, dry_run)
    if not dry_run and not podstatus.is_terminal(pod) and not pod.metadata.deletion_timestamp:
        await _mark_disruption_target(registry, pod_kind, namespace, name)
    return await registry.delete(pod_kind, namespace, name, grace_for(pod, grace_period),
                                 precondition_uid=pod.metadata.uid, dry_run=dry_run)


async def _take_disruption(registry, pod: types_pb2.Pod, dry_run: bool) -> None:
    """Check the pod's budget and take one disruption from it (in etcd's guaranteed-update loop, so two
    evictions racing on one budget cannot both take its last disruption)."""
    pdb_kind = kinds.BY_NAME["PodDisruptionBudget"]
    namespace = pod.metadata.namespace
    items, _, _ = await registry.list(pdb_kind, namespace)
    budgets = [pdb for pdb in items if budget_covers(pdb, pod)]
    if not budgets:
        return
    if len(budgets) > 1:
        raise errors.Internal(f"Internal error occurred: {MORE_THAN_ONE}")
    pdb = budgets[0]
    if unhealthy_may_go(pdb, pod):
        return
    now = meta.now()
    if dry_run:
        decrement(pdb, pod.metadata.name, now)  # refuses as the real eviction would, writes nothing
        return
    await registry.update_by(pdb_kind, namespace, pdb.metadata.name,
                             lambda stored: decrement(stored, pod.metadata.name, now), subresource="status")


async def _mark_disruption_target(registry, pod_kind, namespace: str, name: str) -> None:
    """Add the DisruptionTarget condition before the delete, as Kubernetes' eviction does."""
    type_, reason, message = DISRUPTION_TARGET

    def edit(pod: Message) -> Message:
        changed = meta.copy(pod)
        meta.set_condition(changed.status.conditions, type_, "True", reason, message)
        return changed
    try:
        await registry.update_by(pod_kind, namespace, name, edit, subresource="status")
    except errors.NotFound:
        pass  # gone already: the delete says so
