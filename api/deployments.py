"""The revision bookkeeping of Deployments that the controller writes and `skiff rollout` reads:
the well-known labels and annotations, a ReplicaSet's revision, and the template of a revision.
"""
from __future__ import annotations

from proto import types_pb2

HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
CHANGE_CAUSE = "kubernetes.io/change-cause"


def revision_of(rs: types_pb2.ReplicaSet) -> int:
    try:
        return int(rs.metadata.annotations.get(REVISION, "0"))
    except ValueError:
        return 0


def without_hash(template: types_pb2.PodTemplateSpec) -> types_pb2.PodTemplateSpec:
    out = types_pb2.PodTemplateSpec()
    out.CopyFrom(template)
    out.metadata.labels.pop(HASH_LABEL, None)
    return out


def same_template(a: types_pb2.PodTemplateSpec, b: types_pb2.PodTemplateSpec) -> bool:
    """Whether two templates make the same pods; the hash label a ReplicaSet adds does not count."""
    return without_hash(a) == without_hash(b)


def template_of_revision(rss: list[types_pb2.ReplicaSet], revision: int) -> types_pb2.PodTemplateSpec | None:
    """For a rollback: the template of `revision`, or of the one before the newest when revision is 0."""
    ordered = sorted(rss, key=revision_of)
    if revision == 0:
        if len(ordered) < 2:
            return None
        return without_hash(ordered[-2].spec.template)
    for rs in ordered:
        if revision_of(rs) == revision:
            return without_hash(rs.spec.template)
    return None
