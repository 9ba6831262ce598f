"""VolumeBinding: a pod's PersistentVolumeClaims (its ephemeral volumes' claims too, once the ephemeral volume
controller has made them for the pod) must exist and, unless their class waits for the first consumer, be bound; a bound volume's node affinity limits the nodes; an unbound WaitForFirstConsumer claim
needs a node where a volume fits it, or a class that provisions one there (Kubernetes' VolumeBinding plugin).

The scheduler reads the claims, volumes and classes from its caches into PodInfo.state[VOLUMES] before each
attempt (`claims_of`): the plugin itself only decides, from that snapshot."""
from __future__ import annotations

from dataclasses import dataclass

from api import storage
from controlplane.scheduler.framework import SKIP, SUCCESS, FilterPlugin, Status
from controlplane.scheduler.nodeinfo import NodeInfo
from controlplane.scheduler.podinfo import PodInfo

VOLUMES = "VolumeBinding.claims"
UNBOUND_IMMEDIATE = Status.unschedulable("pod has unbound immediate PersistentVolumeClaims")
AFFINITY_CONFLICT = Status.unschedulable("node(s) had volume node affinity conflict")
NO_VOLUME = Status.unschedulable("node(s) didn't find available persistent volumes to bind")
# Classes whose volumes can be made on any node, when a pod is placed there (skiff's node-local directories).
NODE_LOCAL_PROVISIONERS = frozenset({storage.LOCAL_PATH_PROVISIONER})


@dataclass(frozen=True)
class Claim:
    name: str
    claim: object | None  # the PersistentVolumeClaim, None when it does not exist
    volume: object | None  # the volume it is bound to
    storage_class: object | None
    ephemeral: bool = False  # an ephemeral volume's claim, made for the pod
    not_for_pod: str = ""  # why an ephemeral volume's claim of that name is not the pod's own
    clone_of: object | None = None  # an unbound node-local clone's source volume: the clone is made on its node


@dataclass(frozen=True)
class PodClaims:
    claims: tuple[Claim, ...]
    volumes: tuple  # every PersistentVolume, for the claims still to bind


def claims_of(pod, claims, volumes, classes) -> PodClaims | None:
    """The snapshot the plugin decides from (None for a pod without claims); arguments are informer-like."""
    found = []
    for v in pod.spec.volumes:
        name = storage.claim_of(pod, v)
        if name is None:
            continue
        pvc = claims.get(f"{pod.metadata.namespace}/{name}")
        pv = volumes.get(pvc.spec.volume_name) if pvc is not None and pvc.spec.volume_name else None
        sc = classes.get(storage.claim_class(pvc)) if pvc is not None and storage.claim_class(pvc) else None
        ephemeral = v.HasField("ephemeral")
        foreign = storage.not_for_pod(pod, pvc) if ephemeral and pvc is not None else ""
        found.append(Claim(name, pvc, pv, sc, ephemeral, foreign, _clone_source(pvc, sc, claims, volumes)))
    if not found:
        return None
    return PodClaims(tuple(found), tuple(volumes.list()) if any(c.volume is None for c in found) else ())


def _clone_source(pvc, sc, claims, volumes):
    """The volume an unbound node-local claim is cloned from (its dataSource claim's), else None."""
    if pvc is None or pvc.spec.volume_name or sc is None or sc.provisioner not in NODE_LOCAL_PROVISIONERS:
        return None
    source = storage.data_source(pvc)
    if source is None or source[:2] != ("", "PersistentVolumeClaim"):
        return None
    source_claim = claims.get(f"{pvc.metadata.namespace}/{source[2]}")
    return volumes.get(source_claim.spec.volume_name) if source_claim is not None and source_claim.spec.volume_name \
        else None


def waits_for_consumer(c: Claim) -> bool:
    return c.storage_class is not None and storage.binding_mode(c.storage_class) == storage.WAIT_FOR_FIRST_CONSUMER


class VolumeBinding(FilterPlugin):
    name = "VolumeBinding"
    resolvable = False

    def pre_filter(self, pod: PodInfo) -> Status:
        facts: PodClaims | None = pod.state.get(VOLUMES)
        if facts is None:
            return SKIP
        for c in facts.claims:
            if c.claim is None and c.ephemeral:  # normal just after the pod is made
                return Status.unschedulable(
                    f'waiting for ephemeral volume controller to create the persistentvolumeclaim "{c.name}"')
            if c.claim is None:
                return Status.unschedulable(f'persistentvolumeclaim "{c.name}" not found')
            if c.claim.metadata.deletion_timestamp:
                return Status.unschedulable(f'persistentvolumeclaim "{c.name}" is being deleted')
            if c.not_for_pod:
                return Status.unschedulable(c.not_for_pod)
            if not c.claim.spec.volume_name and not waits_for_consumer(c):
                return UNBOUND_IMMEDIATE
        return SUCCESS

    def filter(self, pod: PodInfo, node: NodeInfo) -> Status:
        facts: PodClaims = pod.state[VOLUMES]
        for c in facts.claims:
            if c.claim.spec.volume_name:
                if c.volume is None or not storage.fits_node(c.volume, node.labels, node.name):
                    return AFFINITY_CONFLICT
                continue
            def here(pv) -> bool:
                return storage.fits_node(pv, node.labels, node.name)
            if c.clone_of is not None and not here(c.clone_of):
                return AFFINITY_CONFLICT  # a node-local clone is copied on its source's node, and nowhere else
            if storage.find_matching_volume(c.claim, facts.volumes, here) is not None:
                continue
            if c.storage_class.provisioner in NODE_LOCAL_PROVISIONERS and \
                    storage.class_allows_node(c.storage_class, node.labels):
                continue
            return NO_VOLUME
        return SUCCESS


def to_select(facts: PodClaims | None) -> list:
    """The claims the scheduler annotates with the chosen node (volume.kubernetes.io/selected-node)."""
    if facts is None:
        return []
    return [c.claim for c in facts.claims if c.claim is not None and not c.claim.spec.volume_name
            and waits_for_consumer(c)]
