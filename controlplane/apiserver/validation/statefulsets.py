"""Validation of StatefulSets, in Kubernetes' words (pkg/apis/apps/validation): the pod management policy,
the update strategy, a selector selecting the template's pods, claim templates, and what may not change.
"""
from __future__ import annotations

from controlplane.apiserver.validation.fielderrors import Path, at_least, invalid, not_supported, required
from controlplane.apiserver.validation.storage import validate_claim_spec
from controlplane.apiserver.validation.workloads import validate_int_or_percent, validate_selector_and_template
from proto import types_pb2

POD_MANAGEMENT_POLICIES = ("OrderedReady", "Parallel")
RETENTION_POLICIES = ("Retain", "Delete")


def validate_stateful_set(sts: types_pb2.StatefulSet) -> list[str]:
    spec, path = sts.spec, Path("spec")
    errors = []
    policy = spec.pod_management_policy
    if not policy:
        errors.append(required(path.child("podManagementPolicy")))
    elif policy not in POD_MANAGEMENT_POLICIES:
        errors.append(invalid(path.child("podManagementPolicy"), policy, "must be 'OrderedReady' or 'Parallel'"))
    errors += _update_strategy(spec.update_strategy, path.child("updateStrategy"))
    errors += at_least(spec.replicas, 0, path.child("replicas"))
    if spec.HasField("ordinals"):
        errors += at_least(spec.ordinals.start, 0, path.child("ordinals", "start"))
    errors += at_least(spec.min_ready_seconds, 0, path.child("minReadySeconds"))
    if spec.HasField("revision_history_limit"):
        errors += at_least(spec.revision_history_limit, 0, path.child("revisionHistoryLimit"))
    errors += validate_selector_and_template(_with_claim_volumes(spec), path, "statefulset", "StatefulSet")
    errors += _retention(spec.persistent_volume_claim_retention_policy,
                         path.child("persistentVolumeClaimRetentionPolicy"))
    claims_path = path.child("volumeClaimTemplates")
    for i, claim in enumerate(spec.volume_claim_templates):
        p = claims_path.index(i)
        if not claim.metadata.name:
            errors.append(required(p.child("metadata", "name")))
        errors += validate_claim_spec(claim.spec, p.child("spec"))
    return errors


def _with_claim_volumes(spec: types_pb2.StatefulSetSpec) -> types_pb2.StatefulSetSpec:
    """The spec as its pods will have it: each claim template is a volume, so mounts of it are judged
    against the union of volumes and claims (Kubernetes skips the pod spec's check for this reason)."""
    if not spec.volume_claim_templates:
        return spec
    out = types_pb2.StatefulSetSpec()
    out.CopyFrom(spec)
    present = {v.name for v in out.template.spec.volumes}
    for claim in spec.volume_claim_templates:
        if claim.metadata.name and claim.metadata.name not in present:
            out.template.spec.volumes.add(name=claim.metadata.name).persistent_volume_claim.claim_name = \
                claim.metadata.name
    return out


def _update_strategy(strategy: types_pb2.StatefulSetUpdateStrategy, path: Path) -> list[str]:
    kind = strategy.type
    if not kind:
        return [required(path)]
    if kind == "OnDelete":
        if strategy.HasField("rolling_update"):
            return [invalid(path.child("rollingUpdate"), strategy.rolling_update,
                            "only allowed for updateStrategy 'RollingUpdate'")]
        return []
    if kind != "RollingUpdate":
        return [invalid(path, strategy, "must be 'RollingUpdate' or 'OnDelete'")]
    errors = []
    rolling, p = strategy.rolling_update, path.child("rollingUpdate")
    if rolling.HasField("partition"):
        errors += at_least(rolling.partition, 0, p.child("partition"))
    if rolling.max_unavailable.WhichOneof("value") is not None:
        mp = p.child("maxUnavailable")
        problems = validate_int_or_percent(rolling.max_unavailable, mp)
        errors += problems
        value = rolling.max_unavailable
        if not problems and (value.WhichOneof("value") == "int_value" and value.int_value == 0
                             or value.WhichOneof("value") == "str_value" and value.str_value == "0%"):
            errors.append(invalid(mp, value, "must be greater than 0"))
    return errors


def _retention(policy: types_pb2.StatefulSetPersistentVolumeClaimRetentionPolicy, path: Path) -> list[str]:
    errors = []
    for value, name in ((policy.when_deleted, "whenDeleted"), (policy.when_scaled, "whenScaled")):
        if value not in RETENTION_POLICIES:
            errors.append(not_supported(path.child(name), value, RETENTION_POLICIES))
    return errors


def validate_stateful_set_update(new: types_pb2.StatefulSet, old: types_pb2.StatefulSet) -> list[str]:
    """Kubernetes lets an update change only replicas, ordinals, template, updateStrategy, minReadySeconds,
    persistentVolumeClaimRetentionPolicy and revisionHistoryLimit."""
    allowed = ("replicas", "ordinals", "template", "update_strategy", "min_ready_seconds",
               "persistent_volume_claim_retention_policy", "revision_history_limit")
    a, b = types_pb2.StatefulSetSpec(), types_pb2.StatefulSetSpec()
    a.CopyFrom(new.spec)
    b.CopyFrom(old.spec)
    for field in allowed:
        a.ClearField(field)
        b.ClearField(field)
    if a != b:
        return [f"spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', "
                f"'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' "
                f"and 'minReadySeconds' are forbidden"]
    return []
