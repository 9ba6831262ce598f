"""The binder's decisions as pure functions: what a volume's phase should be given its claim, and what a
released volume's reclaim policy does with it (Kubernetes' pkg/controller/volume/persistentvolume)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from api import storage
from proto import types_pb2


@dataclass(frozen=True)
class VolumeVerdict:
    phase: str
    reclaim: str = ""  # "Delete", "Retain" or "" (nothing to do): what to do with a Released volume
    message: str = ""  # status.message (a Failed volume says why)


def volume_verdict(pv, claim) -> VolumeVerdict:
    """The volume's phase given the claim its claimRef names (`claim` None: no such claim, or another uid)."""
    if not pv.spec.HasField("claim_ref"):
        return VolumeVerdict(storage.AVAILABLE)
    if not pv.spec.claim_ref.uid:
        return VolumeVerdict(storage.AVAILABLE)  # pre-bound by an admin: kept for that claim
    if claim is None:
        policy = pv.spec.persistent_volume_reclaim_policy or "Retain"
        if policy == "Delete" and pv.metadata.annotations.get(storage.PROVISIONED_BY) != \
                storage.LOCAL_PATH_PROVISIONER:
            # as Kubernetes says of a volume no plugin it has can delete (a hostPath or local one)
            return VolumeVerdict(storage.FAILED, "Delete", f'error getting deleter volume plugin for volume '
                                                           f'"{pv.metadata.name}": no deletable volume plugin matched')
        return VolumeVerdict(storage.RELEASED, policy if policy == "Delete" else "Retain")
    if claim.spec.volume_name == pv.metadata.name:
        return VolumeVerdict(storage.BOUND)
    return VolumeVerdict(pv.status.phase or storage.AVAILABLE)  # the claim's side of the bind is under way


def claim_problem(pvc, classes: dict) -> tuple[str, str]:
    """(event reason, message) of a claim that found no volume, as Kubernetes words each case."""
    name = storage.claim_class(pvc)
    if not name:
        return "FailedBinding", "no persistent volumes available for this claim and no storage class is set"
    sc = classes.get(name)
    if sc is None:
        return "ProvisioningFailed", f'storageclass.storage.k8s.io "{name}" not found'
    if storage.binding_mode(sc) == storage.WAIT_FOR_FIRST_CONSUMER:
        return "WaitForFirstConsumer", "waiting for first consumer to be created before binding"
    return "ExternalProvisioning", (f"Waiting for a volume to be created either by the external provisioner "
                                    f"'{sc.provisioner}' or manually by the system administrator. If volume "
                                    f"creation is delayed, please verify that the provisioner is running and "
                                    f"correctly registered.")


DEFAULT_LOCAL_PATH = "/var/lib/skiff/local-path"  # on the node; a class's `path` parameter moves it


def provisioned_name(pvc) -> str:
    return f"pvc-{pvc.metadata.uid}"


def provisioned_volume(pvc, sc, node: str):
    """The PersistentVolume skiff's node-local provisioner makes for a claim on `node`: a directory named after
    the volume and the claim under the class's path, pinned to that node, pre-bound to the claim, reclaimed
    as the class says (the directory removed by the node's agent on Delete), as rancher's local-path does."""
    name = provisioned_name(pvc)
    base = sc.parameters.get("path", DEFAULT_LOCAL_PATH).rstrip("/") or "/"
    reclaim = sc.reclaim_policy if sc.HasField("reclaim_policy") else "Delete"
    pv = types_pb2.PersistentVolume(api_version="v1", kind="PersistentVolume")
    pv.metadata.name = name
    pv.metadata.annotations[storage.PROVISIONED_BY] = sc.provisioner
    if reclaim == "Delete":
        pv.metadata.finalizers.append(storage.LOCAL_PATH_CLEANUP)
    spec = pv.spec
    spec.capacity["storage"] = pvc.spec.resources.requests.get("storage", "0")
    spec.access_modes.extend(pvc.spec.access_modes)
    spec.host_path.path = f"{base}/{name}_{pvc.metadata.namespace}_{pvc.metadata.name}"
    spec.host_path.type = "DirectoryOrCreate"
    spec.persistent_volume_reclaim_policy = reclaim
    spec.storage_class_name = sc.metadata.name
    spec.volume_mode = pvc.spec.volume_mode or "Filesystem"
    spec.mount_options.extend(sc.mount_options)
    term = spec.node_affinity.required.node_selector_terms.add()
    term.match_expressions.add(key="kubernetes.io/hostname", operator="In", values=[node])
    spec.claim_ref.CopyFrom(types_pb2.ObjectReference(
        kind="PersistentVolumeClaim", api_version="v1", namespace=pvc.metadata.namespace, name=pvc.metadata.name,
        uid=pvc.metadata.uid, resource_version=pvc.metadata.resource_version))
    return pv


@dataclass(frozen=True)
class ClonePlan:
    """Where a claim with a dataSource is provisioned: the source's node and directory, or why it cannot be."""
    node: str = ""
    source_directory: str = ""
    reason: str = ""  # an event reason when it cannot (ProvisioningFailed), "" when it can
    message: str = ""


def pinned_node(pv) -> str:
    """The one node a local-path volume's affinity names (kubernetes.io/hostname In [node])."""
    for term in pv.spec.node_affinity.required.node_selector_terms:
        for e in term.match_expressions:
            if e.key == "kubernetes.io/hostname" and e.operator == "In" and len(e.values) == 1:
                return e.values[0]
    return ""


def clone_plan(pvc, sc, claim: Callable[[str], object], volume: Callable[[str], object]) -> ClonePlan:
    """How skiff's local-path provisioner fills a claim from its dataSource, with the CSI cloning rules: the
    source is a claim of the same namespace and class, bound, no larger than the new claim; the copy is made on
    the source volume's node. A VolumeSnapshot cannot be read: skiff serves no snapshot.storage.k8s.io, as a
    Kubernetes cluster without the snapshot CRDs (`claim`, `volume`: lookups by namespace/name and by name)."""
    group, kind, name = storage.data_source(pvc)
    prefix = f'failed to provision volume with StorageClass "{sc.metadata.name}": '

    def refused(message: str) -> ClonePlan:
        return ClonePlan(reason="ProvisioningFailed", message=prefix + message)
    if (group, kind) == (storage.SNAPSHOT_GROUP, storage.SNAPSHOT_KIND):
        return refused(f"error getting handle for DataSource Type VolumeSnapshot by Name {name}: error getting "
                       f"snapshot {name} from api server: the server could not find the requested resource "
                       f"(get volumesnapshots.{storage.SNAPSHOT_GROUP} {name})")
    if (group, kind) != ("", "PersistentVolumeClaim"):
        return refused(f'data source {kind}.{group} "{name}" is not supported by the {sc.provisioner} provisioner: '
                       f"only PersistentVolumeClaims can be cloned")
    source = claim(f"{pvc.metadata.namespace}/{name}")
    if source is None:
        return refused(f'error getting PVC {name} (namespace "{pvc.metadata.namespace}") from api server: '
                       f'persistentvolumeclaims "{name}" not found')
    if source.status.phase != storage.BOUND:
        return refused(f"the PVC {name} not bound")
    if storage.claim_class(source) != storage.claim_class(pvc):
        return refused(f"the source PVC and destination PVCs must be in the same storage class for cloning. "
                       f"Source is in {storage.claim_class(source)}, but new PVC is in {storage.claim_class(pvc)}")
    wanted, have = storage.requested_bytes(pvc), storage.requested_bytes(source)
    if wanted < have:
        return refused(f"error, new PVC request must be greater than or equal in size to the specified PVC data "
                       f"source, requested {wanted} but source is {have}")
    pv = volume(source.spec.volume_name)
    node = pinned_node(pv) if pv is not None else ""
    if pv is None or pv.metadata.annotations.get(storage.PROVISIONED_BY) != storage.LOCAL_PATH_PROVISIONER or \
            not node:
        return refused(f"the source PVC {name} is not a volume of the {storage.LOCAL_PATH_PROVISIONER} provisioner")
    selected = pvc.metadata.annotations.get(storage.SELECTED_NODE, "")
    if selected and selected != node:
        return refused(f'the source PVC {name} is on node "{node}": its clone cannot be made on "{selected}"')
    return ClonePlan(node=node, source_directory=pv.spec.host_path.path)


def cloned_volume(pvc, sc, plan: ClonePlan):
    """The clone's PersistentVolume: the provisioner's, pinned to the source's node, naming what its node copies."""
    pv = provisioned_volume(pvc, sc, plan.node)
    pv.metadata.annotations[storage.CLONE_SOURCE] = plan.source_directory
    return pv
