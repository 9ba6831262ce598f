"""Stock kubectl (v1.32) with admissionregistration.k8s.io/v1 Validating- and MutatingWebhookConfigurations:
the API server calls a real HTTPS webhook on 127.0.0.1 (trusted through caBundle) as Kubernetes' dynamic admission
control does: denials in Kubernetes' words, JSONPatch mutations, failurePolicy, selectors and dry runs."""
from __future__ import annotations

import socket

import pytest

from tests.fixtures.cli_runner import write
from tests.fixtures.wait import eventually
from tests.fixtures.webhook_server import config, json_patch, reviewed, webhook_server

pytestmark = pytest.mark.integration

VALIDATING, MUTATING = "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"


def pod(name: str, labels: str = "{}") -> str:
    return f"""apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: default, labels: {labels}}}
spec:
  containers: [{{name: c, image: nginx}}]
"""


async def _apply(kubectl, tmp_path, name: str, text: str, *flags: str):
    return await kubectl("apply", "-f", write(tmp_path, name, text), *flags)


async def _until(kubectl, tmp_path, name: str, text: str, holds, what: str):
    """Apply until the result satisfies `holds` (the configuration reaches admission through a watch cache)."""
    async def attempt():
        got = await _apply(kubectl, tmp_path, name, text)
        return got if holds(got) else None
    return await eventually(attempt, what=what)


def _deny_pods_named_bad(request: dict) -> dict:
    if request["name"] == "bad":
        return {"allowed": False, "status": {"message": "pods named bad are not welcome", "code": 403}}
    return {"allowed": True, "warnings": ["the webhook saw this pod"]}


async def test_validating_webhook_denies_a_pod_in_kubernetes_words(kubectl, tmp_path):
    async with webhook_server(_deny_pods_named_bad) as server:
        made = await _apply(kubectl, tmp_path, "v.yaml", config(VALIDATING, "deny.example.com",
                                                                server.url + "/validate", server.ca_bundle))
        assert made.code == 0, made.err
        assert "validatingwebhookconfiguration.admissionregistration.k8s.io/deny.example.com-config created" \
            in made.out
        refused = await _until(kubectl, tmp_path, "bad.yaml", pod("bad"), lambda g: g.code != 0, "the denial")
        # no reason in the webhook's Status: kubectl names none, as against Kubernetes
        assert refused.err.strip() == ('Error from server: error when creating "' + str(tmp_path / "bad.yaml")
                                       + '": admission webhook "deny.example.com" denied the request: pods named bad '
                                       'are not welcome')
        good = await _apply(kubectl, tmp_path, "good.yaml", pod("good"))
        assert good.code == 0 and "Warning: the webhook saw this pod" in good.err
        request = reviewed(server)[-1]
        assert (request["kind"], request["resource"], request["operation"], request["namespace"]) == (
            {"group": "", "version": "v1", "kind": "Pod"}, {"group": "", "version": "v1", "resource": "pods"},
            "CREATE", "default")
        assert request["object"]["metadata"]["name"] == "good" and request["dryRun"] is False
        assert request["userInfo"]["username"] and request["options"]["kind"] == "CreateOptions"

        listed = await kubectl("get", "validatingwebhookconfigurations")
        assert listed.out.split("\n")[0].split() == ["NAME", "WEBHOOKS", "AGE"]
        assert listed.out.split("\n")[1].split()[:2] == ["deny.example.com-config", "1"]
        shown = await kubectl("get", "validatingwebhookconfiguration", "deny.example.com-config", "-o", "yaml")
        assert "failurePolicy: Fail" in shown.out and "timeoutSeconds: 10" in shown.out


async def test_mutating_webhook_adds_a_label_by_json_patch(kubectl, tmp_path):
    add = json_patch([{"op": "add", "path": "/metadata/labels/mutated", "value": "yes"}])
    async with webhook_server(lambda request: add) as server:
        made = await _apply(kubectl, tmp_path, "m.yaml", config(MUTATING, "label.example.com",
                                                                server.url + "/mutate", server.ca_bundle))
        assert made.code == 0, made.err
        await _until(kubectl, tmp_path, "p.yaml", pod("web", "{app: web}"), lambda g: g.code == 0 and server.reviews,
                     "the mutating webhook to be called")
        labels = await kubectl("get", "pod", "web", "-o", "jsonpath={.metadata.labels}")
        assert labels.out == '{"app":"web","mutated":"yes"}'
        listed = await kubectl("get", "mutatingwebhookconfigurations")
        assert listed.out.split("\n")[1].split()[:2] == ["label.example.com-config", "1"]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_failure_policy_fail_refuses_and_ignore_admits_when_the_webhook_is_down(kubectl, tmp_path):
    url = f"https://127.0.0.1:{_closed_port()}/validate"
    await _apply(kubectl, tmp_path, "v.yaml", config(VALIDATING, "down.example.com", url, ""))
    refused = await _until(kubectl, tmp_path, "a.yaml", pod("a"), lambda g: g.code != 0, "the call to fail")
    assert refused.err.strip().endswith(
        f'Internal error occurred: failed calling webhook "down.example.com": failed to call webhook: '
        f'Post "{url}?timeout=10s": connect: connection refused')
    assert "Error from server (InternalError)" in refused.err
    await _apply(kubectl, tmp_path, "v.yaml", config(VALIDATING, "down.example.com", url, "",
                                                     extra="    failurePolicy: Ignore\n"))
    await _until(kubectl, tmp_path, "a.yaml", pod("a"), lambda g: g.code == 0, "the failure to be ignored")


async def test_selectors_choose_which_requests_call_the_webhook(kubectl, tmp_path):
    deny = {"allowed": False, "status": {"message": "no"}}
    selectors = ("    objectSelector: {matchLabels: {checked: \"yes\"}}\n"
                 "    namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, "
                 "values: [default]}]}\n")
    async with webhook_server(lambda request: deny) as server:
        await _apply(kubectl, tmp_path, "v.yaml", config(VALIDATING, "sel.example.com", server.url + "/v",
                                                         server.ca_bundle, extra=selectors))
        refused = await _until(kubectl, tmp_path, "c.yaml", pod("checked", '{checked: "yes"}'), lambda g: g.code != 0,
                               "the selected pod to be denied")
        assert 'admission webhook "sel.example.com" denied the request: no' in refused.err
        assert (await _apply(kubectl, tmp_path, "u.yaml", pod("unchecked"))).code == 0
        assert [r["name"] for r in reviewed(server)] == ["checked"] * len(server.reviews)


async def test_server_dry_run_calls_a_side_effect_free_webhook_with_dry_run_true(kubectl, tmp_path):
    async with webhook_server() as server:
        await _apply(kubectl, tmp_path, "v.yaml", config(VALIDATING, "dry.example.com", server.url + "/v",
                                                         server.ca_bundle))
        await _until(kubectl, tmp_path, "d.yaml", pod("dry"), lambda g: g.code == 0 and server.reviews,
                     "the webhook to be called")
        assert reviewed(server)[-1]["dryRun"] is False
        dry = await _apply(kubectl, tmp_path, "d2.yaml", pod("dry2"), "--dry-run=server")
        assert dry.code == 0, dry.err
        assert reviewed(server)[-1]["dryRun"] is True and reviewed(server)[-1]["name"] == "dry2"


async def test_updates_are_mutated_and_deletes_validated(kubectl, tmp_path):
    updates = []

    def decide(request: dict) -> dict:
        if request["operation"] == "DELETE":
            return {"allowed": False, "status": {"message": f"keep {request['oldObject']['metadata']['name']}"}}
        updates.append(request)
        return json_patch([{"op": "add", "path": "/metadata/annotations", "value": {"seen": str(len(updates))}}])
    async with webhook_server(decide) as server:
        await _apply(kubectl, tmp_path, "m.yaml", config(MUTATING, "update.example.com", server.url + "/m",
                                                         server.ca_bundle, operations='"UPDATE"'))
        await _apply(kubectl, tmp_path, "v.yaml", config(VALIDATING, "delete.example.com", server.url + "/v",
                                                         server.ca_bundle, operations='"DELETE"'))
        assert (await _apply(kubectl, tmp_path, "p.yaml", pod("web"))).code == 0

        async def mutated():
            assert (await kubectl("label", "pod", "web", "--overwrite", "tier=a")).code == 0
            got = await kubectl("get", "pod", "web", "-o", "jsonpath={.metadata.annotations.seen}")
            return got.out or None
        seen = await eventually(mutated, what="the update to be mutated")
        # an update that changes nothing itself is still written when the webhook changed it (as Kubernetes)
        assert (await kubectl("label", "pod", "web", "--overwrite", "tier=a")).code == 0
        again = await kubectl("get", "pod", "web", "-o", "jsonpath={.metadata.annotations.seen}")
        assert int(again.out) == int(seen) + 1

        async def refused():
            got = await kubectl("delete", "pod", "web", "--wait=false")
            return got if got.code != 0 else None
        got = await eventually(refused, what="the delete to be denied")
        assert 'admission webhook "delete.example.com" denied the request: keep web' in got.err
