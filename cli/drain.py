"""Which pods `skiff drain` evicts, skips or refuses, as kubectl's drain filters decide: a pure function
of the node's pods and the flags, so every refusal is tested without a cluster."""
from __future__ import annotations

from dataclasses import dataclass, field

from google.protobuf.message import Message

from api import podstatus

MIRROR = "kubernetes.io/config.mirror"


@dataclass(frozen=True)
class Options:
    force: bool = False
    ignore_daemonsets: bool = False
    delete_emptydir_data: bool = False


@dataclass
class Plan:
    evict: list[Message] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # kubectl's "Warning: ..." lines
    errors: list[str] = field(default_factory=list)  # any error means nothing is evicted


def _controller(pod: Message):
    return next((o for o in pod.metadata.owner_references if o.controller), None)


def _finished(pod: Message) -> bool:
    return podstatus.is_terminal(pod)


def _names(pods: list[Message]) -> str:
    return ", ".join(f"{p.metadata.namespace}/{p.metadata.name}" for p in pods)


def plan(pods: list[Message], options: Options) -> Plan:
    """kubectl's filters in kubectl's order: mirror pods, DaemonSet pods, unmanaged pods, local storage."""
    out = Plan()
    unmanaged: list[Message] = []
    daemons: list[Message] = []
    local: list[Message] = []
    forced: list[Message] = []
    for pod in pods:
        if pod.metadata.deletion_timestamp:
            continue  # already on its way out
        if MIRROR in pod.metadata.annotations:
            continue
        owner = _controller(pod)
        if owner is not None and owner.kind == "DaemonSet" and not _finished(pod):
            daemons.append(pod)
            continue
        if owner is None and not _finished(pod):
            if not options.force:
                unmanaged.append(pod)
                continue
            forced.append(pod)
        if any(v.HasField("empty_dir") for v in pod.spec.volumes) and not _finished(pod) \
                and not options.delete_emptydir_data:
            local.append(pod)
            continue
        out.evict.append(pod)
    if daemons:
        if options.ignore_daemonsets:
            out.warnings.append(f"Warning: ignoring DaemonSet-managed Pods: {_names(daemons)}")
        else:
            out.errors.append(f"cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): "
                              f"{_names(daemons)}")
    if unmanaged:
        out.errors.append(f"cannot delete Pods that declare no controller (use --force to override): "
                          f"{_names(unmanaged)}")
    if local:
        out.errors.append(f"cannot delete Pods with local storage (use --delete-emptydir-data to override): "
                          f"{_names(local)}")
    if out.errors:
        out.evict = []  # as kubectl: one refused pod stops the whole drain before any eviction
    elif forced:
        out.warnings.append(f"Warning: deleting Pods that declare no controller: {_names(forced)}")
    return out
