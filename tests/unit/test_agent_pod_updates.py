"""Which new versions of a pod make its worker sync again: not the agent's own status write coming back."""
from nodeagent.podworker import asks_for_sync
from tests.fixtures.objects import from_yaml

POD = """
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default, uid: u1, resourceVersion: "10", labels: {app: web}}
spec:
  nodeName: n1
  containers: [{name: app, image: busybox:latest}]
"""


def versions():
    old = from_yaml(POD)
    new = from_yaml(POD)
    new.metadata.resource_version = "11"
    return old, new


def test_a_status_only_change_does_not_ask_for_a_sync():
    old, new = versions()
    new.status.phase = "Running"
    new.metadata.managed_fields.add(manager="skiff-agent", operation="Update", subresource="status")
    assert not asks_for_sync(old, new)


def test_a_spec_change_asks_for_a_sync():
    old, new = versions()
    new.spec.containers[0].image = "busybox:1.36"
    assert asks_for_sync(old, new)


def test_a_deletion_asks_for_a_sync():
    old, new = versions()
    new.metadata.deletion_timestamp = "2026-01-01T00:00:00Z"
    assert asks_for_sync(old, new)


def test_a_label_or_annotation_change_asks_for_a_sync():
    # the downward API projects them into files
    old, new = versions()
    new.metadata.labels["tier"] = "front"
    assert asks_for_sync(old, new)
    old, new = versions()
    new.metadata.annotations["note"] = "x"
    assert asks_for_sync(old, new)
