"""A Deployment's ReplicaSets as pure functions: the template hash that names them, which one is
new, the next revision number, the new one to create, and which old ones history no longer keeps.
"""
from __future__ import annotations

from api.deployments import CHANGE_CAUSE, DESIRED_REPLICAS, HASH_LABEL, REVISION, revision_of, same_template
from api.names import GENERATED_ALPHABET as _SAFE_ALPHABET  # Kubernetes' SafeEncodeString alphabet
from proto import types_pb2


def _fnv32a(data: bytes) -> int:
    h = 0x811C9DC5
    for byte in data:
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def template_hash(template: types_pb2.PodTemplateSpec, collision_count: int = 0) -> str:
    """A stable short hash of the pod template (FNV-32a, encoded like Kubernetes' SafeEncodeString)."""
    data = template.SerializeToString(deterministic=True)
    if collision_count:
        data += collision_count.to_bytes(4, "little")
    return "".join(_SAFE_ALPHABET[ord(c) % len(_SAFE_ALPHABET)] for c in str(_fnv32a(data)))


def find_new(deploy: types_pb2.Deployment, rss: list[types_pb2.ReplicaSet]) -> types_pb2.ReplicaSet | None:
    """The ReplicaSet running the deployment's current template (the oldest, if several do)."""
    matching = [rs for rs in rss if same_template(rs.spec.template, deploy.spec.template)]
    return min(matching, key=lambda rs: (rs.metadata.creation_timestamp, rs.metadata.name), default=None)


def next_revision(olds: list[types_pb2.ReplicaSet]) -> int:
    return max((revision_of(rs) for rs in olds), default=0) + 1


def new_replica_set(deploy: types_pb2.Deployment, replicas: int, revision: int,
                    owner_ref: types_pb2.OwnerReference) -> types_pb2.ReplicaSet:
    """The ReplicaSet for the deployment's current template, labelled and selected by its hash."""
    spec = deploy.spec
    h = template_hash(spec.template, deploy.status.collision_count)
    rs = types_pb2.ReplicaSet(api_version="apps/v1", kind="ReplicaSet")
    m = rs.metadata
    m.name = f"{deploy.metadata.name}-{h}"
    m.namespace = deploy.metadata.namespace
    m.labels.update(spec.template.metadata.labels)
    m.labels[HASH_LABEL] = h
    m.annotations[REVISION] = str(revision)
    m.annotations[DESIRED_REPLICAS] = str(spec.replicas)
    if CHANGE_CAUSE in deploy.metadata.annotations:
        m.annotations[CHANGE_CAUSE] = deploy.metadata.annotations[CHANGE_CAUSE]
    m.owner_references.append(owner_ref)
    rs.spec.replicas = replicas
    rs.spec.min_ready_seconds = spec.min_ready_seconds
    rs.spec.selector.CopyFrom(spec.selector)
    rs.spec.selector.match_labels[HASH_LABEL] = h
    rs.spec.template.CopyFrom(spec.template)
    rs.spec.template.metadata.labels[HASH_LABEL] = h
    return rs


def history_to_delete(olds: list[types_pb2.ReplicaSet], limit: int) -> list[types_pb2.ReplicaSet]:
    """Old, empty ReplicaSets past revisionHistoryLimit, oldest revision first."""
    empty = [rs for rs in olds if rs.spec.replicas == 0 and rs.status.replicas == 0
             and not rs.metadata.deletion_timestamp]
    excess = len(empty) - limit
    if excess <= 0:
        return []
    return sorted(empty, key=lambda rs: (revision_of(rs), rs.metadata.creation_timestamp))[:excess]
