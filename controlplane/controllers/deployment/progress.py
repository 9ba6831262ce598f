"""A Deployment's status as pure functions: the counts its ReplicaSets add up to, and the
Available and Progressing conditions with Kubernetes' reasons and progress-deadline rule.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from api import meta
from proto import types_pb2

NEW_RS_CREATED = "NewReplicaSetCreated"
RS_UPDATED = "ReplicaSetUpdated"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"


def counts(deploy: types_pb2.Deployment, rss: list[types_pb2.ReplicaSet],
           new: types_pb2.ReplicaSet | None) -> types_pb2.DeploymentStatus:
    """The status counts (conditions carried over from the current status)."""
    status = types_pb2.DeploymentStatus()
    status.CopyFrom(deploy.status)
    status.observed_generation = deploy.metadata.generation
    status.replicas = sum(rs.status.replicas for rs in rss)
    status.updated_replicas = new.status.replicas if new is not None else 0
    status.ready_replicas = sum(rs.status.ready_replicas for rs in rss)
    status.available_replicas = sum(rs.status.available_replicas for rs in rss)
    status.unavailable_replicas = max(status.replicas - status.available_replicas,
                                      deploy.spec.replicas - status.available_replicas, 0)
    return status


def set_condition(status: types_pb2.DeploymentStatus, type_: str, state: str, reason: str, message: str,
                  now: datetime, touch: bool = False) -> None:
    """Set a condition; lastUpdateTime moves on any change (or when `touch`: progress was made). A changed
    condition moves to the end of the list, as Kubernetes' SetDeploymentCondition appends it (so a finished
    rollout lists Available, then Progressing, as `kubectl describe` shows on a real cluster)."""
    stamp = meta.format_time(now)
    current = meta.get_condition(status.conditions, type_)
    if current is not None and (current.status, current.reason, current.message) == (state, reason, message) \
            and not touch:
        return
    transition = stamp if current is None or current.status != state else current.last_transition_time
    if current is not None:
        status.conditions.remove(current)
    status.conditions.add(type=type_, status=state, reason=reason, message=message, last_update_time=stamp,
                          last_transition_time=transition)


def is_complete(deploy: types_pb2.Deployment, status: types_pb2.DeploymentStatus) -> bool:
    r = deploy.spec.replicas
    return (status.updated_replicas == r and status.replicas == r and status.available_replicas == r
            and status.observed_generation >= deploy.metadata.generation)


def has_progressed(old: types_pb2.DeploymentStatus, new: types_pb2.DeploymentStatus) -> bool:
    return (new.updated_replicas > old.updated_replicas or new.replicas < old.replicas
            or new.ready_replicas > old.ready_replicas or new.available_replicas > old.available_replicas)


def seconds_to_deadline(deploy: types_pb2.Deployment, status: types_pb2.DeploymentStatus,
                        now: datetime) -> float | None:
    """Seconds left before the rollout counts as stuck; None when no deadline applies."""
    if not deploy.spec.HasField("progress_deadline_seconds"):
        return None
    c = meta.get_condition(status.conditions, "Progressing")
    if c is None or c.reason in (TIMED_OUT, NEW_RS_AVAILABLE) or c.status == "Unknown" and c.reason == PAUSED:
        return None
    since = meta.parse_time(c.last_update_time) or meta.parse_time(c.last_transition_time)
    if since is None:
        return None
    deadline = since + timedelta(seconds=deploy.spec.progress_deadline_seconds)
    return (deadline - now).total_seconds()


def rollout_conditions(deploy: types_pb2.Deployment, status: types_pb2.DeploymentStatus, new_name: str,
                       max_unavailable: int, now: datetime) -> None:
    """Available and Progressing after a sync that did not pause (Kubernetes' syncRolloutStatus)."""
    if status.available_replicas >= deploy.spec.replicas - max_unavailable:
        set_condition(status, "Available", "True", "MinimumReplicasAvailable",
                      "Deployment has minimum availability.", now)
    else:
        set_condition(status, "Available", "False", "MinimumReplicasUnavailable",
                      "Deployment does not have minimum availability.", now)
    if not deploy.spec.HasField("progress_deadline_seconds"):
        return
    current = meta.get_condition(status.conditions, "Progressing")
    if is_complete(deploy, status):
        set_condition(status, "Progressing", "True", NEW_RS_AVAILABLE,
                      f'ReplicaSet "{new_name}" has successfully progressed.', now)
    elif current is not None and current.reason == TIMED_OUT:
        return  # stays stuck until the template changes or it completes
    elif has_progressed(deploy.status, status) or current is None:
        set_condition(status, "Progressing", "True", RS_UPDATED, f'ReplicaSet "{new_name}" is progressing.',
                      now, touch=True)
    else:
        left = seconds_to_deadline(deploy, status, now)
        if left is not None and left <= 0:
            set_condition(status, "Progressing", "False", TIMED_OUT,
                          f'ReplicaSet "{new_name}" has timed out progressing.', now)
