"""Annotations that no longer configure a pod are accepted with Kubernetes' warning, never silently."""
from __future__ import annotations

from controlplane.apiserver.validation import podwarnings
from proto import types_pb2


def meta(**annotations) -> types_pb2.ObjectMeta:
    return types_pb2.ObjectMeta(name="web", annotations=annotations)


def test_seccomp_and_apparmor_annotations_are_warned_about_with_the_field_to_use():
    warnings = podwarnings.deprecated_annotations(meta(**{
        "seccomp.security.alpha.kubernetes.io/pod": "runtime/default",
        "container.apparmor.security.beta.kubernetes.io/app": "localhost/deny-write"}))
    assert warnings == [
        'metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]: non-functional in v1.27+; '
        'use the "seccompProfile" field instead',
        'metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]: deprecated since v1.30; '
        'use the "appArmorProfile" field instead']


def test_one_warning_per_prefix_and_template_paths():
    warnings = podwarnings.deprecated_annotations(meta(**{
        "container.seccomp.security.alpha.kubernetes.io/a": "unconfined",
        "container.seccomp.security.alpha.kubernetes.io/b": "unconfined"}), "spec.template.")
    assert warnings == ['spec.template.metadata.annotations[container.seccomp.security.alpha.kubernetes.io/a]: '
                        'non-functional in v1.27+; use the "seccompProfile" field instead']


def test_ordinary_annotations_are_not_warned_about():
    assert podwarnings.deprecated_annotations(meta(build="two", **{"kubernetes.io/description": "x"})) == []
