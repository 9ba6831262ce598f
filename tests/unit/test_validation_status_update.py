"""A status update is judged on what the status subresource may change: the pod's spec is the stored one, so
it is not judged again (Kubernetes' ValidatePodStatusUpdate); other kinds keep their whole validation."""
from __future__ import annotations

from api import meta
from controlplane.apiserver import resources
from tests.fixtures.objects import from_yaml

# Stored before today's rules: an invalid container name that a create would now refuse.
STORED = from_yaml("""
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: default, uid: u1, resourceVersion: "5"}
spec: {containers: [{name: Bad_Name, image: busybox}], nodeName: n1}
""")


def _with_phase(phase: str):
    new = meta.copy(STORED)
    new.status.phase = phase
    return new


def test_a_pod_status_update_does_not_judge_the_stored_spec_again():
    assert resources.validate(_with_phase("Running"), STORED) != []  # an update judges the spec
    assert resources.validate(_with_phase("Running"), STORED, "status") == []


def test_a_pod_status_update_still_judges_the_metadata_change():
    renamed = _with_phase("Running")
    renamed.metadata.uid = "u2"
    assert any("metadata.uid" in p for p in resources.validate(renamed, STORED, "status"))


def test_other_kinds_keep_their_whole_validation_on_status_updates():
    stored = from_yaml("""
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: default, uid: u1, resourceVersion: "5"}
spec:
  replicas: -1
  selector: {matchLabels: {app: d}}
  template: {metadata: {labels: {app: d}}, spec: {containers: [{name: app, image: busybox}]}}
""")
    new = meta.copy(stored)
    new.status.replicas = 1
    assert any("spec.replicas" in p for p in resources.validate(new, stored, "status"))
