"""Volume payloads as the kubelet computes them: keys as files, items with paths and modes, optional sources,
downwardAPI files, projected volumes merging sources, and the references a pod makes."""
import pytest

from nodeagent import downward, projection
from nodeagent.atomicwriter import FileProjection
from proto import types_pb2
from tests.fixtures.objects import from_yaml

CM = types_pb2.ConfigMap(metadata=types_pb2.ObjectMeta(name="cfg", namespace="default"),
                         data={"game.properties": "lives=3", "ui": "color=red"}, binary_data={"blob": b"\x00\x01"})
SECRET = types_pb2.Secret(metadata=types_pb2.ObjectMeta(name="creds", namespace="default"),
                          data={"user": b"admin", "pass": b"s3cret"})
OBJECTS = {("ConfigMap", "cfg"): CM, ("Secret", "creds"): SECRET}
FACTS = downward.PodFacts(pod_ip="10.244.1.5")


def lookup(kind, name):
    return OBJECTS.get((kind, name))


def _pod(volumes_yaml: str):
    return from_yaml(f"""
apiVersion: v1
kind: Pod
metadata: {{name: web, namespace: default, labels: {{app: web}}}}
spec:
  containers: [{{name: app, image: busybox, resources: {{limits: {{memory: 32Mi}}}}}}]
  volumes:
{volumes_yaml}
""")


def _payload(volumes_yaml):
    pod = _pod(volumes_yaml)
    return projection.payload(pod.spec.volumes[0], pod, lookup, FACTS)


def test_every_key_becomes_a_file_of_its_name_with_the_default_mode():
    assert _payload("  - {name: v, configMap: {name: cfg}}") == {
        "game.properties": FileProjection(b"lives=3", 0o644), "ui": FileProjection(b"color=red", 0o644),
        "blob": FileProjection(b"\x00\x01", 0o644)}


def test_items_choose_keys_paths_and_modes():
    files = _payload("  - {name: v, secret: {secretName: creds, defaultMode: 0400, "
                     "items: [{key: user, path: auth/user}, {key: pass, path: auth/pass, mode: 0600}]}}")
    assert files == {"auth/user": FileProjection(b"admin", 0o400), "auth/pass": FileProjection(b"s3cret", 0o600)}


def test_a_missing_object_is_the_kubelets_error_unless_optional():
    with pytest.raises(projection.ProjectionError, match='^configmap "nope" not found$'):
        _payload("  - {name: v, configMap: {name: nope}}")
    with pytest.raises(projection.ProjectionError, match='^secret "nope" not found$'):
        _payload("  - {name: v, secret: {secretName: nope}}")
    assert _payload("  - {name: v, configMap: {name: nope, optional: true}}") == {}


def test_a_missing_item_key_is_an_error_unless_optional():
    with pytest.raises(projection.ProjectionError, match="non-existent config key: nokey"):
        _payload("  - {name: v, configMap: {name: cfg, items: [{key: nokey, path: x}]}}")
    assert _payload("  - {name: v, configMap: {name: cfg, optional: true, items: [{key: nokey, path: x}]}}") == {}


def test_downward_api_files():
    files = _payload("""  - name: v
    downwardAPI:
      items:
      - {path: labels, fieldRef: {fieldPath: metadata.labels}}
      - {path: mem, resourceFieldRef: {containerName: app, resource: limits.memory, divisor: 1Mi}, mode: 0444}""")
    assert files == {"labels": FileProjection(b'app="web"', 0o644), "mem": FileProjection(b"32", 0o444)}


def test_projected_sources_merge_under_one_default_mode():
    files = _payload("""  - name: v
    projected:
      defaultMode: 0440
      sources:
      - configMap: {name: cfg, items: [{key: ui, path: ui.conf}]}
      - secret: {name: creds, items: [{key: user, path: user}]}
      - downwardAPI: {items: [{path: name, fieldRef: {fieldPath: metadata.name}}]}
      - secret: {name: absent, optional: true}""")
    assert files == {"ui.conf": FileProjection(b"color=red", 0o440), "user": FileProjection(b"admin", 0o440),
                     "name": FileProjection(b"web", 0o440)}


def test_an_item_path_leaving_the_volume_is_refused():
    with pytest.raises(projection.ProjectionError, match="'..'"):
        _payload("  - {name: v, configMap: {name: cfg, items: [{key: ui, path: ../../etc/x}]}}")


def test_secret_and_projected_volumes_live_on_tmpfs_only():
    pod = _pod("""  - {name: a, configMap: {name: cfg}}
  - {name: b, secret: {secretName: creds}}
  - {name: c, projected: {sources: []}}
  - {name: d, downwardAPI: {items: []}}
  - {name: e, emptyDir: {}}""")
    assert [projection.is_tmpfs(v) for v in pod.spec.volumes] == [False, True, True, False, False]
    assert [projection.is_config_volume(v) for v in pod.spec.volumes] == [True, True, True, True, False]


def test_references_cover_volumes_env_env_from_and_pull_secrets():
    pod = from_yaml("""
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  imagePullSecrets: [{name: regcred}]
  initContainers:
  - {name: init, image: busybox, envFrom: [{configMapRef: {name: init-cm}}]}
  containers:
  - name: app
    image: busybox
    env: [{name: A, valueFrom: {secretKeyRef: {name: s1, key: k}}}, {name: B, valueFrom: {configMapKeyRef: {name: c1, key: k}}}]
    envFrom: [{secretRef: {name: s2}, prefix: S_}]
  volumes:
  - {name: v1, configMap: {name: c2}}
  - {name: v2, projected: {sources: [{secret: {name: s3}}, {configMap: {name: c3}}]}}
""")
    assert projection.references(pod) == {("Secret", "regcred"), ("ConfigMap", "init-cm"), ("Secret", "s1"),
                                          ("ConfigMap", "c1"), ("Secret", "s2"), ("ConfigMap", "c2"),
                                          ("Secret", "s3"), ("ConfigMap", "c3")}
