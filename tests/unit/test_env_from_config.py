"""Env from ConfigMaps and Secrets as the kubelet builds it: keys, envFrom with a prefix, optional sources,
and the kubelet's own messages for what is missing."""
import pytest

from nodeagent import downward, envvars
from proto import types_pb2
from tests.fixtures.objects import from_yaml

OBJECTS = {
    ("ConfigMap", "cfg"): types_pb2.ConfigMap(data={"LOG_LEVEL": "debug", "mode": "fast", "bad=name": "x"}),
    ("Secret", "creds"): types_pb2.Secret(data={"password": b"s3cret", "user": b"admin"}),
}
FACTS = downward.PodFacts()


def lookup(kind, name):
    return OBJECTS.get((kind, name))


def _env(container_yaml: str) -> dict[str, str]:
    pod = from_yaml(f"""
apiVersion: v1
kind: Pod
metadata: {{name: web, namespace: shop}}
spec:
  containers:
  - {container_yaml}
""")
    return envvars.resolve(pod.spec.containers[0], pod, FACTS, lookup)


def test_keys_of_config_maps_and_secrets():
    env = _env("{name: app, image: busybox, env: [{name: LEVEL, valueFrom: {configMapKeyRef: {name: cfg, key: LOG_LEVEL}}},"
               " {name: PASS, valueFrom: {secretKeyRef: {name: creds, key: password}}}, {name: BOTH, value: $(LEVEL)-$(PASS)}]}")
    assert env == {"LEVEL": "debug", "PASS": "s3cret", "BOTH": "debug-s3cret"}


def test_env_from_with_a_prefix_skips_invalid_names_and_env_overrides_it():
    env = _env("{name: app, image: busybox, envFrom: [{configMapRef: {name: cfg}, prefix: CFG_}, {secretRef: {name: creds}}],"
               " env: [{name: user, value: root}]}")
    assert env == {"CFG_LOG_LEVEL": "debug", "CFG_mode": "fast", "password": "s3cret", "user": "root"}


def test_optional_sources_that_are_missing_leave_variables_out():
    env = _env("{name: app, image: busybox, envFrom: [{configMapRef: {name: nope, optional: true}}],"
               " env: [{name: A, valueFrom: {configMapKeyRef: {name: cfg, key: nokey, optional: true}}},"
               " {name: B, valueFrom: {secretKeyRef: {name: nope, key: k, optional: true}}}]}")
    assert env == {}


@pytest.mark.parametrize("container,message", [
    ("{name: app, image: busybox, env: [{name: A, valueFrom: {configMapKeyRef: {name: nope, key: k}}}]}",
     'configmap "nope" not found'),
    ("{name: app, image: busybox, env: [{name: A, valueFrom: {configMapKeyRef: {name: cfg, key: k}}}]}",
     "couldn't find key k in ConfigMap shop/cfg"),
    ("{name: app, image: busybox, env: [{name: A, valueFrom: {secretKeyRef: {name: creds, key: k}}}]}",
     "couldn't find key k in Secret shop/creds"),
    ("{name: app, image: busybox, envFrom: [{secretRef: {name: nope}}]}", 'secret "nope" not found'),
])
def test_what_is_missing_is_the_kubelets_message(container, message):
    with pytest.raises(envvars.EnvError) as e:
        _env(container)
    assert str(e.value) == message
