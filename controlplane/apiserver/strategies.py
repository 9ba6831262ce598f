"""Per-kind rules the generic registry applies: what the server resets on create and update, how
long a deletion is held, and when a marked object may finally go.
"""
from __future__ import annotations

from google.protobuf.message import Message

from api import kinds

ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"
NAMESPACE_FINALIZER = "kubernetes"
DEFAULT_POD_GRACE = 30

# Kinds whose status is owned by controllers and agents, so a create starts it empty.
_STATUS_RESET_ON_CREATE = {"Pod", "ReplicaSet", "Deployment", "Namespace", "Service"}


def prepare_for_create(obj: Message) -> None:
    name = kinds.of(obj).name
    if name in _STATUS_RESET_ON_CREATE:
        obj.ClearField("status")
    if name == "Pod":
        obj.status.phase = "Pending"
    elif name == "Namespace":
        obj.status.phase = "Active"
        if NAMESPACE_FINALIZER not in obj.spec.finalizers:
            obj.spec.finalizers.append(NAMESPACE_FINALIZER)


def prepare_for_update(new: Message, old: Message) -> None:
    if kinds.of(new).name == "Service":
        # An update that leaves clusterIP or a nodePort empty keeps the allocated one, as kubectl apply expects.
        if not new.spec.cluster_ip:
            new.spec.cluster_ip = old.spec.cluster_ip
            new.spec.ClearField("cluster_ips")
            new.spec.cluster_ips.extend(old.spec.cluster_ips)
        old_ports = {(p.port, p.protocol or "TCP"): p.node_port for p in old.spec.ports}
        if new.spec.type == "NodePort":
            for port in new.spec.ports:
                if not port.node_port:
                    port.node_port = old_ports.get((port.port, port.protocol or "TCP"), 0)
        elif old.spec.type == "NodePort":
            # Leaving NodePort drops what only NodePort Services have (Kubernetes' dropTypeDependentFields).
            for port in new.spec.ports:
                if port.node_port == old_ports.get((port.port, port.protocol or "TCP")):
                    port.node_port = 0
            if new.spec.external_traffic_policy == old.spec.external_traffic_policy:
                new.spec.external_traffic_policy = ""
    if kinds.of(new).name == "Namespace" and not new.metadata.deletion_timestamp:
        # spec.finalizers of a live namespace belong to the server
        new.spec.ClearField("finalizers")
        new.spec.finalizers.extend(old.spec.finalizers)


def deletion_grace(obj: Message, requested: int | None) -> int:
    """Seconds a deletion waits for the object's owner to clean up (only pods on a node wait)."""
    if kinds.of(obj).name != "Pod":
        return 0
    if not obj.spec.node_name or obj.status.phase in ("Succeeded", "Failed"):
        return 0  # nothing runs it, nothing to stop
    if requested is not None:
        return requested
    if obj.spec.HasField("termination_grace_period_seconds"):
        return obj.spec.termination_grace_period_seconds
    return DEFAULT_POD_GRACE


def add_propagation_finalizer(obj: Message, policy: str) -> None:
    """Orphan and Foreground deletion are carried out by the garbage collector through finalizers."""
    wanted = {"Orphan": ORPHAN, "Foreground": FOREGROUND}.get(policy)
    finalizers = obj.metadata.finalizers
    for f in (ORPHAN, FOREGROUND):
        if f != wanted and f in finalizers and policy:
            finalizers.remove(f)
    if wanted and wanted not in finalizers:
        finalizers.append(wanted)


def on_mark_deleting(obj: Message) -> None:
    if kinds.of(obj).name == "Namespace":
        obj.status.phase = "Terminating"


def ready_to_remove(obj: Message, deleting: bool = False) -> bool:
    """An object marked for deletion (or being deleted now) goes once nothing holds it."""
    if not (deleting or obj.metadata.deletion_timestamp):
        return False
    if obj.metadata.finalizers:
        return False
    kind = kinds.of(obj).name
    if kind == "Namespace" and obj.spec.finalizers:
        return False
    if kind == "Pod" and not deleting:
        # a pod on a node goes when its agent confirms (a delete with grace 0)
        return obj.metadata.deletion_grace_period_seconds == 0
    return True
