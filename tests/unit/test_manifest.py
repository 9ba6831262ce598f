"""Manifest form <-> protobuf objects: Kubernetes manifests load unchanged, unknown fields warn."""
from __future__ import annotations

import pytest
import yaml

from api import manifest
from api.manifest import ManifestError
from proto import types_pb2

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 0
  selector: {matchLabels: {app: web}}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 25%, maxUnavailable: 1}
  template:
    metadata: {labels: {app: web}}
    spec:
      securityContext: {runAsUser: 1000}
      hostClock: true  # not a Kubernetes field: unknown
      volumes: [{name: scratch, emptyDir: {}}]
      containers:
      - name: web
        image: busybox:latest
        command: [httpd, -f]
        env: [{name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}]
        resources: {limits: {cpu: 1, memory: 128Mi}, requests: {cpu: 0.5}}
        ports: [{name: http, containerPort: 80}]
        readinessProbe: {httpGet: {path: /, port: http}, periodSeconds: 2}
"""


def test_kubernetes_manifest_round_trips():
    data = yaml.safe_load(DEPLOYMENT)
    obj, warnings = manifest.from_dict(data)
    assert isinstance(obj, types_pb2.Deployment)
    assert warnings == ["spec.template.spec.hostClock"]
    out = manifest.to_dict(obj)
    del data["spec"]["template"]["spec"]["hostClock"]
    # quantities written as numbers come back as Kubernetes' strings
    data["spec"]["template"]["spec"]["containers"][0]["resources"] = {
        "limits": {"cpu": "1", "memory": "128Mi"}, "requests": {"cpu": "0.5"}}
    assert out == data


def test_zero_replicas_is_kept_apart_from_unset():
    obj, _ = manifest.from_dict(yaml.safe_load(DEPLOYMENT))
    assert obj.spec.HasField("replicas") and obj.spec.replicas == 0
    unset, _ = manifest.from_dict({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}})
    assert not unset.spec.HasField("replicas")


def test_int_or_string_fields_keep_their_type():
    obj, _ = manifest.from_dict(yaml.safe_load(DEPLOYMENT))
    ru = obj.spec.strategy.rolling_update
    assert manifest.int_or_string_value(ru.max_surge) == "25%"
    assert manifest.int_or_string_value(ru.max_unavailable) == 1


def test_odd_kubernetes_casings_map_to_fields():
    obj, warnings = manifest.from_dict({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                                        "status": {"podIP": "10.244.1.2", "hostIP": "192.168.1.1"}})
    assert warnings == []
    assert obj.status.pod_ip == "10.244.1.2"
    assert manifest.to_dict(obj)["status"] == {"podIP": "10.244.1.2", "hostIP": "192.168.1.1"}


def test_wrong_types_name_every_path():
    with pytest.raises(ManifestError) as caught:
        manifest.from_dict({"apiVersion": "v1", "kind": "Pod",
                            "metadata": {"name": 3, "labels": {"on": True}},
                            "spec": {"containers": "nginx", "hostNetwork": "yes"}}, source="pod.yaml")
    text = str(caught.value)
    assert text.startswith("pod.yaml: ")
    assert caught.value.errors == [
        "metadata.name: expected a string, got an integer (quote it)",
        "metadata.labels.on: expected a string, got a boolean (quote it)",
        "spec.containers: expected a list, got a string",
        "spec.hostNetwork: expected true or false, got a string",
    ]


def test_unknown_kind_names_the_kinds_that_exist():
    with pytest.raises(ManifestError, match=r'unknown kind "Widget" \(known kinds: Namespace, Node, Pod'):
        manifest.from_dict({"apiVersion": "v1", "kind": "Widget"})


def test_wrong_api_version_is_an_error():
    with pytest.raises(ManifestError, match='apiVersion: Deployment is served as "apps/v1"'):
        manifest.from_dict({"apiVersion": "extensions/v1beta1", "kind": "Deployment"})


def test_missing_api_version_says_it_is_required_not_none():
    with pytest.raises(ManifestError, match=r'apiVersion: required \(Pod is served as "v1"\)'):
        manifest.from_dict({"kind": "Pod", "metadata": {"name": "web"}})


def test_secret_data_with_line_breaks_is_read_as_kubernetes_reads_it():
    # A block scalar (`|`) ends the base64 with a newline; Go's decoder, and so Kubernetes, skips line breaks.
    obj, _ = manifest.from_dict(yaml.safe_load("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n"
                                               "data:\n  .dockercfg: |\n    eyJh\n    YQ==\n"))
    assert obj.data[".dockercfg"] == b'{"aa'


def test_bad_base64_names_the_key_and_the_offset_as_go_does():
    with pytest.raises(ManifestError) as caught:
        manifest.from_dict({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
                            "data": {"tls.crt": "REPLACE_ME", "a": "YQ==YQ==", "b": "YWJ"}})
    assert caught.value.errors == ["data.tls.crt: illegal base64 data at input byte 7",
                                   "data.a: illegal base64 data at input byte 4",
                                   "data.b: illegal base64 data at input byte 0"]


def test_missing_kind_is_an_error():
    with pytest.raises(ManifestError, match="kind: required"):
        manifest.from_dict({"apiVersion": "v1"})


def test_empty_mapping_is_kept_as_set():
    obj, _ = manifest.from_dict(yaml.safe_load(DEPLOYMENT))
    volume = obj.spec.template.spec.volumes[0]
    assert volume.HasField("empty_dir") and not volume.HasField("host_path")


def test_a_controller_revisions_free_form_data_reads_and_writes_as_the_json_it_holds():
    data = {"spec": {"template": {"$patch": "replace", "spec": {"containers": [{"name": "c", "image": "x"}]}}}}
    obj, _ = manifest.decode({"apiVersion": "apps/v1", "kind": "ControllerRevision", "metadata": {"name": "r"},
                              "data": data, "revision": 2})
    assert manifest.to_dict(obj)["data"] == data and obj.revision == 2
