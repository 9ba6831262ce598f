"""Ephemeral containers (`kubectl debug`) are validated as Kubernetes does: never on create, only added through
the pods/ephemeralcontainers subresource, without what a debugging container may not have; Kubernetes' words."""
from __future__ import annotations

import pytest

from controlplane.apiserver import defaults, resources
from controlplane.apiserver.validation.ephemeral import with_ephemeral_containers
from proto import types_pb2
from tests.fixtures.objects import from_yaml

SUB = "ephemeralcontainers"


def pod_with(ephemeral: str = "", extra: str = "") -> types_pb2.Pod:
    pod = from_yaml(f"""
apiVersion: v1
kind: Pod
metadata: {{name: p, namespace: default, uid: u1, resourceVersion: "5"}}
spec:
  volumes: [{{name: data}}]
  initContainers: [{{name: init, image: busybox}}]
  containers: [{{name: app, image: busybox}}]
{extra}  ephemeralContainers: {ephemeral or "[]"}
""")
    defaults.pod(pod)
    return pod


def added(ephemeral: str, old: types_pb2.Pod | None = None) -> list[str]:
    """The errors of adding `ephemeral` to a stored pod through the subresource, as the registry judges it."""
    old = old or pod_with()
    new = with_ephemeral_containers(pod_with(ephemeral), old)
    resources.default(new)
    return resources.validate(new, old, SUB)


def test_a_debugging_container_may_be_added():
    assert added("[{name: debugger-x7k2p, image: busybox, stdin: true, tty: true, targetContainerName: app,"
                 " volumeMounts: [{name: data, mountPath: /data}], env: [{name: A, value: b}]}]") == []


@pytest.mark.parametrize("ephemeral, expected", [
    ("[{name: app, image: busybox}]", 'spec.ephemeralContainers[0].name: Duplicate value: "app"'),
    ("[{name: init, image: busybox}]", 'spec.ephemeralContainers[0].name: Duplicate value: "init"'),
    ("[{name: d, image: busybox}, {name: d, image: busybox}]",
     'spec.ephemeralContainers[1].name: Duplicate value: "d"'),
    ("[{name: d, image: busybox, targetContainerName: nope}]",
     'spec.ephemeralContainers[0].targetContainerName: Not found: "nope"'),
    ("[{name: d}]", "spec.ephemeralContainers[0].image: Required value"),
    ("[{name: d, image: busybox, ports: [{containerPort: 80}]}]",
     "spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container"),
    ("[{name: d, image: busybox, resources: {limits: {cpu: '1'}}}]",
     "spec.ephemeralContainers[0].resources: Forbidden: cannot be set for an Ephemeral Container"),
    ("[{name: d, image: busybox, livenessProbe: {exec: {command: [ls]}}}]",
     "spec.ephemeralContainers[0].livenessProbe: Forbidden: cannot be set for an Ephemeral Container"),
    ("[{name: d, image: busybox, readinessProbe: {exec: {command: [ls]}}}]",
     "spec.ephemeralContainers[0].readinessProbe: Forbidden: cannot be set for an Ephemeral Container"),
    ("[{name: d, image: busybox, startupProbe: {exec: {command: [ls]}}}]",
     "spec.ephemeralContainers[0].startupProbe: Forbidden: cannot be set for an Ephemeral Container"),
    ("[{name: d, image: busybox, lifecycle: {preStop: {exec: {command: [ls]}}}}]",
     "spec.ephemeralContainers[0].lifecycle: Forbidden: cannot be set for an Ephemeral Container"),
    ("[{name: d, image: busybox, restartPolicy: Always}]",
     "spec.ephemeralContainers[0].restartPolicy: Forbidden: cannot be set for an Ephemeral Container"),
    ("[{name: d, image: busybox, volumeMounts: [{name: data, mountPath: /d, subPath: x}]}]",
     "spec.ephemeralContainers[0].volumeMounts[0].subPath: Forbidden: cannot be set for an Ephemeral Container"),
    ("[{name: d, image: busybox, volumeMounts: [{name: nope, mountPath: /d}]}]",
     'spec.ephemeralContainers[0].volumeMounts[0].name: Not found: "nope"'),
])
def test_each_refusal_names_its_field_in_kubernetes_words(ephemeral, expected):
    assert added(ephemeral) == [expected]


def test_a_pod_is_never_created_with_ephemeral_containers():
    assert resources.validate(pod_with("[{name: d, image: busybox}]")) == [
        "spec.ephemeralContainers: Forbidden: cannot be set on create"]


def test_an_existing_ephemeral_container_may_not_be_removed_or_changed():
    stored = with_ephemeral_containers(pod_with("[{name: d, image: busybox}]"), pod_with())
    assert added("[{name: e, image: busybox}]", stored) == [
        'spec.ephemeralContainers: Forbidden: existing ephemeral containers "d" may not be removed']
    assert added("[{name: d, image: busybox:1.36}]", stored) == [
        'spec.ephemeralContainers[d]: Forbidden: existing ephemeral containers "d" may not be changed']
    assert added("[{name: e, image: busybox}, {name: d, image: busybox}]", stored) == []


def test_the_subresource_keeps_nothing_of_the_body_but_the_ephemeral_containers():
    body = pod_with("[{name: d, image: busybox}]", extra="  nodeName: elsewhere\n")
    body.metadata.labels["sneaked"] = "in"
    new = with_ephemeral_containers(body, pod_with())
    assert new.spec.node_name == "" and "sneaked" not in new.metadata.labels
    assert [c.name for c in new.spec.ephemeral_containers] == ["d"]


def test_a_pod_update_may_not_change_ephemeral_containers():
    stored = with_ephemeral_containers(pod_with("[{name: d, image: busybox}]"), pod_with())
    problems = resources.validate(pod_with("[{name: d, image: busybox}, {name: e, image: busybox}]"), stored)
    assert len(problems) == 1 and problems[0].startswith("spec: Forbidden: pod updates may not change fields")


def test_an_ephemeral_container_has_every_container_field_under_the_same_number():
    # One message is read as the other (the agent runs an ephemeral container as a container).
    container = {f.name: f.number for f in types_pb2.Container.DESCRIPTOR.fields}
    ephemeral = {f.name: f.number for f in types_pb2.EphemeralContainer.DESCRIPTOR.fields}
    assert ephemeral == {**container, "target_container_name": 1550}
