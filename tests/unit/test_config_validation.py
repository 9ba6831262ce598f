"""ConfigMap and Secret validation as Kubernetes': key names, 1 MiB, immutability, Secret types' keys,
stringData folded into data; and the pod fields that name them (volumes, env, envFrom)."""
import pytest

from controlplane.apiserver.validation import config, podsources
from controlplane.apiserver.validation.fielderrors import Path
from proto import types_pb2
from tests.fixtures.objects import from_yaml


def _cm(**fields):
    return types_pb2.ConfigMap(metadata=types_pb2.ObjectMeta(name="c", namespace="default"), **fields)


def _secret(type_="Opaque", **data):
    return types_pb2.Secret(metadata=types_pb2.ObjectMeta(name="s", namespace="default"), type=type_,
                            data={k.replace("_", "."): v for k, v in data.items()})


@pytest.mark.parametrize("key,message", [
    ("a/b", "regex used for validation is '[-._a-zA-Z0-9]+'"), (".", "must not be '.'"),
    ("..", "must not be '..'"), ("..x", "must not start with '..'"), ("k" * 254, "no more than 253 characters")])
def test_bad_keys_are_refused_with_their_path(key, message):
    [error] = [e for e in config.validate_config_map(_cm(data={key: "v"})) if message in e]
    assert error.startswith(f"data[{key}]: Invalid value: ")
    assert any(message in e for e in config.validate_secret(types_pb2.Secret(data={key: b"v"})))


def test_good_keys_pass():
    assert config.validate_config_map(_cm(data={"game.properties": "x", "UI_COLOR": "red", "a-b": ""})) == []


def test_more_than_one_mebibyte_is_refused():
    assert config.validate_config_map(_cm(data={"big": "x" * (2 * 1024 * 1024)})) == [
        "data: Too long: must have at most 1048576 bytes"]
    assert config.validate_secret(_secret(big=b"x" * (1024 * 1024))) == [
        "data: Too long: must have at most 1048576 bytes"]


def test_a_key_in_both_data_and_binary_data_is_refused():
    assert config.validate_config_map(_cm(data={"k": "v"}, binary_data={"k": b"v"})) == [
        'data[k]: Invalid value: "k": duplicate of key present in binaryData']


@pytest.mark.parametrize("type_,data,errors", [
    ("kubernetes.io/tls", {"tls.crt": b"c"}, ["data[tls.key]: Required value"]),
    ("kubernetes.io/tls", {"tls.crt": b"c", "tls.key": b"k"}, []),
    ("kubernetes.io/dockerconfigjson", {}, ["data[.dockerconfigjson]: Required value"]),
    ("kubernetes.io/basic-auth", {}, ["data[username]: Required value", "data[password]: Required value"]),
    ("kubernetes.io/basic-auth", {"password": b"p"}, []),
    ("kubernetes.io/ssh-auth", {}, ["data[ssh-privatekey]: Required value"]),
])
def test_secret_types_need_their_keys(type_, data, errors):
    assert config.validate_secret(types_pb2.Secret(type=type_, data=data)) == errors


def test_a_dockerconfigjson_that_is_not_json_is_refused_without_its_contents():
    [error] = config.validate_secret(types_pb2.Secret(type="kubernetes.io/dockerconfigjson",
                                                      data={".dockerconfigjson": b"{not json"}))
    assert error.startswith('data[.dockerconfigjson]: Invalid value: "<secret contents redacted>"')


def test_immutable_objects_keep_their_data_and_stay_immutable():
    old = _cm(data={"k": "v"}, immutable=True)
    assert config.validate_config_map_update(_cm(data={"k": "v2"}, immutable=True), old) == [
        "data: Forbidden: field is immutable when `immutable` is set"]
    assert config.validate_config_map_update(_cm(data={"k": "v"}, immutable=False), old) == [
        "immutable: Forbidden: field is immutable when `immutable` is set"]
    assert config.validate_config_map_update(_cm(data={"k": "v2"}), _cm(data={"k": "v"})) == []
    assert config.validate_secret_update(_secret("kubernetes.io/tls"), _secret("Opaque")) == [
        'type: Invalid value: "kubernetes.io/tls": field is immutable']


def test_string_data_is_folded_into_data_and_wins():
    secret = types_pb2.Secret(data={"a": b"old", "b": b"kept"}, string_data={"a": "new", "c": "added"})
    config.fold_string_data(secret)
    assert dict(secret.data) == {"a": b"new", "b": b"kept", "c": b"added"} and not secret.string_data


POD = from_yaml("""
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  imagePullSecrets: [{name: ""}]
  containers:
  - name: app
    image: busybox
    env:
    - {name: A, valueFrom: {configMapKeyRef: {name: cfg, key: "a/b"}}}
    - {name: B, valueFrom: {secretKeyRef: {name: "", key: k}}}
    - {name: C, valueFrom: {configMapKeyRef: {name: c, key: k}, secretKeyRef: {name: s, key: k}}}
    envFrom:
    - {prefix: "1X", configMapRef: {name: cfg}}
    - {}
  volumes:
  - {name: a, configMap: {name: cfg, defaultMode: 1000, items: [{key: k, path: ../x}]}}
  - {name: b, secret: {}}
  - {name: c, downwardAPI: {items: [{path: x, fieldRef: {fieldPath: spec.nodeName}}, {path: y}]}}
  - {name: d, projected: {sources: [{configMap: {name: c, items: [{key: k, path: same}]}},
                                    {secret: {name: s, items: [{key: k, path: same}]}}]}}
""")


def test_pod_sources_name_every_offending_field():
    spec, errors = POD.spec, []
    for i, v in enumerate(spec.volumes):
        errors += podsources.validate_config_volume(v, Path("spec.volumes").index(i))
    c = Path("spec.containers[0]")
    for i, var in enumerate(spec.containers[0].env):
        errors += podsources.validate_env_source(var.value_from, c.child("env").index(i).child("valueFrom"))
    errors += podsources.validate_env_from(spec.containers[0].env_from, c.child("envFrom"))
    errors += podsources.validate_image_pull_secrets(spec.image_pull_secrets, Path("spec.imagePullSecrets"))
    expected = [
        "spec.volumes[0].configMap.items[0].path: Invalid value: \"../x\": must not contain '..'",
        "spec.volumes[0].configMap.defaultMode: Invalid value: 1000: must be a number between 0 and 0777 "
        "(octal), both inclusive",
        "spec.volumes[1].secret.secretName: Required value",
        "spec.volumes[2].downwardAPI.items[0].fieldRef.fieldPath: Unsupported value: \"spec.nodeName\"",
        "spec.volumes[2].downwardAPI.items[1]: Required value: one of fieldRef and resourceFieldRef is required",
        "spec.volumes[3].projected.sources[1]: Invalid value: \"same\": conflicting duplicate paths",
        "spec.containers[0].env[0].valueFrom.configMapKeyRef.key: Invalid value: \"a/b\"",
        "spec.containers[0].env[1].valueFrom.secretKeyRef.name: Required value",
        "spec.containers[0].env[2].valueFrom: Invalid value: \"\": may not have more than one field specified",
        "spec.containers[0].envFrom[0].prefix: Invalid value: \"1X\"",
        "spec.containers[0].envFrom[1]: Invalid value: \"\": must specify one of: `configMapRef` or `secretRef`",
        "spec.imagePullSecrets[0].name: Required value",
    ]
    assert len(errors) == len(expected), errors
    for got, want in zip(errors, expected):
        assert got.startswith(want), (got, want)


def test_volume_defaults_are_kubernetes():
    pod = from_yaml("""
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: app, image: busybox}]
  volumes:
  - {name: a, configMap: {name: c}}
  - {name: b, downwardAPI: {items: [{path: n, fieldRef: {fieldPath: metadata.name}}]}}
""")
    for v in pod.spec.volumes:
        podsources.default_volume(v)
    assert pod.spec.volumes[0].config_map.default_mode == 0o644
    assert pod.spec.volumes[1].downward_api.items[0].field_ref.api_version == "v1"
