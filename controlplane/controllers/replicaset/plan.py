"""Pure decisions of the ReplicaSet controller: the pods to make, in slow-start batches, and the
status that the pods in the cache add up to.
"""
from __future__ import annotations

from datetime import datetime

from api import meta
from controlplane.controllers.core import ownership, podstate
from proto import types_pb2

BURST_REPLICAS = 500  # at most this many creates or deletes per sync, as Kubernetes


def slow_start_batches(count: int, initial: int = 1) -> list[int]:
    """1, 2, 4, ... adding up to `count`: a failing template costs one failed create, not `count`."""
    batches, size = [], initial
    while count > 0:
        batch = min(size, count)
        batches.append(batch)
        count -= batch
        size *= 2
    return batches


def pod_from_template(rs) -> types_pb2.Pod:
    """A pod of a ReplicaSet (or ReplicationController): the template's, owned by it."""
    template = rs.spec.template
    pod = types_pb2.Pod(api_version="v1", kind="Pod")
    pod.metadata.generate_name = f"{rs.metadata.name}-"
    pod.metadata.namespace = rs.metadata.namespace
    pod.metadata.labels.update(template.metadata.labels)
    pod.metadata.annotations.update(template.metadata.annotations)
    pod.metadata.owner_references.append(ownership.owner_reference(rs))
    pod.spec.CopyFrom(template.spec)
    return pod


def status_of(rs, pods: list[types_pb2.Pod], now: datetime, failure: str = ""):
    """Replicas, fully labelled, ready and available counts of the active pods the RS (or RC) owns; the
    status is of the owner's own type (ReplicaSetStatus, ReplicationControllerStatus)."""
    status = type(rs.status)()
    status.CopyFrom(rs.status)
    template_labels = rs.spec.template.metadata.labels
    status.replicas = len(pods)
    status.fully_labeled_replicas = sum(
        1 for p in pods if all(p.metadata.labels.get(k) == v for k, v in template_labels.items()))
    status.ready_replicas = sum(1 for p in pods if podstate.is_ready(p))
    status.available_replicas = sum(1 for p in pods if podstate.is_available(p, rs.spec.min_ready_seconds, now))
    status.observed_generation = rs.metadata.generation
    if failure:
        meta.set_condition(status.conditions, "ReplicaFailure", "True", "FailedCreate", failure, now)
    elif meta.get_condition(status.conditions, "ReplicaFailure") is not None:
        keep = [c for c in status.conditions if c.type != "ReplicaFailure"]
        del status.conditions[:]
        status.conditions.extend(keep)
    return status


def next_availability_check(rs, pods: list[types_pb2.Pod], now: datetime) -> float | None:
    """Seconds until a ready pod turns available (minReadySeconds), so the RS looks again then."""
    waits = [w for p in pods if (w := podstate.seconds_until_available(p, rs.spec.min_ready_seconds, now))]
    return min(waits) if waits else None
