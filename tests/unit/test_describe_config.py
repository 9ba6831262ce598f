"""`skiff describe` of ConfigMaps (data in full), Secrets (type and sizes, never values) and of a pod's
config volumes and env sources, in kubectl's layout."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from cli.describe import describe
from tests.fixtures.objects import from_yaml

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def test_a_config_map_shows_its_data_and_binary_sizes():
    cm = from_yaml("""
apiVersion: v1
kind: ConfigMap
metadata: {name: game, namespace: default}
data: {game.properties: "lives=3", ui: "color=red"}
binaryData: {blob: AAEC}
""")
    text = "\n".join(describe(cm, [], NOW))
    assert "Data\n====\ngame.properties:\n----\nlives=3\n\nui:\n----\ncolor=red\n" in text
    assert "BinaryData\n====\nblob: 3 bytes" in text


def test_a_secret_shows_sizes_never_values():
    secret = from_yaml("""
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: default}
type: kubernetes.io/basic-auth
data: {username: YWRtaW4=, password: czNjcmV0LXZhbHVl}
""")
    text = "\n".join(describe(secret, [], NOW))
    assert re.search(r"Type:\s+kubernetes.io/basic-auth", text)
    assert "password:  12 bytes" in text and "username:  5 bytes" in text
    assert "s3cret" not in text and "admin" not in text


def test_a_pod_shows_where_its_env_and_volumes_come_from():
    pod = from_yaml("""
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default}
spec:
  containers:
  - name: app
    image: busybox
    envFrom: [{configMapRef: {name: cfg}, prefix: CFG_}]
    env:
    - {name: PASS, valueFrom: {secretKeyRef: {name: db, key: password}}}
    - {name: LEVEL, valueFrom: {configMapKeyRef: {name: cfg, key: level, optional: true}}}
  volumes:
  - {name: config, configMap: {name: cfg}}
  - {name: creds, secret: {secretName: db}}
""")
    text = "\n".join(describe(pod, [], NOW))
    assert "cfg  ConfigMap with prefix 'CFG_'  Optional: false" in text
    assert "<set to the key 'password' in secret 'db'>  Optional: false" in text
    assert "<set to the key 'level' of config map 'cfg'>  Optional: true" in text
    assert "ConfigMap (a volume populated by a ConfigMap)" in text and re.search(r"SecretName:\s+db", text)
