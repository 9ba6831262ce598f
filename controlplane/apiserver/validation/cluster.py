"""Validation of the cluster's own objects: Nodes (podCIDRs, taints, what an update may not move),
Namespaces, Events and Leases.
"""
from __future__ import annotations

from collections.abc import Iterable

from api import names
from controlplane.apiserver.validation.fielderrors import (Path, at_least, cidr, duplicate, each, forbidden, invalid,
                                                           not_supported, one_of, required)
from controlplane.apiserver.validation.meta import validate_finalizer_name
from controlplane.apiserver.validation.pods import TAINT_EFFECTS
from proto import types_pb2

EVENT_TYPES = ("Normal", "Warning")


def validate_node(node: types_pb2.Node) -> list[str]:
    spec, path = node.spec, Path("spec")
    errors = []
    if spec.pod_cidr:
        errors += cidr(spec.pod_cidr, path.child("podCIDR"))
    for i, pod_cidr in enumerate(spec.pod_cidrs):
        p = path.child("podCIDRs").index(i)
        errors += cidr(pod_cidr, p)
        if i == 0 and spec.pod_cidr and pod_cidr != spec.pod_cidr:
            errors.append(invalid(p, pod_cidr, "must match `podCIDR` when both are specified"))
    errors += validate_taints(spec.taints, path.child("taints"))
    return errors


def validate_taints(taints: Iterable[types_pb2.Taint], path: Path) -> list[str]:
    errors = []
    seen: set[tuple[str, str]] = set()
    for i, taint in enumerate(taints):
        p = path.index(i)
        errors += each(names.qualified_name(taint.key), p.child("key"), taint.key)
        errors += each(names.label_value(taint.value), p.child("value"), taint.value)
        errors += one_of(taint.effect, p.child("effect"), TAINT_EFFECTS)
        if (taint.key, taint.effect) in seen:
            errors.append(duplicate(p, f"{taint.key}:{taint.effect}", "taints must be unique by key and effect pair"))
        seen.add((taint.key, taint.effect))
    return errors


def validate_node_update(new: types_pb2.Node, old: types_pb2.Node) -> list[str]:
    errors = []
    # The node's pod addresses are in use on the host: they can be assigned once, never moved.
    for field, json_name in (("pod_cidr", "podCIDR"), ("provider_id", "providerID")):
        if getattr(old.spec, field) and getattr(new.spec, field) != getattr(old.spec, field):
            errors.append(forbidden(Path("spec").child(json_name),
                                    f'node updates may not change {json_name} except from "" to valid'))
    return errors


def validate_namespace(ns: types_pb2.Namespace) -> list[str]:
    errors = []
    for i, name in enumerate(ns.spec.finalizers):
        errors += validate_finalizer_name(name, Path("spec.finalizers").index(i))
    return errors


def validate_event(event: types_pb2.Event) -> list[str]:
    involved, path = event.involved_object, Path("involvedObject")
    errors = [required(path.child(field)) for field in ("name", "kind") if not getattr(involved, field)]
    if involved.namespace and involved.namespace != event.metadata.namespace:
        errors.append(invalid(path.child("namespace"), involved.namespace, "does not match event.namespace"))
    if event.type and event.type not in EVENT_TYPES:
        errors.append(not_supported(Path("type"), event.type, EVENT_TYPES))
    errors += at_least(event.count, 0, Path("count"))
    return errors


def validate_lease(lease: types_pb2.Lease) -> list[str]:
    spec, path = lease.spec, Path("spec")
    errors = []
    if spec.HasField("lease_duration_seconds") and spec.lease_duration_seconds <= 0:
        errors.append(invalid(path.child("leaseDurationSeconds"), spec.lease_duration_seconds,
                              "must be greater than 0"))
    errors += at_least(spec.lease_transitions, 0, path.child("leaseTransitions"))
    return errors
