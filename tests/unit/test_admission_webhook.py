"""The pure parts of admission webhooks: validation in Kubernetes' words, defaults, matching, the review sent,
the answer judged (denial message, JSONPatch) and where a service reference is called."""
from __future__ import annotations

import base64
import json

import pytest

from api import manifest
from controlplane.apiserver import resources
from controlplane.apiserver.vap.matching import Request
from controlplane.apiserver.webhook import matching, review, target
from proto import types_pb2


def _config(kind="ValidatingWebhookConfiguration", **hook):
    webhook = {"name": "check.example.com", "clientConfig": {"url": "https://127.0.0.1:9443/v"},
               "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}],
               "sideEffects": "None", "admissionReviewVersions": ["v1"], **hook}
    obj, _ = manifest.from_dict({"apiVersion": "admissionregistration.k8s.io/v1", "kind": kind,
                                 "metadata": {"name": "c"}, "webhooks": [webhook]})
    resources.default(obj)
    return obj


def _pod_request(labels=None, operation="CREATE", dry_run=False) -> Request:
    obj = {"metadata": {"name": "web", "namespace": "default", "labels": labels or {}}}
    return Request(operation=operation, group="", version="v1", resource="pods", kind="Pod", namespace="default",
                   name="web", obj=obj, user={"username": "alice"}, dry_run=dry_run)


def test_defaults_are_kubernetes_v1_defaults():
    hook = _config("MutatingWebhookConfiguration", clientConfig={"service": {"namespace": "ns", "name": "s"}}).webhooks[0]
    assert (hook.failure_policy, hook.match_policy, hook.timeout_seconds, hook.reinvocation_policy,
            hook.rules[0].scope, hook.client_config.service.port) == ("Fail", "Equivalent", 10, "Never", "*", 443)


@pytest.mark.parametrize("hook, problem", [
    ({"name": "short.name"}, 'webhooks[0].name: Invalid value: "short.name": should be a domain with at least '
                             'three segments separated by dots'),
    ({"sideEffects": "Some"}, 'webhooks[0].sideEffects: Unsupported value: "Some": supported values: "None", '
                              '"NoneOnDryRun"'),
    ({"timeoutSeconds": 31}, "webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 "
                             "and 30 seconds"),
    ({"admissionReviewVersions": []}, "webhooks[0].admissionReviewVersions: Required value: must specify one of v1, "
                                      "v1beta1"),
    ({"clientConfig": {}}, "webhooks[0].clientConfig: Required value: exactly one of url or service is required"),
    ({"clientConfig": {"url": "http://x.example.com/v"}}, 'webhooks[0].clientConfig.url: Invalid value: "http": '
                                                          "'https' is the only allowed URL scheme; desired format: "
                                                          "https://host[/path]"),
    ({"clientConfig": {"service": {"namespace": "n", "name": "s", "path": "v"}}},
     "webhooks[0].clientConfig.service.path: Invalid value: \"v\": must start with a '/'"),
])
def test_a_bad_webhook_is_refused_naming_the_field(hook, problem):
    assert problem in resources.validate(_config(**hook))


def test_the_docs_example_is_valid():
    assert resources.validate(_config(failurePolicy="Fail", rules=[{
        "apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"], "resources": ["pods"]}])) == []


def test_selectors_and_match_conditions_choose_the_request():
    hook = _config(objectSelector={"matchLabels": {"checked": "yes"}},
                   matchConditions=[{"name": "not-alice", "expression": "request.userInfo.username != 'bob'"}]
                   ).webhooks[0]
    assert matching.selected(hook, _pod_request({"checked": "yes"}), {}) and matching.conditions_hold(
        hook, _pod_request({"checked": "yes"}))
    assert not matching.selected(hook, _pod_request(), {})
    assert not matching.selected(hook, _pod_request({"checked": "yes"}, operation="UPDATE"), {})
    assert matching.exempt(Request("CREATE", "admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations",
                                   "ValidatingWebhookConfiguration", "", "c"))


def test_the_review_carries_the_request_in_kubernetes_form():
    sent = review.review(_pod_request(dry_run=True), "u-1")
    assert sent["apiVersion"] == "admission.k8s.io/v1" and sent["kind"] == "AdmissionReview"
    r = sent["request"]
    assert (r["uid"], r["operation"], r["name"], r["namespace"], r["dryRun"], r["oldObject"]) == (
        "u-1", "CREATE", "web", "default", True, None)
    assert r["resource"] == r["requestResource"] == {"group": "", "version": "v1", "resource": "pods"}
    assert r["options"] == {"kind": "CreateOptions", "apiVersion": "meta.k8s.io/v1"}


def _answer(uid="u-1", **response):
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": {"uid": uid, **response}}


def test_a_denial_is_worded_as_kubernetes_with_at_least_400():
    v = review.verdict("h.example.com", _answer(allowed=False, status={"message": "no", "code": 200}), "u-1", "v1",
                       False)
    assert review.denial_message("h.example.com", v.status) == (
        'admission webhook "h.example.com" denied the request: no', 400, "")
    assert review.denial_message("h.example.com", {})[0] == \
        'admission webhook "h.example.com" denied the request without explanation'


def test_warnings_and_audit_annotations_are_taken_keyed_by_the_webhook():
    v = review.verdict("h.example.com", _answer(allowed=True, warnings=["careful"], auditAnnotations={"k": "v"}),
                       "u-1", "v1", False)
    assert v.warnings == ("careful",) and v.audit_annotations == (("h.example.com/k", "v"),)


def test_a_json_patch_is_applied_and_a_bad_answer_is_a_call_error():
    ops = [{"op": "add", "path": "/metadata/labels/m", "value": "yes"}]
    patch = base64.b64encode(json.dumps(ops).encode()).decode()
    v = review.verdict("h.example.com", _answer(allowed=True, patchType="JSONPatch", patch=patch), "u-1", "v1", True)
    assert review.patched({"metadata": {"labels": {}}}, v.patch) == {"metadata": {"labels": {"m": "yes"}}}
    with pytest.raises(review.CallError, match="response.patch but not response.patchType"):
        review.verdict("h.example.com", _answer(allowed=True, patch=patch), "u-1", "v1", True)
    with pytest.raises(review.CallError, match='expected response.uid="u-1"'):
        review.verdict("h.example.com", _answer(uid="other", allowed=True), "u-1", "v1", False)


def test_a_service_reference_is_called_at_a_ready_endpoint_with_the_service_name_checked():
    ref = types_pb2.ServiceReference(namespace="ns", name="hook", path="/validate", port=443)
    svc = types_pb2.Service()
    svc.spec.ports.add(name="https", port=443)
    eps = types_pb2.Endpoints()
    subset = eps.subsets.add()
    subset.addresses.add(ip="10.0.0.7")
    subset.ports.add(name="https", port=8443)
    t = target.of_service(ref, svc, eps, 10)
    assert (t.url, t.server_name) == ("https://10.0.0.7:8443/validate?timeout=10s", "hook.ns.svc")
    with pytest.raises(review.CallError, match='no endpoints available for service "hook"'):
        target.of_service(ref, svc, types_pb2.Endpoints(), 10)


def _hooks(configs, answers):
    """A dispatcher over in-memory configurations whose webhooks answer by name (`answers`: name -> request ->
    response fields, or an exception to raise)."""
    from controlplane.apiserver.webhook import dispatch
    calls = []

    async def post(where, ca_bundle, sent, timeout):
        name = next(h.name for c in configs for h in c.webhooks if h.client_config.url in where.url)
        calls.append(name)
        answer = answers[name](sent["request"])
        if isinstance(answer, Exception):
            raise answer
        return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                "response": {"uid": sent["request"]["uid"], **answer}}
    by_kind = {}
    for c in configs:
        by_kind.setdefault(type(c).__name__, []).append(c)
    return dispatch.Webhooks(lambda kind, ns, name: None, lambda kind, ns: by_kind.get(kind.name, []), post), calls


def _patch(ops):
    return {"allowed": True, "patchType": "JSONPatch", "patch": base64.b64encode(json.dumps(ops).encode()).decode()}


async def test_an_if_needed_webhook_is_called_again_when_a_later_one_changed_the_object():
    first = _config("MutatingWebhookConfiguration", name="a.example.com", reinvocationPolicy="IfNeeded",
                    clientConfig={"url": "https://127.0.0.1:1/a"})
    first.metadata.name = "a"
    second = _config("MutatingWebhookConfiguration", name="b.example.com", clientConfig={"url": "https://127.0.0.1:1/b"})
    second.metadata.name = "b"
    hooks, calls = _hooks([second, first], {
        "a.example.com": lambda r: {"allowed": True},
        "b.example.com": lambda r: _patch([{"op": "add", "path": "/metadata/labels/b", "value": "1"}])})
    obj, outcome = await hooks.mutate(_pod_request())
    assert calls == ["a.example.com", "b.example.com", "a.example.com"]
    assert obj["metadata"]["labels"] == {"b": "1"} and outcome.refusal is None


async def test_an_ignored_failure_admits_and_is_noted_as_failed_open():
    hooks, _ = _hooks([_config(failurePolicy="Ignore")], {"check.example.com": lambda r: review.CallError("down")})
    outcome = await hooks.validate(_pod_request())
    assert outcome.refusal is None
    assert outcome.annotations == [("failed-open.validating.webhook.admission.k8s.io/round_0_index_0",
                                    "check.example.com")]
    hooks, _ = _hooks([_config()], {"check.example.com": lambda r: review.CallError("down")})
    refusal = (await hooks.validate(_pod_request())).refusal
    assert str(refusal) == 'Internal error occurred: failed calling webhook "check.example.com": down'
