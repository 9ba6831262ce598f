"""The pod eviction subresource (policy/v1 Eviction), as `kubectl drain` posts it.

An eviction is a delete that honours the pod's graceful termination; a pod that already finished is
removed at once. Disruption budgets would be checked here (skiff has no PodDisruptionBudget kind yet).
"""
from __future__ import annotations

from google.protobuf.message import Message

from api import errors, kinds, meta, podstatus

# Kubernetes' words on the condition an evicted pod carries, which a Job's podFailurePolicy can match
# (`onPodConditions: [{type: DisruptionTarget}]`) to not count an eviction as the pod's failure.
DISRUPTION_TARGET = ("DisruptionTarget", "EvictionByEvictionAPI", "Eviction API: evicting")


def grace_for(pod: Message, requested: int | None) -> int | None:
    """The grace period to delete with: a finished pod has nothing to shut down."""
    if podstatus.is_terminal(pod):
        return 0
    return requested


async def evict(registry, namespace: str, name: str, grace_period: int | None,
                dry_run: bool = False) -> tuple[Message, bool]:
    """(the pod as it is now, deleted from storage); NotFound when there is no such pod."""
    pod_kind = kinds.BY_NAME["Pod"]
    pod = await registry.get(pod_kind, namespace, name)
    if not dry_run and not podstatus.is_terminal(pod) and not pod.metadata.deletion_timestamp:
        await _mark_disruption_target(registry, pod_kind, namespace, name)
    return await registry.delete(pod_kind, namespace, name, grace_for(pod, grace_period),
                                 precondition_uid=pod.metadata.uid, dry_run=dry_run)


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
