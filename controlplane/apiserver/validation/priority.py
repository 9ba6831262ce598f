"""Validation of PriorityClasses and of a pod's priority fields, in Kubernetes' words
(pkg/apis/scheduling/validation, and ValidatePodSpec's priorityClassName and preemptionPolicy)."""
from __future__ import annotations

from api import names, priority
from controlplane.apiserver.validation.fielderrors import Path, each, forbidden, invalid, not_supported, required
from proto import types_pb2


def _known_system_class(pc: types_pb2.PriorityClass) -> str:
    """Why a `system-` class is not one of the system's ("" when it is): Kubernetes' IsKnownSystemPriorityClass."""
    for known in priority.SYSTEM_CLASSES:
        if known.metadata.name == pc.metadata.name:
            if known.value != pc.value:
                return f"value of {known.metadata.name} PriorityClass must be {known.value}"
            if known.global_default != pc.global_default:
                default = str(known.global_default).lower()
                return f"globalDefault of {known.metadata.name} PriorityClass must be {default}"
            return ""
    return f"{pc.metadata.name} is not a known system priority class"


def validate_preemption_policy(value: str, path: Path) -> list[str]:
    if not value:
        return [required(path)]
    return [] if value in priority.PREEMPTION_POLICIES else [not_supported(path, value, priority.PREEMPTION_POLICIES)]


def validate_priority_class(pc: types_pb2.PriorityClass) -> list[str]:
    errors = []
    if pc.metadata.name.startswith(priority.SYSTEM_PREFIX):
        why = _known_system_class(pc)
        if why:
            errors.append(forbidden(Path("metadata.name"), f"priority class names with '{priority.SYSTEM_PREFIX}' "
                                                           f"prefix are reserved for system use only. error: {why}"))
    elif pc.value > priority.HIGHEST_USER_DEFINABLE:
        errors.append(forbidden(Path("value"), f"maximum allowed value of a user defined priority is "
                                               f"{priority.HIGHEST_USER_DEFINABLE}"))
    if pc.HasField("preemption_policy"):
        errors += validate_preemption_policy(pc.preemption_policy, Path("preemptionPolicy"))
    return errors


def validate_priority_class_update(new: types_pb2.PriorityClass, old: types_pb2.PriorityClass) -> list[str]:
    errors = []
    if new.value != old.value:
        errors.append(forbidden(Path("value"), "may not be changed in an update."))
    if priority.preemption_policy(new) != priority.preemption_policy(old):
        errors.append(invalid(Path("preemptionPolicy"), priority.preemption_policy(new), "field is immutable"))
    return errors


def validate_pod_priority(spec: types_pb2.PodSpec, path: Path) -> list[str]:
    """A pod (or template) naming a class: a DNS subdomain; a policy: one of the two."""
    errors = []
    if spec.priority_class_name:
        errors += each(names.dns1123_subdomain(spec.priority_class_name), path.child("priorityClassName"),
                       spec.priority_class_name)
    if spec.HasField("preemption_policy"):
        errors += validate_preemption_policy(spec.preemption_policy, path.child("preemptionPolicy"))
    return errors
