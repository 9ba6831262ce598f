"""`skiff describe` bodies of PersistentVolumes, PersistentVolumeClaims and StorageClasses, in kubectl's
layout: class, status, the other side of the binding, capacity, access modes and the volume's source."""
from __future__ import annotations

from api import storage
from cli.describe_layout import NONE, field, map_lines


def _node_affinity(pv) -> list[str]:
    if not pv.spec.node_affinity.HasField("required"):
        return [field("Node Affinity", NONE)]
    lines = ["Node Affinity:", "  Required Terms:"]
    for i, term in enumerate(pv.spec.node_affinity.required.node_selector_terms):
        lines.append(f"    Term {i}:        " + ", ".join(
            f"{e.key} {e.operator.lower()} [{', '.join(e.values)}]" for e in term.match_expressions))
    return lines


def _source(pv) -> list[str]:
    if pv.spec.HasField("local"):
        return ["Source:", field("Type", "LocalVolume (a persistent volume backed by local storage on a node)", 4),
                field("Path", pv.spec.local.path, 4)]
    return ["Source:", field("Type", "HostPath (bare host directory volume)", 4),
            field("Path", pv.spec.host_path.path, 4), field("HostPathType", pv.spec.host_path.type, 4)]


def persistent_volume_body(pv) -> list[str]:
    spec = pv.spec
    claim = f"{spec.claim_ref.namespace}/{spec.claim_ref.name}" if spec.HasField("claim_ref") else ""
    return [
        field("Finalizers", "[" + " ".join(pv.metadata.finalizers) + "]"),
        field("StorageClass", spec.storage_class_name),
        field("Status", "Terminating" if pv.metadata.deletion_timestamp else pv.status.phase),
        field("Claim", claim),
        field("Reclaim Policy", spec.persistent_volume_reclaim_policy),
        field("Access Modes", storage.access_modes_text(spec.access_modes)),
        field("VolumeMode", spec.volume_mode if spec.HasField("volume_mode") else "Filesystem"),
        field("Capacity", spec.capacity.get("storage", "")),
        *_node_affinity(pv),
        field("Message", pv.status.message),
        *_source(pv),
    ]


def persistent_volume_claim_body(pvc, pods) -> list[str]:
    """`pods`: those of the claim's namespace; the ones mounting it are listed under Used By."""
    bound = bool(pvc.spec.volume_name)
    users = [p.metadata.name for p in pods if pvc.metadata.name in storage.claim_names(p)]
    return [
        field("StorageClass", storage.claim_class(pvc)),
        field("Status", "Terminating" if pvc.metadata.deletion_timestamp else pvc.status.phase),
        field("Volume", pvc.spec.volume_name),
        field("Finalizers", "[" + " ".join(pvc.metadata.finalizers) + "]"),
        field("Capacity", pvc.status.capacity.get("storage", "") if bound else ""),
        field("Access Modes", storage.access_modes_text(pvc.status.access_modes) if bound else ""),
        field("VolumeMode", pvc.spec.volume_mode if pvc.spec.HasField("volume_mode") else "Filesystem"),
        field("Used By", ", ".join(sorted(users)) or NONE),
    ]


def storage_class_body(sc) -> list[str]:
    return [
        field("IsDefaultClass", "Yes" if storage.is_default_class(sc) else "No"),
        field("Provisioner", sc.provisioner),
        *map_lines("Parameters", dict(sc.parameters)),
        field("AllowVolumeExpansion", str(sc.allow_volume_expansion).capitalize()
              if sc.HasField("allow_volume_expansion") else "<unset>"),
        field("MountOptions", ", ".join(sc.mount_options) or NONE),
        field("ReclaimPolicy", sc.reclaim_policy if sc.HasField("reclaim_policy") else "Delete"),
        field("VolumeBindingMode", storage.binding_mode(sc)),
    ]
