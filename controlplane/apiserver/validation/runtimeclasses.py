"""Validation of RuntimeClasses (node.k8s.io/v1) as Kubernetes' pkg/apis/node/validation: the handler is a DNS
label fixed for the class's life, overhead is a list of resource quantities, scheduling a selector and tolerations."""
from __future__ import annotations

from api import names
from controlplane.apiserver.validation import pods
from controlplane.apiserver.validation.fielderrors import Path, each, invalid
from controlplane.apiserver.validation.meta import validate_labels
from proto import types_pb2


def validate_runtime_class(rc: types_pb2.RuntimeClass) -> list[str]:
    errors = each(names.dns1123_label(rc.handler), Path("handler"), rc.handler)
    if rc.HasField("overhead"):
        # Kubernetes reuses the container resources rule, so the path reads overhead.limits[cpu].
        errors += pods.validate_resources(types_pb2.ResourceRequirements(limits=rc.overhead.pod_fixed),
                                          Path("overhead"))
    if rc.HasField("scheduling"):
        errors += validate_labels(rc.scheduling.node_selector, Path("scheduling").child("nodeSelector"))
        errors += pods.validate_tolerations(rc.scheduling.tolerations, Path("scheduling").child("tolerations"))
    return errors


def validate_runtime_class_update(new: types_pb2.RuntimeClass, old: types_pb2.RuntimeClass) -> list[str]:
    if new.handler != old.handler:
        return [invalid(Path("handler"), new.handler, "field is immutable")]
    return []
