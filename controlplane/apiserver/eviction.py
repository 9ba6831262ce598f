"""The pod eviction subresource (policy/v1 Eviction), as `kubectl drain` posts it.

An eviction is a delete that honours the pod's graceful termination; a pod that already finished is
removed at once. Disruption budgets would be checked here (skiff has no PodDisruptionBudget kind yet).
"""
from __future__ import annotations

from google.protobuf.message import Message

from api import kinds, podstatus


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
    return await registry.delete(pod_kind, namespace, name, grace_for(pod, grace_period),
                                 precondition_uid=pod.metadata.uid, dry_run=dry_run)
