"""Validation of PersistentVolumes, PersistentVolumeClaims and StorageClasses, in Kubernetes' words
(pkg/apis/core/validation ValidatePersistentVolume/Claim, pkg/apis/storage/validation)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from api import names, quantity, storage
from controlplane.apiserver.validation.fielderrors import (Path, each, forbidden, invalid, manifest_name,
                                                           not_supported, required)
from controlplane.apiserver.validation.meta import validate_annotations, validate_label_selector, validate_labels
from controlplane.apiserver.validation.pods import validate_host_path, validate_node_selector
from proto import types_pb2

PV_SOURCES = ("host_path", "local")
IMMUTABLE = "field is immutable"


def _access_modes(modes: Iterable[str], path: Path) -> list[str]:
    modes = list(modes)
    if not modes:
        return [required(path, "at least 1 access mode is required")]
    errors = [not_supported(path, m, storage.ACCESS_MODES) for m in modes if m not in storage.ACCESS_MODES]
    if "ReadWriteOncePod" in modes and len(modes) > 1:
        errors.append(forbidden(path, "may not use ReadWriteOncePod with other access modes"))
    return errors


def _storage_quantity(values: Mapping[str, str], path: Path) -> list[str]:
    """The `storage` entry of a capacity or a request: a quantity greater than zero."""
    if "storage" not in values:
        return []  # the caller says what a missing one means
    text, p = values["storage"], path.key("storage")
    try:
        value = quantity.parse_quantity(text)
    except quantity.QuantityError:
        return [invalid(p, text, "must be a valid quantity")]
    if value < 0:
        return [invalid(p, text, "must be greater than or equal to 0")]
    if value == 0:
        return [invalid(p, text, "must be greater than zero")]
    return []


def _class_name(name: str, path: Path) -> list[str]:
    return each(names.dns1123_subdomain(name), path, name) if name else []


def _volume_mode(spec, path: Path) -> list[str]:
    if spec.HasField("volume_mode") and spec.volume_mode not in storage.VOLUME_MODES:
        return [not_supported(path, spec.volume_mode, storage.VOLUME_MODES)]
    return []


# ---------------------------------------------------------------- PersistentVolume

def validate_persistent_volume(pv: types_pb2.PersistentVolume) -> list[str]:
    spec, path = pv.spec, Path("spec")
    errors = _access_modes(spec.access_modes, path.child("accessModes")) if spec.access_modes else \
        [required(path.child("accessModes"))]
    if not spec.capacity:
        errors.append(required(path.child("capacity")))
    else:
        for resource in spec.capacity:
            if resource != "storage":
                errors.append(not_supported(path.child("capacity"), resource, ("storage",)))
        errors += _storage_quantity(spec.capacity, path.child("capacity"))
    reclaim = spec.persistent_volume_reclaim_policy
    if reclaim and reclaim not in storage.PV_RECLAIM_POLICIES:
        errors.append(not_supported(path.child("persistentVolumeReclaimPolicy"), reclaim,
                                    storage.PV_RECLAIM_POLICIES))
    errors += _class_name(spec.storage_class_name, path.child("storageClassName"))
    errors += _volume_mode(spec, path.child("volumeMode"))
    sources = [f for f in PV_SOURCES if spec.HasField(f)]
    if not sources:
        errors.append(required(path, "must specify a volume type"))
    for extra in sources[1:]:
        errors.append(forbidden(path.child(manifest_name(spec, extra)), "may not specify more than 1 volume type"))
    if spec.HasField("host_path"):
        errors += validate_host_path(spec.host_path, path.child("hostPath"))
        if spec.host_path.path and not spec.host_path.path.startswith("/"):  # a volume skiff's binder hands out
            errors.append(invalid(path.child("hostPath", "path"), spec.host_path.path, "must be an absolute path"))
        if reclaim == "Recycle" and spec.host_path.path == "/":
            errors.append(forbidden(path.child("persistentVolumeReclaimPolicy"),
                                    'may not be \'recycle\' for a hostPath mount of \'/\''))
    if spec.HasField("local"):
        local = path.child("local", "path")
        if not spec.local.path:
            errors.append(required(local))
        elif not spec.local.path.startswith("/"):
            errors.append(invalid(local, spec.local.path, "must be an absolute path"))
        elif ".." in spec.local.path.split("/"):
            errors.append(invalid(local, spec.local.path, "must not contain '..'"))
        if not spec.HasField("node_affinity"):
            errors.append(required(path.child("nodeAffinity"), "Local volume requires node affinity"))
    if spec.HasField("node_affinity"):
        affinity = path.child("nodeAffinity", "required")
        if not spec.node_affinity.HasField("required"):
            errors.append(required(affinity, "must specify required node constraints"))
        else:
            errors += validate_node_selector(spec.node_affinity.required, affinity)
    if spec.HasField("claim_ref") and not spec.claim_ref.name:
        errors.append(required(path.child("claimRef", "name")))
    return errors


def validate_persistent_volume_update(new: types_pb2.PersistentVolume, old: types_pb2.PersistentVolume) -> list[str]:
    errors = []
    if any(getattr(new.spec, f) != getattr(old.spec, f) or new.spec.HasField(f) != old.spec.HasField(f)
           for f in PV_SOURCES):
        errors.append(forbidden(Path("spec.persistentvolumesource"),
                                "spec.persistentvolumesource is immutable after creation"))
    if old.spec.HasField("node_affinity") and new.spec.node_affinity != old.spec.node_affinity:
        errors.append(invalid(Path("nodeAffinity"), new.spec.node_affinity, IMMUTABLE))
    if new.spec.volume_mode != old.spec.volume_mode:
        errors.append(invalid(Path("spec.volumeMode"), new.spec.volume_mode, IMMUTABLE))
    return errors


# ---------------------------------------------------------------- PersistentVolumeClaim

def validate_claim_spec(spec: types_pb2.PersistentVolumeClaimSpec, path: Path) -> list[str]:
    errors = _access_modes(spec.access_modes, path.child("accessModes"))
    if spec.HasField("selector"):
        errors += validate_label_selector(spec.selector, path.child("selector"))
    requests = path.child("resources", "requests")
    if "storage" not in spec.resources.requests:
        errors.append(required(path.child("resources").key("storage")))
    else:
        errors += _storage_quantity(spec.resources.requests, requests)
    for resource in spec.resources.requests:
        if resource != "storage":
            errors.append(not_supported(requests.key(resource), resource, ("storage",)))
    if "storage" in spec.resources.limits:
        errors += _storage_quantity(spec.resources.limits, path.child("resources", "limits"))
    if spec.HasField("storage_class_name"):
        errors += _class_name(spec.storage_class_name, path.child("storageClassName"))
    errors += _volume_mode(spec, path.child("volumeMode"))
    if spec.HasField("data_source"):
        errors += _data_source(spec.data_source, path.child("dataSource"))
    if spec.HasField("data_source_ref"):
        errors += _data_source(spec.data_source_ref, path.child("dataSourceRef"))
        if spec.data_source_ref.namespace:
            errors.append(forbidden(path.child("dataSourceRef", "namespace"), "cross-namespace data sources are not "
                                    "supported (the CrossNamespaceVolumeDataSource feature is off)"))
    if spec.HasField("data_source") and spec.HasField("data_source_ref") and not _same_source(spec):
        errors.append(invalid(path, str(path.child("dataSource")), "must match dataSourceRef"))
    return errors


def _data_source(ref, path: Path) -> list[str]:
    """Kubernetes' validateDataSource/validateDataSourceRef: a name and a kind; the core group holds only claims."""
    errors = []
    if not ref.name:
        errors.append(required(path.child("name")))
    if not ref.kind:
        errors.append(required(path.child("kind")))
    if not ref.api_group and ref.kind != "PersistentVolumeClaim":
        errors.append(invalid(path, ref.kind, "must be 'PersistentVolumeClaim' when referencing the default apiGroup"))
    if ref.api_group:
        errors += each(names.dns1123_subdomain(ref.api_group), path.child("apiGroup"), ref.api_group)
    return errors


def _same_source(spec) -> bool:
    a, b = spec.data_source, spec.data_source_ref
    return (a.api_group, a.kind, a.name) == (b.api_group, b.kind, b.name) and not b.namespace


# Go's field names, lower-cased at the first letter, as Kubernetes' validateFieldAllowList names them
_GO_META_NAMES = {"uid": "uID"}


def validate_ephemeral_volume(source: types_pb2.EphemeralVolumeSource, path: Path) -> list[str]:
    """A pod's generic ephemeral volume: a claim template whose spec is a claim's and whose metadata holds only
    labels and annotations (Kubernetes' validateEphemeralVolumeSource, ValidateTemplateObjectMeta)."""
    p = path.child("volumeClaimTemplate")
    if not source.HasField("volume_claim_template"):
        return [required(p)]
    template, meta_path = source.volume_claim_template, p.child("metadata")
    errors = validate_annotations(template.metadata.annotations, meta_path.child("annotations"))
    errors += validate_labels(template.metadata.labels, meta_path.child("labels"))
    for field, _ in template.metadata.ListFields():
        if field.name not in ("labels", "annotations"):
            name = _GO_META_NAMES.get(field.json_name, field.json_name)
            errors.append(forbidden(meta_path.child(name), "cannot be set for an ephemeral volume"))
    return errors + validate_claim_spec(template.spec, p.child("spec"))


def validate_claim(pvc: types_pb2.PersistentVolumeClaim) -> list[str]:
    return validate_claim_spec(pvc.spec, Path("spec"))


def validate_claim_update(new: types_pb2.PersistentVolumeClaim, old: types_pb2.PersistentVolumeClaim) -> list[str]:
    """A claim's spec is fixed once made, except the size a bound claim asks for (never less than before), a
    volumeName the binder fills in and a class the default-class admission fills in, as Kubernetes'
    ValidatePersistentVolumeClaimUpdate."""
    def comparable(spec: types_pb2.PersistentVolumeClaimSpec) -> types_pb2.PersistentVolumeClaimSpec:
        copied = types_pb2.PersistentVolumeClaimSpec()
        copied.CopyFrom(spec)
        if new.status.phase == storage.BOUND or old.status.phase == storage.BOUND:
            copied.resources.requests.pop("storage", None)
        if not old.spec.volume_name:
            copied.volume_name = ""
        if not old.spec.HasField("storage_class_name"):
            copied.ClearField("storage_class_name")
        return copied
    errors = []
    if comparable(new.spec) != comparable(old.spec):
        errors.append(forbidden(Path("spec"), "spec is immutable after creation except resources.requests and "
                                              "volumeAttributesClassName for bound claims"))
    if storage.requested_bytes(new) < storage.requested_bytes(old):
        errors.append(forbidden(Path("spec.resources.requests.storage"),
                                "field can not be less than previous value"))
    return errors


# ---------------------------------------------------------------- StorageClass

def validate_storage_class(sc: types_pb2.StorageClass) -> list[str]:
    errors = []
    if not sc.provisioner:
        errors.append(required(Path("provisioner")))
    else:
        errors += each(names.qualified_name(sc.provisioner), Path("provisioner"), sc.provisioner)
    if sc.HasField("reclaim_policy") and sc.reclaim_policy not in storage.SC_RECLAIM_POLICIES:
        errors.append(not_supported(Path("reclaimPolicy"), sc.reclaim_policy, storage.SC_RECLAIM_POLICIES))
    if sc.HasField("volume_binding_mode") and sc.volume_binding_mode not in storage.BINDING_MODES:
        errors.append(not_supported(Path("volumeBindingMode"), sc.volume_binding_mode, storage.BINDING_MODES))
    for i, term in enumerate(sc.allowed_topologies):
        path = Path("allowedTopologies").index(i).child("matchLabelExpressions")
        if not term.match_label_expressions:
            errors.append(required(path, "must have at least one label expression"))
        for j, e in enumerate(term.match_label_expressions):
            errors += each(names.qualified_name(e.key), path.index(j).child("key"), e.key)
            if not e.values:
                errors.append(required(path.index(j).child("values"), "must specify as least one value"))
    return errors


def validate_storage_class_update(new: types_pb2.StorageClass, old: types_pb2.StorageClass) -> list[str]:
    errors = []
    if dict(new.parameters) != dict(old.parameters):
        errors.append(forbidden(Path("parameters"), "updates to parameters are forbidden."))
    if new.provisioner != old.provisioner:
        errors.append(forbidden(Path("provisioner"), "updates to provisioner are forbidden."))
    if new.reclaim_policy != old.reclaim_policy:
        errors.append(forbidden(Path("reclaimPolicy"), "updates to reclaimPolicy are forbidden."))
    if new.volume_binding_mode != old.volume_binding_mode:
        errors.append(invalid(Path("volumeBindingMode"), new.volume_binding_mode, IMMUTABLE))
    return errors

