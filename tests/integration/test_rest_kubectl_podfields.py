"""Stock kubectl (v1.32) with the pod fields about the node that runs it: hostPID/hostIPC, readinessGates, os,
setHostnameAsFQDN, runtimeClassName with a node.k8s.io/v1 RuntimeClass (its admission), refusals in Kubernetes'
words; and readiness gates, lifecycle hooks and the node's refusals by a real agent (over the fake runtime)."""
from __future__ import annotations

import json

import pytest

from nodeagent.runtime.base import ExecResult
from nodeagent.runtime.fake import FakeRuntime
from tests.fixtures.cli_runner import write
from tests.fixtures.fake_runtime_agent import agent_config, running_agent
from tests.fixtures.wait import eventually

pytestmark = pytest.mark.integration

RUNTIME_CLASS = """apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata:
  name: standard-runc
handler: runc
overhead:
  podFixed: {cpu: 250m, memory: 120Mi}
scheduling:
  nodeSelector: {runtime: runc}
"""

POD = """apiVersion: v1
kind: Pod
metadata:
  name: node-exporter
spec:
  hostPID: true
  hostIPC: true
  os: {name: linux}
  runtimeClassName: standard-runc
  hostname: exporter
  subdomain: metrics
  setHostnameAsFQDN: true
  readinessGates:
  - conditionType: "www.example.com/feature-1"
  containers:
  - name: app
    image: busybox
    resizePolicy: [{resourceName: cpu, restartPolicy: NotRequired}]
"""


async def _class_cached(client):
    pod = await client.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "probe"},
                               "spec": {"runtimeClassName": "standard-runc",
                                        "containers": [{"name": "c", "image": "busybox"}]}}, dry_run=True)
    return bool(pod.spec.overhead)


async def test_the_fields_round_trip_and_the_runtime_class_admission_fills_the_pod(kubectl, client, tmp_path):
    made = await kubectl("apply", "-f", write(tmp_path, "rc.yaml", RUNTIME_CLASS))
    assert (made.code, made.out.strip()) == (0, "runtimeclass.node.k8s.io/standard-runc created"), made.err
    listed = await kubectl("get", "runtimeclass")
    assert listed.out.split("\n")[0].split() == ["NAME", "HANDLER", "AGE"], listed.err
    assert listed.out.split("\n")[1].split()[:2] == ["standard-runc", "runc"]
    await eventually(lambda: _class_cached(client), what="RuntimeClass in the admission's cache")
    applied = await kubectl("apply", "-f", write(tmp_path, "pod.yaml", POD))
    assert (applied.code, applied.out.strip()) == (0, "pod/node-exporter created"), applied.err
    got = await kubectl("get", "pod", "node-exporter", "-o", "json")
    spec = json.loads(got.out)["spec"]
    assert (spec["hostPID"], spec["hostIPC"], spec["os"], spec["setHostnameAsFQDN"]) == \
           (True, True, {"name": "linux"}, True)
    assert spec["readinessGates"] == [{"conditionType": "www.example.com/feature-1"}]
    assert spec["containers"][0]["resizePolicy"] == [{"resourceName": "cpu", "restartPolicy": "NotRequired"}]
    assert (spec["runtimeClassName"], spec["overhead"], spec["nodeSelector"]) == \
           ("standard-runc", {"cpu": "250m", "memory": "120Mi"}, {"runtime": "runc"})
    again = await kubectl("apply", "-f", write(tmp_path, "pod.yaml", POD))
    assert (again.code, again.out.strip()) == (0, "pod/node-exporter unchanged"), again.err
    for path, shown in (("pod.spec.hostPID", "FIELD: hostPID <boolean>"),
                        ("pod.spec.readinessGates.conditionType", "FIELD: conditionType <string>"),
                        ("runtimeclass.handler", "FIELD: handler <string>")):
        explained = await kubectl("explain", path)
        assert explained.code == 0 and shown in explained.out, explained.err


@pytest.mark.parametrize("spec, message", [
    ("  runtimeClassName: nope\n",
     'pods "p" is forbidden: pod rejected: RuntimeClass "nope" not found'),
    ("  overhead: {cpu: 100m}\n",
     'pods "p" is forbidden: pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead'),
    ("  hostUsers: false\n",
     'The Pod "p" is invalid: spec.hostUsers: Forbidden: a user namespace of the pod\'s own is not supported'),
    ("  hostPID: true\n  shareProcessNamespace: true\n",
     'The Pod "p" is invalid: spec.securityContext.shareProcessNamespace: Invalid value: true: '
     'ShareProcessNamespace and HostPID cannot both be enabled'),
])
async def test_what_cannot_be_honoured_is_refused_in_kubernetes_words(kubectl, tmp_path, spec, message):
    text = f"apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n{spec}  containers: [{{name: c, image: busybox}}]\n"
    refused = await kubectl("apply", "-f", write(tmp_path, "p.yaml", text))
    assert refused.code == 1 and message in refused.err, refused.err
    assert (await kubectl("get", "pod", "p")).code == 1  # nothing stored


async def test_baseline_refuses_host_pid_and_ipc_with_kubernetes_message(kubectl, client, tmp_path):
    await kubectl("create", "namespace", "locked")
    await kubectl("label", "namespace", "locked", "pod-security.kubernetes.io/enforce=baseline")
    text = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: locked}\n"
            "spec:\n  hostPID: true\n  hostIPC: true\n  containers: [{name: c, image: busybox}]\n")
    refused = await kubectl("apply", "-f", write(tmp_path, "p.yaml", text))
    assert refused.code == 1
    assert ('pods "p" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostPID=true, '
            'hostIPC=true)') in refused.err, refused.err


GATED = """apiVersion: v1
kind: Pod
metadata: {name: gated}
spec:
  nodeName: node-a
  readinessGates: [{conditionType: "www.example.com/feature-1"}]
  containers: [{name: app, image: busybox}]
"""


def _condition(pod: dict, type_: str) -> dict:
    return next((c for c in pod["status"].get("conditions", []) if c["type"] == type_), {})


async def test_ready_waits_for_the_gate_set_through_the_status_subresource(kubectl, client, tmp_path):
    async with running_agent(client, agent_config(client.server, tmp_path), FakeRuntime()):
        assert (await kubectl("apply", "-f", write(tmp_path, "g.yaml", GATED))).code == 0

        async def pod() -> dict:
            return json.loads((await kubectl("get", "pod", "gated", "-o", "json")).out)

        async def ready_is(status: str, reason: str = "") -> bool:
            p = await pod()
            ready = _condition(p, "Ready")
            return (_condition(p, "ContainersReady").get("status") == "True" and ready.get("status") == status
                    and ready.get("reason", "") == reason)

        await eventually(lambda: ready_is("False", "ReadinessGatesNotReady"), what="Ready False for the gate")
        ready = _condition(await pod(), "Ready")
        assert ready["message"] == 'corresponding condition of pod readiness gate "www.example.com/feature-1" ' \
                                   'does not exist.'
        patch = {"status": {"conditions": [{"type": "www.example.com/feature-1", "status": "False"}]}}
        done = await kubectl("patch", "pod", "gated", "--subresource=status", "-p", json.dumps(patch))
        assert done.code == 0, done.err
        await eventually(lambda: _says_not_true(pod), what="the gate's False in Ready's message")
        patch["status"]["conditions"][0]["status"] = "True"
        assert (await kubectl("patch", "pod", "gated", "--subresource=status", "-p", json.dumps(patch))).code == 0
        await eventually(lambda: ready_is("True"), what="Ready once the gate is True")
        # The agent's own writes keep the condition others wrote.
        assert _condition(await pod(), "www.example.com/feature-1")["status"] == "True"


async def _says_not_true(pod) -> bool:
    return _condition(await pod(), "Ready").get("message") == \
        'the status of pod readiness gate "www.example.com/feature-1" is not "True", but False'


async def test_the_node_refuses_another_runtime_handler_and_another_os(kubectl, client, tmp_path):
    gvisor = "apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata: {name: gvisor}\nhandler: runsc\n"
    assert (await kubectl("apply", "-f", write(tmp_path, "rc.yaml", gvisor))).code == 0
    sandboxed = ("apiVersion: v1\nkind: Pod\nmetadata: {name: sandboxed}\nspec:\n  nodeName: node-a\n"
                 "  runtimeClassName: gvisor\n  containers: [{name: app, image: busybox}]\n")
    windows = ("apiVersion: v1\nkind: Pod\nmetadata: {name: win}\nspec:\n  nodeName: node-a\n"
               "  os: {name: windows}\n  containers: [{name: app, image: busybox}]\n")
    async with running_agent(client, agent_config(client.server, tmp_path), FakeRuntime()):
        await eventually(lambda: _created(kubectl, tmp_path, sandboxed), what="the pod past the class's cache")
        assert (await kubectl("apply", "-f", write(tmp_path, "w.yaml", windows))).code == 0

        async def refused_sandbox() -> bool:
            events = (await kubectl("get", "events", "--field-selector", "involvedObject.name=sandboxed")).out
            return "FailedCreatePodSandBox" in events and 'no runtime for "runsc" is configured' in events

        await eventually(refused_sandbox, what="FailedCreatePodSandBox for the runsc handler")
        waiting = json.loads((await kubectl("get", "pod", "sandboxed", "-o", "json")).out)["status"]
        assert waiting["containerStatuses"][0]["state"]["waiting"]["reason"] == "ContainerCreating"

        async def failed() -> dict | None:
            status = json.loads((await kubectl("get", "pod", "win", "-o", "json")).out)["status"]
            return status if status.get("phase") == "Failed" else None

        status = await eventually(failed, what="the windows pod Failed")
        assert (status["reason"], status["message"]) == (
            "PodOSNotSupported", "Failed to admit pod as the OS field doesn't match node OS")


async def _created(kubectl, tmp_path, text: str) -> bool:
    return (await kubectl("apply", "-f", write(tmp_path, "s.yaml", text))).code == 0


HOOKED = """apiVersion: v1
kind: Pod
metadata: {name: hooked}
spec:
  nodeName: node-a
  terminationGracePeriodSeconds: 5
  containers:
  - name: app
    image: busybox
    lifecycle:
      postStart: {exec: {command: [post-start]}}
      preStop: {exec: {command: [pre-stop]}}
"""


async def test_post_start_and_pre_stop_hooks_run_and_a_failed_post_start_restarts_the_container(
        kubectl, client, tmp_path):
    runtime = FakeRuntime()
    failing = {"post-start"}
    runtime.exec_handler = lambda info, cmd: ExecResult(1, b"nope") if cmd[0] in failing else ExecResult(0, b"")
    async with running_agent(client, agent_config(client.server, tmp_path), runtime):
        assert (await kubectl("apply", "-f", write(tmp_path, "h.yaml", HOOKED))).code == 0

        async def hook_failed() -> bool:
            events = (await kubectl("get", "events", "--field-selector", "involvedObject.name=hooked")).out
            return "FailedPostStartHook" in events and "Exec lifecycle hook ([post-start])" in events

        await eventually(hook_failed, what="FailedPostStartHook")
        failing.clear()  # the next attempt's hook succeeds: the container runs

        async def running() -> bool:
            status = json.loads((await kubectl("get", "pod", "hooked", "-o", "json")).out)["status"]
            return status.get("phase") == "Running" and status["containerStatuses"][0]["restartCount"] >= 1

        await eventually(running, timeout=30, what="running after a restart")
        assert (await kubectl("delete", "pod", "hooked", "--wait=false")).code == 0
        await eventually(lambda: any(c[0] == "exec" and c[2] == ("pre-stop",) for c in runtime.calls),
                         what="the preStop hook run")


NODE_EXPORTER = """apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-exporter, namespace: watched}
spec:
  selector: {matchLabels: {app: node-exporter}}
  template:
    metadata: {labels: {app: node-exporter}}
    spec:
      hostNetwork: true
      hostPID: true
      containers:
      - name: node-exporter
        image: busybox
        args: ["--path.rootfs=/host"]
"""


async def test_a_node_exporter_daemon_set_is_accepted_with_the_baseline_warning(kubectl, tmp_path):
    await kubectl("create", "namespace", "watched")
    await kubectl("label", "namespace", "watched", "pod-security.kubernetes.io/warn=baseline")
    applied = await kubectl("apply", "-f", write(tmp_path, "ds.yaml", NODE_EXPORTER))
    assert (applied.code, applied.out.strip()) == (0, "daemonset.apps/node-exporter created"), applied.err
    assert ('Warning: would violate PodSecurity "baseline:latest": host namespaces (hostNetwork=true, hostPID=true)'
            in applied.err), applied.err
    got = json.loads((await kubectl("get", "ds", "node-exporter", "-n", "watched", "-o", "json")).out)
    assert got["spec"]["template"]["spec"]["hostPID"] is True
