"""The deprecated AppArmor annotation is honoured as Kubernetes does on create: it becomes the field."""
from __future__ import annotations

from controlplane.apiserver import apparmor
from tests.fixtures.objects import from_yaml


def pod(annotations: str, pod_sc: str = "{}", app_sc: str = "{}"):
    return from_yaml(f"""
apiVersion: v1
kind: Pod
metadata:
  name: hello
  annotations: {annotations}
spec:
  securityContext: {pod_sc}
  containers:
  - {{name: app, image: busybox, securityContext: {app_sc}}}
  - {{name: side, image: busybox}}
""")


def test_annotation_becomes_the_containers_profile():
    p = pod("{container.apparmor.security.beta.kubernetes.io/app: localhost/deny-write, "
            "container.apparmor.security.beta.kubernetes.io/side: unconfined}")
    apparmor.fields_from_annotations(p)
    app, side = (c.security_context.app_armor_profile for c in p.spec.containers)
    assert (app.type, app.localhost_profile) == ("Localhost", "deny-write")
    assert side.type == "Unconfined" and not side.HasField("localhost_profile")


def test_a_field_already_set_or_equal_to_the_pods_wins_and_bad_values_are_left_alone():
    p = pod("{container.apparmor.security.beta.kubernetes.io/app: unconfined}",
            app_sc="{appArmorProfile: {type: RuntimeDefault}}")
    apparmor.fields_from_annotations(p)
    assert p.spec.containers[0].security_context.app_armor_profile.type == "RuntimeDefault"
    same = pod("{container.apparmor.security.beta.kubernetes.io/app: runtime/default}",
               pod_sc="{appArmorProfile: {type: RuntimeDefault}}")
    apparmor.fields_from_annotations(same)
    assert not same.spec.containers[0].security_context.HasField("app_armor_profile")
    bad = pod("{container.apparmor.security.beta.kubernetes.io/app: localhost/}")
    apparmor.fields_from_annotations(bad)
    assert not bad.spec.containers[0].security_context.HasField("app_armor_profile")
