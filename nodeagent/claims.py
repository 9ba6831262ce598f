"""A pod's persistentVolumeClaim and ephemeral volumes resolved to the node directories of the volumes their
claims are bound to (the kubelet's PVC lookup before mounting), read through the API until they are all bound."""
from __future__ import annotations

from dataclasses import dataclass

from api import errors, storage
from nodeagent.volumes import VolumeError
from proto import types_pb2


@dataclass(frozen=True)
class ClaimDir:
    path: str  # on this node
    create: bool  # made if missing (a provisioned volume's directory, a hostPath of type DirectoryOrCreate or "")
    read_only: bool  # the pod's volume says readOnly


def claim_dir(volume: types_pb2.Volume, pvc, pv) -> ClaimDir:
    """Where a bound claim's volume lives on the node; VolumeError for a source this node cannot mount."""
    path = storage.host_directory(pv)
    if not path:
        raise VolumeError(volume.name, f'persistentvolume "{pv.metadata.name}" has no hostPath or local source')
    create = pv.spec.HasField("host_path") and pv.spec.host_path.type in ("DirectoryOrCreate", "")
    # an ephemeral volume has no readOnly of its own: the pod's mounts say it
    return ClaimDir(path, create, volume.persistent_volume_claim.read_only)


async def resolve(client, pod: types_pb2.Pod) -> dict[str, ClaimDir]:
    """Volume name -> directory for every volume of the pod that reads a claim, or VolumeError with the
    kubelet's words for a claim that is missing, not bound yet, or (an ephemeral volume's) not the pod's own."""
    found: dict[str, ClaimDir] = {}
    namespace = pod.metadata.namespace
    for volume in pod.spec.volumes:
        name = storage.claim_of(pod, volume)
        if name is None:
            continue
        where = f"error processing PVC {namespace}/{name}"
        try:
            pvc = await client.get("PersistentVolumeClaim", name, namespace)
        except errors.NotFound:
            raise VolumeError(volume.name, f'{where}: failed to fetch PVC from API server: persistentvolumeclaims '
                                           f'"{name}" not found') from None
        if volume.HasField("ephemeral") and (why := storage.not_for_pod(pod, pvc)):
            raise VolumeError(volume.name, f"{where}: {why}")
        if pvc.status.phase != storage.BOUND or not pvc.spec.volume_name:
            raise VolumeError(volume.name, f"{where}: PVC is not bound")
        try:
            pv = await client.get("PersistentVolume", pvc.spec.volume_name, "")
        except errors.NotFound:
            raise VolumeError(volume.name, f'{where}: persistentvolumes "{pvc.spec.volume_name}" not found') from None
        found[volume.name] = claim_dir(volume, pvc, pv)
    return found
