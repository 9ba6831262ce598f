"""Warnings Kubernetes gives about a pod (or a workload's pod template) it accepts: annotations that
once configured a pod and no longer do anything, each with the field to use instead."""
from __future__ import annotations

from controlplane.apiserver import apparmor
from proto import types_pb2

# (exact key, key prefix, what to say), as Kubernetes' pkg/api/pod/warnings.go lists them.
DEPRECATED_ANNOTATIONS = (
    ("scheduler.alpha.kubernetes.io/critical-pod", "",
     'non-functional in v1.16+; use the "priorityClassName" field instead'),
    ("seccomp.security.alpha.kubernetes.io/pod", "container.seccomp.security.alpha.kubernetes.io/",
     'non-functional in v1.27+; use the "seccompProfile" field instead'),
    ("security.alpha.kubernetes.io/sysctls", "", 'non-functional in v1.11+; use the "sysctls" field instead'),
    ("security.alpha.kubernetes.io/unsafe-sysctls", "", 'non-functional in v1.11+; use the "sysctls" field instead'),
    ("", apparmor.ANNOTATION_PREFIX,
     'deprecated since v1.30; use the "appArmorProfile" field instead'),
)


def deprecated_annotations(metadata: types_pb2.ObjectMeta, prefix: str = "") -> list[str]:
    """One warning per deprecated annotation (one per prefix), on `prefix`metadata.annotations[key]:
    prefix is "" for a pod, "spec.template." for a workload's template."""
    where = f"{prefix}metadata.annotations"
    warnings = []
    for key, key_prefix, message in DEPRECATED_ANNOTATIONS:
        if key and key in metadata.annotations:
            warnings.append(f"{where}[{key}]: {message}")
        if key_prefix:
            found = next((k for k in sorted(metadata.annotations) if k.startswith(key_prefix)), None)
            if found is not None:
                warnings.append(f"{where}[{found}]: {message}")
    return warnings
