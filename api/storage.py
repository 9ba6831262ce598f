"""The vocabulary of persistent storage (PersistentVolumes, claims, StorageClasses) with Kubernetes' names,
and the small readings of those objects that the API server, the controllers, the scheduler and the CLI share."""
from __future__ import annotations

from collections.abc import Iterable

from api import quantity, selectors

ACCESS_MODES = ("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod")
SHORT_ACCESS_MODES = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX",
                      "ReadWriteOncePod": "RWOP"}
VOLUME_MODES = ("Block", "Filesystem")
PV_RECLAIM_POLICIES = ("Delete", "Recycle", "Retain")
SC_RECLAIM_POLICIES = ("Delete", "Retain")
BINDING_MODES = ("Immediate", "WaitForFirstConsumer")
IMMEDIATE, WAIT_FOR_FIRST_CONSUMER = BINDING_MODES

# phases
PENDING, AVAILABLE, BOUND, RELEASED, FAILED, LOST = "Pending", "Available", "Bound", "Released", "Failed", "Lost"

# annotations, as Kubernetes names them
DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"
BETA_DEFAULT_CLASS = "storageclass.beta.kubernetes.io/is-default-class"
SELECTED_NODE = "volume.kubernetes.io/selected-node"  # the scheduler's choice for a WaitForFirstConsumer claim
STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner"  # a claim waiting for this provisioner
BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner"
PROVISIONED_BY = "pv.kubernetes.io/provisioned-by"  # on a PV a provisioner made
BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
PV_PROTECTION = "kubernetes.io/pv-protection"
PVC_PROTECTION = "kubernetes.io/pvc-protection"

# skiff's node-local provisioner (as rancher's local-path): a directory on the node the pod runs on
LOCAL_PATH_PROVISIONER = "skiff.io/local-path"
# the finalizer that keeps a provisioned PV until its node's agent has removed the directory
LOCAL_PATH_CLEANUP = "skiff.io/local-path-cleanup"
DEFAULT_CLASS_NAME = "standard"
# a clone's PV (spec.dataSource naming another claim): the source volume's directory its node copies in, and
# the mark the node sets once the copy is made (the binder binds the claim only then)
CLONE_SOURCE = "skiff.io/clone-source"
CLONED = "skiff.io/cloned"
SNAPSHOT_GROUP, SNAPSHOT_KIND = "snapshot.storage.k8s.io", "VolumeSnapshot"


def normalize_data_sources(spec) -> None:
    """Kubernetes' NormalizeDataSources on a claim's create: dataSource and dataSourceRef each filled from the
    other when only one is given (a dataSourceRef into another namespace is not copied back)."""
    if spec.HasField("data_source") and not spec.HasField("data_source_ref"):
        ref = spec.data_source_ref
        ref.kind, ref.name = spec.data_source.kind, spec.data_source.name
        if spec.data_source.HasField("api_group"):
            ref.api_group = spec.data_source.api_group
    elif spec.HasField("data_source_ref") and not spec.HasField("data_source") and \
            not spec.data_source_ref.namespace:
        src = spec.data_source
        src.kind, src.name = spec.data_source_ref.kind, spec.data_source_ref.name
        if spec.data_source_ref.HasField("api_group"):
            src.api_group = spec.data_source_ref.api_group


def data_source(pvc) -> tuple[str, str, str] | None:
    """(apiGroup, kind, name) the claim's content comes from (dataSourceRef first, as the provisioner reads it)."""
    spec = pvc.spec
    ref = spec.data_source_ref if spec.HasField("data_source_ref") else \
        spec.data_source if spec.HasField("data_source") else None
    return None if ref is None else (ref.api_group, ref.kind, ref.name)


def is_default_class(sc) -> bool:
    annotations = sc.metadata.annotations
    return annotations.get(DEFAULT_CLASS) == "true" or annotations.get(BETA_DEFAULT_CLASS) == "true"


def default_class(classes: Iterable) -> str | None:
    """The name of the default StorageClass: the newest of those marked default, the first by name among equally
    new ones (Kubernetes 1.28+), else None."""
    marked = sorted((sc for sc in classes if is_default_class(sc) and not sc.metadata.deletion_timestamp),
                    key=lambda sc: sc.metadata.name)
    if not marked:
        return None
    return max(marked, key=lambda sc: sc.metadata.creation_timestamp).metadata.name  # max keeps the first of ties


def binding_mode(sc) -> str:
    return sc.volume_binding_mode if sc is not None and sc.HasField("volume_binding_mode") else IMMEDIATE


def claim_class(pvc) -> str:
    """The class a claim asks for ("" for none)."""
    return pvc.spec.storage_class_name if pvc.spec.HasField("storage_class_name") else ""


def requested_bytes(pvc) -> int:
    text = pvc.spec.resources.requests.get("storage", "0")
    try:
        return quantity.to_bytes(text)
    except quantity.QuantityError:
        return 0


def capacity_bytes(pv) -> int:
    try:
        return quantity.to_bytes(pv.spec.capacity.get("storage", "0"))
    except quantity.QuantityError:
        return 0


def access_modes_text(modes: Iterable[str]) -> str:
    """kubectl's ACCESS MODES column: `RWO,ROX`, in Kubernetes' fixed order."""
    wanted = set(modes)
    return ",".join(SHORT_ACCESS_MODES[m] for m in ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany",
                                                    "ReadWriteOncePod") if m in wanted)


# ---------------------------------------------------------------- the claims a pod uses

def ephemeral_claim_name(pod, volume) -> str:
    """The claim of a generic ephemeral volume, `<pod>-<volume>` (Kubernetes' ephemeral.VolumeClaimName)."""
    return f"{pod.metadata.name}-{volume.name}"


def claim_of(pod, volume) -> str | None:
    """The claim a pod's volume reads: a persistentVolumeClaim's claimName, or the claim made for an ephemeral
    volume; None for a volume of another source. Every reader of a pod's claims asks here, so an ephemeral
    volume is, once its claim exists, exactly a persistentVolumeClaim volume of that name."""
    if volume.HasField("persistent_volume_claim"):
        return volume.persistent_volume_claim.claim_name
    if volume.HasField("ephemeral"):
        return ephemeral_claim_name(pod, volume)
    return None


def claim_names(pod) -> list[str]:
    """The claims of every volume of the pod that reads one, in the pod's order."""
    return [name for v in pod.spec.volumes if (name := claim_of(pod, v)) is not None]


def not_for_pod(pod, pvc) -> str:
    """Why an ephemeral volume's claim may not be used by the pod ("" if it may): it must be the pod's own,
    not a claim of that name someone else made (Kubernetes' ephemeral.VolumeIsForPod)."""
    ref = next((r for r in pvc.metadata.owner_references if r.controller), None)
    if ref is not None and ref.uid == pod.metadata.uid:
        return ""
    return (f"PVC {pvc.metadata.namespace}/{pvc.metadata.name} was not created for pod "
            f"{pod.metadata.namespace}/{pod.metadata.name} (pod is not owner)")


def claim_key(ref) -> str:
    """`namespace/name` of the claim an ObjectReference (a PV's claimRef) names."""
    return f"{ref.namespace}/{ref.name}"


def host_directory(pv) -> str:
    """The node directory a hostPath or local PV stands for ("" for any other source)."""
    if pv.spec.HasField("host_path"):
        return pv.spec.host_path.path
    if pv.spec.HasField("local"):
        return pv.spec.local.path
    return ""


def is_bound_to(pv, pvc) -> bool:
    """Whether the volume's claimRef names this claim (a claimRef without uid: pre-bound by an admin)."""
    ref = pv.spec.claim_ref
    return (pv.spec.HasField("claim_ref") and ref.name == pvc.metadata.name
            and ref.namespace == pvc.metadata.namespace and ref.uid in ("", pvc.metadata.uid))


def _volume_mode(spec) -> str:
    return spec.volume_mode if spec.HasField("volume_mode") else "Filesystem"


def find_matching_volume(pvc, volumes: Iterable, fits_node=None):
    """The volume a claim binds to, as Kubernetes' FindMatchingVolume: one pre-bound to it, else the smallest
    Available one of the claim's class with every access mode it asks for, at least its size, labels its
    selector matches (and, given `fits_node`, a node affinity the chosen node satisfies); None if no volume fits."""
    selector = None
    if pvc.spec.HasField("selector"):
        try:
            selector = selectors.from_match(pvc.spec.selector.match_labels, pvc.spec.selector.match_expressions)
        except selectors.SelectorError:
            return None
    wanted_modes, wanted_bytes, wanted_class = set(pvc.spec.access_modes), requested_bytes(pvc), claim_class(pvc)
    best, best_bytes = None, 0
    for pv in volumes:
        if _volume_mode(pv.spec) != _volume_mode(pvc.spec) or pv.metadata.deletion_timestamp:
            continue
        node_ok = fits_node is None or fits_node(pv)
        if is_bound_to(pv, pvc):
            return pv if node_ok else None
        if pv.status.phase != AVAILABLE or pv.spec.HasField("claim_ref"):
            continue
        if selector is not None and not selector.matches(pv.metadata.labels):
            continue
        if pv.spec.storage_class_name != wanted_class or not node_ok:
            continue
        if not wanted_modes <= set(pv.spec.access_modes):
            continue
        size = capacity_bytes(pv)
        if size >= wanted_bytes and (best is None or size < best_bytes):
            best, best_bytes = pv, size
    return best


def _requirement_matches(e, labels, name: str, field: bool) -> bool:
    if field:  # metadata.name is the only node field Kubernetes selects on
        return e.key == "metadata.name" and e.operator in ("In", "NotIn") and (name in e.values) == (e.operator == "In")
    if e.operator in ("Gt", "Lt"):
        try:
            value, (bound,) = int(labels[e.key]), (int(v) for v in e.values)
        except (KeyError, ValueError):
            return False
        return value > bound if e.operator == "Gt" else value < bound
    try:
        return selectors.from_match(None, [e]).matches(labels)
    except selectors.SelectorError:
        return False  # an invalid requirement matches nothing, as Kubernetes treats it


def fits_node(pv, labels, name: str) -> bool:
    """Whether a node (its labels and name) satisfies the volume's required node affinity: terms ORed, the
    requirements of a term ANDed, an empty term matching nothing."""
    if not pv.spec.node_affinity.HasField("required"):
        return True
    for term in pv.spec.node_affinity.required.node_selector_terms:
        parts = [(e, False) for e in term.match_expressions] + [(e, True) for e in term.match_fields]
        if parts and all(_requirement_matches(e, labels, name, f) for e, f in parts):
            return True
    return False


def class_allows_node(sc, labels) -> bool:
    """Whether a class's allowedTopologies (none: every node) let it make a volume on a node with `labels`."""
    if sc is None or not sc.allowed_topologies:
        return True
    return any(all(labels.get(e.key) in e.values for e in term.match_label_expressions)
               for term in sc.allowed_topologies)
