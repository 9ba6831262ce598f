"""The StatefulSet controller's decisions as pure functions (Kubernetes' stateful_set_control.go and
stateful_set_utils.go): each pod's identity and claims, which pod to create, delete or update next, status.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from api import manifest
from api.statefulsets import HASH_LABEL, POD_INDEX_LABEL, POD_NAME_LABEL
from controlplane.controllers.core import ownership, podstate
from controlplane.controllers.deployment.revisions import template_hash
from proto import types_pb2

DEFAULT_MAX_UNAVAILABLE = 1


def revision_name(sts: types_pb2.StatefulSet) -> str:
    """The template's revision as Kubernetes names its ControllerRevision: NAME-<hash of the template>."""
    return f"{sts.metadata.name}-{template_hash(sts.spec.template, sts.status.collision_count)}"


def revision_labels(sts: types_pb2.StatefulSet) -> dict[str, str]:
    """A ControllerRevision's labels: the template's, and the template hash."""
    return {**sts.spec.template.metadata.labels,
            HASH_LABEL: template_hash(sts.spec.template, sts.status.collision_count)}


def below_partition(sts: types_pb2.StatefulSet, ordinal: int) -> bool:
    """Whether a RollingUpdate keeps this ordinal at the current revision (newVersionedStatefulSetPod)."""
    return (sts.spec.update_strategy.type == "RollingUpdate"
            and ordinal < sts.spec.ordinals.start + sts.spec.update_strategy.rolling_update.partition)


def pod_revision(sts: types_pb2.StatefulSet, ordinal: int, current: str, update: str) -> str:
    return current if below_partition(sts, ordinal) else update


def versioned(sts: types_pb2.StatefulSet, ordinal: int,
              current_template: types_pb2.PodTemplateSpec) -> types_pb2.StatefulSet:
    """The set a new pod of `ordinal` is made from: below the partition, with the current revision's
    template (Kubernetes' ApplyRevision), so a deleted pod there comes back as it was."""
    if not below_partition(sts, ordinal):
        return sts
    out = types_pb2.StatefulSet()
    out.CopyFrom(sts)
    out.spec.template.CopyFrom(current_template)
    return out


def ordinal_of(sts: types_pb2.StatefulSet, pod: types_pb2.Pod) -> int | None:
    """NAME-<ordinal> gives the ordinal; a pod named otherwise is not one of the set's."""
    match = re.fullmatch(re.escape(sts.metadata.name) + r"-(0|[1-9][0-9]*)", pod.metadata.name)
    return int(match.group(1)) if match else None


def wanted_ordinals(sts: types_pb2.StatefulSet) -> range:
    start = sts.spec.ordinals.start
    return range(start, start + sts.spec.replicas)


def claim_name(template: types_pb2.PersistentVolumeClaim, pod_name: str) -> str:
    return f"{template.metadata.name}-{pod_name}"


def new_pod(sts: types_pb2.StatefulSet, ordinal: int, revision: str) -> types_pb2.Pod:
    """The pod of one ordinal: its stable name and hostname, the governing Service as its subdomain, its
    identity labels, and its own claim for each volumeClaimTemplate."""
    template = sts.spec.template
    name = f"{sts.metadata.name}-{ordinal}"
    pod = types_pb2.Pod(api_version="v1", kind="Pod")
    m = pod.metadata
    m.name, m.namespace = name, sts.metadata.namespace
    m.labels.update(template.metadata.labels)
    m.annotations.update(template.metadata.annotations)
    m.finalizers.extend(template.metadata.finalizers)
    m.labels[POD_NAME_LABEL] = name
    m.labels[POD_INDEX_LABEL] = str(ordinal)
    m.labels[HASH_LABEL] = revision
    m.owner_references.append(ownership.owner_reference(sts))
    pod.spec.CopyFrom(template.spec)
    pod.spec.hostname = name
    if sts.spec.service_name:
        pod.spec.subdomain = sts.spec.service_name
    claims = {c.metadata.name: claim_name(c, name) for c in sts.spec.volume_claim_templates}
    kept = [v for v in pod.spec.volumes if v.name not in claims]
    del pod.spec.volumes[:]
    for claim_template, claim in claims.items():
        volume = pod.spec.volumes.add(name=claim_template)
        volume.persistent_volume_claim.claim_name = claim
    pod.spec.volumes.extend(kept)
    return pod


def claims_for(sts: types_pb2.StatefulSet, pod_name: str) -> list[types_pb2.PersistentVolumeClaim]:
    """The claims a pod needs (`<template>-<pod>`), labelled with the set's selector; owned by the set when
    they go with it (whenDeleted: Delete)."""
    out = []
    for template in sts.spec.volume_claim_templates:
        claim = types_pb2.PersistentVolumeClaim(api_version="v1", kind="PersistentVolumeClaim")
        claim.CopyFrom(template)
        claim.api_version, claim.kind = "v1", "PersistentVolumeClaim"
        claim.ClearField("status")
        claim.metadata.name = claim_name(template, pod_name)
        claim.metadata.namespace = sts.metadata.namespace
        claim.metadata.labels.update(sts.spec.selector.match_labels)
        if sts.spec.persistent_volume_claim_retention_policy.when_deleted == "Delete":
            ref = ownership.owner_reference(sts)
            ref.controller = False
            claim.metadata.owner_references.append(ref)
        out.append(claim)
    return out


def is_terminating(pod: types_pb2.Pod) -> bool:
    return bool(pod.metadata.deletion_timestamp)


def has_ended(pod: types_pb2.Pod) -> bool:
    return pod.status.phase in ("Succeeded", "Failed")


def is_running_and_ready(pod: types_pb2.Pod) -> bool:
    return pod.status.phase == "Running" and podstate.is_ready(pod)


def is_healthy(pod: types_pb2.Pod, min_ready_seconds: int, now: datetime) -> bool:
    """Running, ready for minReadySeconds, and not going away."""
    return (is_running_and_ready(pod) and podstate.is_available(pod, min_ready_seconds, now)
            and not is_terminating(pod))


def max_unavailable(sts: types_pb2.StatefulSet) -> int:
    value = sts.spec.update_strategy.rolling_update.max_unavailable
    plain = manifest.int_or_string_value(value) if value.WhichOneof("value") else None
    if plain is None:
        return DEFAULT_MAX_UNAVAILABLE
    if isinstance(plain, str):  # a percentage of the replicas, rounded down, at least one
        return max(1, sts.spec.replicas * int(plain.rstrip("%")) // 100)
    return max(1, plain)


# ---------------------------------------------------------------- the next step

@dataclass
class Step:
    create: list[int] = field(default_factory=list)  # ordinals to create
    delete: list[types_pb2.Pod] = field(default_factory=list)  # pods to delete (ended, condemned, outdated)
    condemned: list[types_pb2.Pod] = field(default_factory=list)  # the deleted pods scaled away


def next_step(sts: types_pb2.StatefulSet, pods: Mapping[int, types_pb2.Pod], revision: str,
              now: datetime) -> Step:
    """What to do now. OrderedReady: one pod at a time, in ordinal order up and in reverse down, each
    Running and Ready before the next; Parallel: all at once. Then the rolling update, highest ordinal
    first, down to the partition."""
    ordered = sts.spec.pod_management_policy != "Parallel"
    min_ready = sts.spec.min_ready_seconds
    step = Step()
    wanted = wanted_ordinals(sts)
    for ordinal in wanted:
        pod = pods.get(ordinal)
        if pod is None:
            step.create.append(ordinal)
        elif has_ended(pod) and not is_terminating(pod):
            step.delete.append(pod)  # made again at the next sync, under the same name
        elif is_healthy(pod, min_ready, now):
            continue
        if ordered:
            return step
    for ordinal in sorted((o for o in pods if o not in wanted), reverse=True):
        pod = pods[ordinal]
        if not is_terminating(pod):
            step.delete.append(pod)
            step.condemned.append(pod)
        if ordered:
            return step
    if sts.spec.update_strategy.type == "RollingUpdate" and not (ordered and (step.create or step.delete)):
        step.delete += _rolling_update(sts, pods, revision, now)
    return step


def _rolling_update(sts: types_pb2.StatefulSet, pods: Mapping[int, types_pb2.Pod], revision: str,
                    now: datetime) -> list[types_pb2.Pod]:
    wanted = wanted_ordinals(sts)
    limit = max_unavailable(sts)
    unavailable = sum(1 for o in wanted if o not in pods or not is_healthy(pods[o], sts.spec.min_ready_seconds, now))
    partition = sts.spec.update_strategy.rolling_update.partition
    out: list[types_pb2.Pod] = []
    for ordinal in reversed(wanted):
        if ordinal - wanted.start < partition:
            break
        pod = pods.get(ordinal)
        if pod is None:
            continue
        healthy = is_healthy(pod, sts.spec.min_ready_seconds, now)
        if pod.metadata.labels.get(HASH_LABEL) != revision and not is_terminating(pod):
            if healthy:
                if unavailable >= limit:
                    break
                unavailable += 1
            out.append(pod)
        elif not healthy and limit == 1:
            break  # wait for this one before touching a lower ordinal
    return out


# ---------------------------------------------------------------- status

def status_of(sts: types_pb2.StatefulSet, pods: list[types_pb2.Pod], revision: str,
              now: datetime, current: str = "") -> types_pb2.StatefulSetStatus:
    """The status; `current` is the existing revision status.currentRevision names (the update revision
    when none does, as a new set's history starts)."""
    old = sts.status
    s = types_pb2.StatefulSetStatus()
    s.CopyFrom(old)
    s.observed_generation = sts.metadata.generation
    s.update_revision = revision
    s.current_revision = current or old.current_revision or revision
    s.replicas = s.ready_replicas = s.available_replicas = s.current_replicas = s.updated_replicas = 0
    for pod in pods:
        if pod.status.phase:
            s.replicas += 1
        if is_running_and_ready(pod):
            s.ready_replicas += 1
            if podstate.is_available(pod, sts.spec.min_ready_seconds, now):
                s.available_replicas += 1
        if pod.status.phase and not is_terminating(pod):
            label = pod.metadata.labels.get(HASH_LABEL)
            s.current_replicas += label == s.current_revision
            s.updated_replicas += label == revision
    # a finished rolling update makes the update revision the current one (completeRollingUpdate)
    if (sts.spec.update_strategy.type == "RollingUpdate" and s.updated_replicas == s.replicas
            and s.ready_replicas == s.replicas):
        s.current_replicas = s.updated_replicas
        s.current_revision = revision
    return s


def next_availability_check(sts: types_pb2.StatefulSet, pods: list[types_pb2.Pod], now: datetime) -> float | None:
    """Seconds until a ready pod becomes available (minReadySeconds), to look again then."""
    waits = [podstate.seconds_until_available(p, sts.spec.min_ready_seconds, now) for p in pods]
    waits = [w for w in waits if w]
    return min(waits) if waits else None
