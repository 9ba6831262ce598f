"""ValidatingAdmissionPolicy decisions as pure functions: which requests rules and selectors match, how a binding
narrows its policy, CEL variables and params, and the denial, warning and audit texts in Kubernetes' words."""
from __future__ import annotations

import json

from api import errors, manifest
from controlplane.apiserver.resources import validatingadmissionpolicy as policy_strategy
from controlplane.apiserver.resources import validatingadmissionpolicybinding as binding_strategy
from controlplane.apiserver.validation import admissionpolicies
from controlplane.apiserver.vap import matching, plugin
from controlplane.apiserver.vap.matching import Request
from proto import types_pb2

RULE = {"apiGroups": ["apps"], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"], "resources": ["deployments"]}


def policy(name="p", **spec) -> types_pb2.ValidatingAdmissionPolicy:
    spec.setdefault("matchConstraints", {"resourceRules": [RULE]})
    spec.setdefault("validations", [{"expression": "object.spec.replicas <= 5"}])
    p = manifest.message_from_dict(types_pb2.ValidatingAdmissionPolicy, {"metadata": {"name": name}, "spec": spec})
    policy_strategy.STRATEGY.default(p)
    return p


def binding(name="b", policy_name="p", **spec) -> types_pb2.ValidatingAdmissionPolicyBinding:
    spec.setdefault("validationActions", ["Deny"])
    b = manifest.message_from_dict(types_pb2.ValidatingAdmissionPolicyBinding,
                                   {"metadata": {"name": name}, "spec": {"policyName": policy_name, **spec}})
    binding_strategy.STRATEGY.default(b)
    return b


def deployment_request(replicas=6, operation="CREATE", namespace="test", labels=None, subresource="",
                       old=None, user=None) -> Request:
    obj = {"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": "nginx", "namespace": namespace, "labels": labels or {}},
           "spec": {"replicas": replicas, "template": {"spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}
    return Request(operation, "apps", "v1", "deployments", "Deployment", namespace, "nginx", subresource, obj, old,
                   user or {"username": "alice", "uid": "", "groups": ["dev"]})


def admit(req, policies, bindings, ns_labels=None, params=lambda kind, ref, ns: []) -> plugin.Outcome:
    namespace = {"metadata": {"name": req.namespace, "labels": ns_labels or {}}} if req.namespace else None
    return plugin.admit(req, "deployments.apps", policies, bindings, namespace, params)


def rule(**fields) -> types_pb2.NamedRuleWithOperations:
    return manifest.message_from_dict(types_pb2.NamedRuleWithOperations, {**RULE, **fields})


# ------------------------------------------------------------ matching


def test_a_rule_matches_by_operation_group_version_and_resource_with_wildcards():
    req = deployment_request()
    assert matching.rule_matches(rule(), req)
    assert not matching.rule_matches(rule(operations=["DELETE"]), req)
    assert not matching.rule_matches(rule(apiGroups=[""]), req)
    assert matching.rule_matches(rule(apiGroups=["*"], apiVersions=["*"], operations=["*"], resources=["*"]), req)
    assert not matching.rule_matches(rule(resourceNames=["other"]), req)


def test_a_subresource_is_matched_only_when_the_rule_names_it():
    scale = deployment_request(subresource="scale")
    assert not matching.rule_matches(rule(), scale)
    assert not matching.rule_matches(rule(resources=["*"]), scale)
    assert matching.rule_matches(rule(resources=["deployments/scale"]), scale)
    assert matching.rule_matches(rule(resources=["*/*"]), scale)
    assert matching.rule_matches(rule(resources=["deployments/*"]), scale)
    assert not matching.rule_matches(rule(resources=["*/status"]), scale)


def test_scope_limits_a_rule_to_namespaced_or_cluster_scoped_objects():
    assert not matching.rule_matches(rule(scope="Cluster"), deployment_request())
    assert matching.rule_matches(rule(scope="Namespaced"), deployment_request())


def test_excluded_resources_and_selectors_narrow_the_match():
    req = deployment_request(labels={"tier": "web"})
    m = manifest.message_from_dict(types_pb2.MatchResources, {
        "resourceRules": [RULE], "namespaceSelector": {"matchLabels": {"environment": "test"}}})
    assert matching.matches(m, req, {"environment": "test"}, False)
    assert not matching.matches(m, req, {"environment": "prod"}, False)
    m.object_selector.match_labels["tier"] = "db"
    assert not matching.matches(m, req, {"environment": "test"}, False)
    m.object_selector.match_labels["tier"] = "web"
    m.exclude_resource_rules.append(rule())
    assert not matching.matches(m, req, {"environment": "test"}, False)


def test_the_object_selector_matches_the_new_or_the_old_labels():
    m = manifest.message_from_dict(types_pb2.MatchResources, {"objectSelector": {"matchLabels": {"a": "1"}}})
    old = {"metadata": {"labels": {"a": "1"}}}
    assert matching.object_matches(m, deployment_request(operation="UPDATE", old=old))
    assert not matching.object_matches(m, deployment_request(operation="UPDATE", old={"metadata": {}}))


# ------------------------------------------------------------ the plugin


def test_deny_refuses_in_kubernetes_words_with_invalid_by_default():
    out = admit(deployment_request(), [policy("demo")], [binding("demo-binding", "demo")])
    assert isinstance(out.refusal, errors.AdmissionInvalid)
    assert out.refusal.message == ('deployments.apps "nginx" is forbidden: ValidatingAdmissionPolicy \'demo\' with '
                                   'binding \'demo-binding\' denied request: failed expression: '
                                   'object.spec.replicas <= 5')
    assert out.refusal.causes == ["ValidatingAdmissionPolicy 'demo' with binding 'demo-binding' denied request: "
                                  "failed expression: object.spec.replicas <= 5"]
    assert admit(deployment_request(replicas=5), [policy("demo")], [binding("demo-binding", "demo")]).refusal is None


def test_a_validation_reason_and_message_expression_shape_the_refusal():
    p = policy(validations=[{"expression": "object.spec.replicas <= 5", "reason": "Forbidden",
                             "messageExpression": "'too many: ' + string(object.spec.replicas)",
                             "message": "static"}])
    out = admit(deployment_request(), [p], [binding()])
    assert isinstance(out.refusal, errors.Forbidden)
    assert out.refusal.message.endswith("denied request: too many: 6")
    p.spec.validations[0].message_expression = "1 + 1"  # not a string: falls back to message
    assert admit(deployment_request(), [p], [binding()]).refusal.message.endswith("denied request: static")


def test_a_binding_narrows_its_policy_and_a_policy_without_binding_does_nothing():
    narrowed = binding(matchResources={"namespaceSelector": {"matchLabels": {"environment": "test"}}})
    assert admit(deployment_request(), [policy()], [narrowed], {"environment": "prod"}).refusal is None
    assert admit(deployment_request(), [policy()], [narrowed], {"environment": "test"}).refusal is not None
    assert admit(deployment_request(), [policy()], [binding(policy_name="other")]).refusal is None


def test_warn_and_audit_actions_report_without_refusing():
    out = admit(deployment_request(), [policy("demo")], [binding("w", "demo", validationActions=["Warn", "Audit"])])
    assert out.refusal is None
    assert out.warnings == ["Validation failed for ValidatingAdmissionPolicy 'demo' with binding 'w': "
                            "failed expression: object.spec.replicas <= 5"]
    (key, value), = out.annotations
    assert key == "validation.policy.admission.k8s.io/validation_failure"
    assert json.loads(value) == [{"message": "failed expression: object.spec.replicas <= 5", "policy": "demo",
                                  "binding": "w", "expressionIndex": 0, "validationActions": ["Warn", "Audit"]}]


def test_an_evaluation_error_denies_under_fail_and_is_ignored_under_ignore():
    p = policy(validations=[{"expression": "object.replicas > 1"}])
    out = admit(deployment_request(), [p], [binding()])
    assert out.refusal.message.endswith("denied request: expression 'object.replicas > 1' resulted in error: "
                                        "no such key: replicas")
    p.spec.failure_policy = "Ignore"
    assert admit(deployment_request(), [p], [binding()]).refusal is None


def test_audit_annotations_are_published_under_the_policy_name():
    p = policy("demo", validations=[], auditAnnotations=[
        {"key": "high-replica-count", "valueExpression": "'set to ' + string(object.spec.replicas)"},
        {"key": "none", "valueExpression": "null"}])
    assert admit(deployment_request(), [p], [binding(policy_name="demo")]).annotations == \
        [("demo/high-replica-count", "set to 6")]


def test_match_conditions_skip_the_request_unless_all_are_true():
    p = policy(matchConditions=[{"name": "not-bob", "expression": "request.userInfo.username != 'bob'"},
                                {"name": "create", "expression": "request.operation == 'CREATE'"}])
    assert admit(deployment_request(), [p], [binding()]).refusal is not None
    assert admit(deployment_request(user={"username": "bob", "groups": []}), [p], [binding()]).refusal is None
    assert admit(deployment_request(operation="UPDATE", old={}), [p], [binding()]).refusal is None


def test_params_come_from_the_binding_and_a_missing_one_follows_parameter_not_found_action():
    p = policy(paramKind={"apiVersion": "v1", "kind": "ConfigMap"},
               validations=[{"expression": "object.spec.replicas <= int(params.data.maxReplicas)"}])
    ref = {"name": "limits", "namespace": "default"}
    limit = {"apiVersion": "v1", "kind": "ConfigMap", "data": {"maxReplicas": "3"}}
    asked = []

    def params(kind, r, namespace):
        asked.append((kind.kind, r.name, r.namespace))
        return [limit]
    assert admit(deployment_request(replicas=4), [p], [binding(paramRef=ref)], params=params).refusal is not None
    assert asked == [("ConfigMap", "limits", "default")]
    assert admit(deployment_request(replicas=3), [p], [binding(paramRef=ref)], params=params).refusal is None
    missing = admit(deployment_request(), [p], [binding(paramRef=ref)])  # defaulted to Deny
    assert missing.refusal.message.endswith("denied request: failed to configure binding: no params found for "
                                            "policy binding with `Deny` parameterNotFoundAction")
    allowed = binding(paramRef={**ref, "parameterNotFoundAction": "Allow"})
    assert admit(deployment_request(), [p], [allowed]).refusal is None


def test_variables_are_evaluated_lazily_and_see_namespace_object():
    p = policy(variables=[{"name": "env", "expression": "namespaceObject.metadata.labels['environment']"},
                          {"name": "broken", "expression": "object.nothing"},
                          {"name": "images", "expression": "object.spec.template.spec.containers.map(c, c.image)"}],
               validations=[{"expression": "variables.images.all(i, i.startsWith(variables.env + '.'))",
                             "messageExpression": "'only ' + variables.env + ' images'"}])
    out = admit(deployment_request(), [p], [binding()], {"environment": "prod"})
    assert out.refusal.message.endswith("denied request: only prod images")


def test_cel_macros_and_string_functions_evaluate():
    req = deployment_request(labels={"app": "x"})
    for expression in ("has(object.metadata.labels)", "object.metadata.name.startsWith('ng')",
                       "object.spec.template.spec.containers.exists(c, c.image == 'nginx')",
                       "size(object.metadata.name) == 5", "object.metadata.name.matches('^n.*x$')",
                       "oldObject == null", "request.kind.kind == 'Deployment'", "params == null"):
        p = policy(validations=[{"expression": expression}])
        assert admit(req, [p], [binding()]).refusal is None, expression


# ------------------------------------------------------------ validation


def test_a_policy_with_a_syntax_error_is_refused_naming_the_field():
    p = policy(validations=[{"expression": "object.spec.replicas <="}])
    problems = admissionpolicies.validate_policy(p)
    assert len(problems) == 1
    assert problems[0].startswith('spec.validations[0].expression: Invalid value: "object.spec.replicas <=": '
                                  "compilation failed: ERROR: <input>:1:")


def test_policy_and_binding_rules_are_checked():
    p = policy(matchConstraints={"resourceRules": [{**RULE, "operations": ["PATCH"]}]}, validations=[],
               failurePolicy="Sometimes")
    assert admissionpolicies.validate_policy(p) == [
        'spec.failurePolicy: Unsupported value: "Sometimes": supported values: "Fail", "Ignore"',
        'spec.matchConstraints.resourceRules[0].operations[0]: Unsupported value: "PATCH": supported values: '
        '"*", "CONNECT", "CREATE", "DELETE", "UPDATE"',
        "spec.validations: Required value: validations or auditAnnotations must contain at least one item",
        "spec.auditAnnotations: Required value: validations or auditAnnotations must contain at least one item"]
    b = binding(validationActions=["Deny", "Warn"])
    assert admissionpolicies.validate_binding(b) == [
        'spec.validationActions: Invalid value: ["Deny", "Warn"]: must not contain both Deny and Warn (repeating the '
        'same validation failure information in the API response and headers serves no purpose)']
    assert admissionpolicies.validate_binding(binding(validationActions=[])) == [
        "spec.validationActions: Required value: at least one validation action is required"]


def test_optional_fields_and_the_strings_library_of_kubernetes_cel_evaluate():
    req = deployment_request(labels={"app": "X"})
    for expression in ("object.?rules.orValue([]).size() == 0", "!object.metadata.?labels.?team.hasValue()",
                       "object.metadata.?labels.?app.orValue('') == 'X'", "'?.x' == '?.x'",
                       "object.metadata.labels.app.lowerAscii() == 'x'", "'a,b'.split(',') == ['a', 'b']",
                       "['a', 'b'].join('-') == 'a-b'", "'abc'.indexOf('c') == 2", "' a '.trim() == 'a'",
                       "'abc'.substring(1) == 'bc'", "'aXa'.replace('a', 'b') == 'bXb'"):
        p = policy(validations=[{"expression": expression}])
        assert admit(req, [p], [binding()]).refusal is None, expression


def test_the_audit_event_carries_policy_annotations_beside_pod_security_violations():
    from controlplane.apiserver.auth import audit
    from controlplane.apiserver.auth.attributes import Attributes
    from controlplane.apiserver.auth.user import UserInfo
    event = audit.event(UserInfo("alice"), Attributes("create", "apps", "deployments", namespace="test", name="web"),
                        "Metadata", 201, "", 0.0, 0.001,
                        ["violates x", ("demo.example.com/high-replica-count", "set to 60")])
    assert event["annotations"] == {"demo.example.com/high-replica-count": "set to 60",
                                    "pod-security.kubernetes.io/audit-violations": "violates x"}


def test_type_checking_warns_of_fields_the_matched_kinds_do_not_have():
    from controlplane.apiserver.vap import typecheck
    p = policy(matchConstraints={"resourceRules": [{**RULE, "resources": ["deployments", "replicasets"]}]},
               validations=[{"expression": "object.replicas > 1", "message": "must be replicated"},
                            {"expression": "object.spec.replicas > 1 && 'object.nothing' != ''"}])
    checked = typecheck.type_checking(p.spec)
    assert [(w.field_ref, w.warning) for w in checked.expression_warnings] == [
        ("spec.validations[0].expression",
         "apps/v1, Kind=Deployment: ERROR: <input>:1:7: undefined field 'replicas'\n | object.replicas > 1\n"
         " | ......^\napps/v1, Kind=ReplicaSet: ERROR: <input>:1:7: undefined field 'replicas'\n"
         " | object.replicas > 1\n | ......^")]
