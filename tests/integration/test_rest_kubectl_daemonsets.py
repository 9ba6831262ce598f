"""Stock kubectl (v1.32) with DaemonSets over skiff's REST API: apply of the docs' fluentd manifest, the
printed columns, `rollout status ds/NAME`, a rolling update, and refusals; skiff's own get/describe/rollout."""
from __future__ import annotations

import pytest

from tests.fixtures.cli_runner import write
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.fake_agent import fake_agent
from tests.fixtures.objects import node

pytestmark = pytest.mark.integration

# kubernetes/website content/en/examples/controllers/fluentd-daemonset.yaml (image: the lab's busybox)
FLUENTD = """apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: fluentd-elasticsearch
  namespace: kube-system
  labels:
    k8s-app: fluentd-logging
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: fluentd-elasticsearch
  updateStrategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 1
  template:
    metadata:
      labels:
        app.kubernetes.io/name: fluentd-elasticsearch
    spec:
      tolerations:
      - key: node-role.kubernetes.io/control-plane
        operator: Exists
        effect: NoSchedule
      - key: node-role.kubernetes.io/master
        operator: Exists
        effect: NoSchedule
      containers:
      - name: fluentd-elasticsearch
        image: busybox:latest
        volumeMounts:
        - name: varlog
          mountPath: /var/log
        - name: varlibdockercontainers
          mountPath: /var/lib/docker/containers
          readOnly: true
      terminationGracePeriodSeconds: 30
      volumes:
      - name: varlog
        hostPath:
          path: /var/log
      - name: varlibdockercontainers
        hostPath:
          path: /var/lib/docker/containers
"""
HEADERS = ["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE", "SELECTOR", "AGE"]


async def test_apply_get_rollout_status_and_update_of_the_fluentd_daemonset(kubectl, skiff, client, tmp_path):
    for name in ("n1", "n2"):
        await client.create(node(name))
    # the fake agent plays the nodes for pods of `default`
    path = write(tmp_path, "ds.yaml", FLUENTD.replace("namespace: kube-system", "namespace: default"))
    async with running_manager(client, ["daemonset"]), fake_agent(client):
        applied = await kubectl("apply", "-f", path)
        assert (applied.code, applied.out.strip()) == (0, "daemonset.apps/fluentd-elasticsearch created"), applied.err
        done = await kubectl("rollout", "status", "ds/fluentd-elasticsearch", "--timeout=30s")
        assert done.code == 0, done.err
        assert 'daemon set "fluentd-elasticsearch" successfully rolled out' in done.out
        listed = await kubectl("get", "ds")
        lines = listed.out.splitlines()
        assert lines[0].split() == HEADERS
        assert lines[1].split()[:7] == ["fluentd-elasticsearch", "2", "2", "2", "2", "2", "<none>"]
        ours = await skiff("get", "ds")
        assert ours.out.splitlines()[0].split() == HEADERS

        updated = await kubectl("set", "image", "ds/fluentd-elasticsearch", "fluentd-elasticsearch=busybox:1.36")
        assert updated.code == 0, updated.err
        done = await skiff("rollout", "status", "ds/fluentd-elasticsearch", "--timeout=40s")
        assert done.code == 0, done.err
        assert done.out.strip().splitlines()[-1] == 'daemon set "fluentd-elasticsearch" successfully rolled out'
        pods = (await client.list("Pod", "default",
                                  label_selector="app.kubernetes.io/name=fluentd-elasticsearch")).items
        live = [p for p in pods if not p.metadata.deletion_timestamp]
        assert len(live) == 2 and all(p.spec.containers[0].image == "busybox:1.36" for p in live)
        described = (await skiff("describe", "ds", "fluentd-elasticsearch")).out
        counts = {line.split(":")[0]: line.split(":")[1].strip() for line in described.splitlines()
                  if line.startswith(("Desired Number", "Number of Nodes Scheduled with Up-to-date"))}
        assert counts == {"Desired Number of Nodes Scheduled": "2",
                          "Number of Nodes Scheduled with Up-to-date Pods": "2"}, described


async def test_invalid_daemonsets_are_refused_with_field_paths(kubectl, client, tmp_path):
    bad = FLUENTD.replace("      terminationGracePeriodSeconds: 30\n",
                          "      terminationGracePeriodSeconds: 30\n      restartPolicy: Never\n")
    bad = bad.replace("      labels:\n        app.kubernetes.io/name: fluentd-elasticsearch\n",
                      "      labels:\n        app.kubernetes.io/name: other\n")
    done = await kubectl("apply", "-f", write(tmp_path, "bad.yaml", bad))
    assert done.code != 0
    assert 'The DaemonSet "fluentd-elasticsearch" is invalid' in done.err
    assert 'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"' in done.err
    assert "`selector` does not match template `labels`" in done.err
    assert not (await client.list("DaemonSet", "kube-system")).items
