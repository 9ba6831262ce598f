"""Stock kubectl (v1.32) and skiff with PriorityClasses over a real API server: the docs' high-priority class and
its pod, the system classes, columns and describe, and refusals in Kubernetes' words."""
from __future__ import annotations

import pytest

from tests.fixtures.cli_runner import write

pytestmark = pytest.mark.integration

# kubernetes/website, concepts/scheduling-eviction/pod-priority-preemption: the example PriorityClass
HIGH_PRIORITY = """apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: high-priority
value: 1000000
globalDefault: false
description: "This priority class should be used for XYZ service pods only."
"""
# ... and the pod that uses it
NGINX = """apiVersion: v1
kind: Pod
metadata:
  name: nginx
  labels:
    env: test
spec:
  containers:
  - name: nginx
    image: nginx
    imagePullPolicy: IfNotPresent
  priorityClassName: high-priority
"""


async def test_the_docs_class_and_its_pod_get_their_priority(kubectl, skiff, client, tmp_path):
    applied = await kubectl("apply", "-f", write(tmp_path, "pc.yaml", HIGH_PRIORITY))
    assert (applied.code, applied.out.strip()) == (0, "priorityclass.scheduling.k8s.io/high-priority created"), \
        applied.err
    # again: `configured`, as from Kubernetes (globalDefault false is omitted in storage, so kubectl patches it)
    again = await kubectl("apply", "-f", write(tmp_path, "pc.yaml", HIGH_PRIORITY))
    assert again.code == 0, again.err
    made = await kubectl("apply", "-f", write(tmp_path, "pod.yaml", NGINX))
    assert made.code == 0, made.err
    shown = await kubectl("get", "pod", "nginx", "-o", "jsonpath={.spec.priority} {.spec.preemptionPolicy}")
    assert shown.out == "1000000 PreemptLowerPriority", shown.err
    for listed in (await kubectl("get", "pc"), await skiff("get", "priorityclasses")):
        lines = [line.split() for line in listed.out.splitlines()]
        assert lines[0] == ["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"], listed.err
        rows = {line[0]: line[1:3] + line[4:] for line in lines[1:]}
        assert rows == {"high-priority": ["1000000", "false", "PreemptLowerPriority"],
                        "system-cluster-critical": ["2000000000", "false", "PreemptLowerPriority"],
                        "system-node-critical": ["2000001000", "false", "PreemptLowerPriority"]}
    described = await kubectl("describe", "priorityclass", "high-priority")
    ours = await skiff("describe", "pc", "high-priority")
    for text in (described.out, ours.out):
        assert "Value:             1000000" in text.splitlines(), text
        assert "Description:       This priority class should be used for XYZ service pods only." in text
    pod = await skiff("describe", "pod", "nginx")
    assert "Priority Class Name:  high-priority" in pod.out.splitlines(), pod.out
    for path, shown in (("priorityclass.value", "FIELD: value <integer>"),
                        ("pod.spec.priorityClassName", "FIELD: priorityClassName <string>")):
        explained = await kubectl("explain", path)
        assert explained.code == 0 and shown in explained.out, explained.err


async def test_kubectl_and_skiff_create_priorityclass(kubectl, skiff, client):
    done = await kubectl("create", "priorityclass", "batch", "--value=-10", "--description=batch jobs",
                         "--preemption-policy=Never")
    assert done.code == 0, done.err
    pc = await client.get("PriorityClass", "batch")
    assert (pc.value, pc.description, pc.preemption_policy, pc.global_default) == (-10, "batch jobs", "Never", False)
    ours = await skiff("create", "priorityclass", "web", "--value=1000", "--global-default=true")
    assert ours.out.strip() == "priorityclass.scheduling.k8s.io/web created", ours.err
    pc = await client.get("PriorityClass", "web")
    assert (pc.value, pc.preemption_policy, pc.global_default) == (1000, "PreemptLowerPriority", True)


async def test_refusals_are_in_kubernetes_words(kubectl, client, tmp_path):
    missing = await kubectl("apply", "-f", write(tmp_path, "pod.yaml", NGINX))
    assert missing.code != 0
    assert 'pods "nginx" is forbidden: no PriorityClass with name high-priority was found' in missing.err, missing.err
    too_high = await kubectl("apply", "-f", write(tmp_path, "pc.yaml", HIGH_PRIORITY.replace("1000000", "2000000000")))
    assert 'The PriorityClass "high-priority" is invalid: value: Forbidden: maximum allowed value of a user ' \
           'defined priority is 1000000000' in too_high.err, too_high.err
    first = await kubectl("create", "priorityclass", "first", "--value=1", "--global-default")
    assert first.code == 0, first.err
    second = await kubectl("create", "priorityclass", "second", "--value=2", "--global-default")
    assert 'priorityclasses.scheduling.k8s.io "second" is forbidden: PriorityClass first is already marked as ' \
           'default. Only one default can exist' in second.err, second.err
    system = await kubectl("delete", "priorityclass", "system-node-critical")
    assert 'priorityclasses.scheduling.k8s.io "system-node-critical" is forbidden: this is a system priority class ' \
           'and cannot be deleted' in system.err, system.err
    changed = await kubectl("patch", "pc", "first", "-p", '{"value": 5}')
    assert 'The PriorityClass "first" is invalid: value: Forbidden: may not be changed in an update.' in changed.err
    assert [pc.metadata.name for pc in (await client.list("PriorityClass")).items] == \
        ["first", "system-cluster-critical", "system-node-critical"]
