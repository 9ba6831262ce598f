"""Validation of ValidatingAdmissionPolicies and their bindings as Kubernetes' pkg/apis/admissionregistration
validation: rules, selectors, actions, and every CEL expression compiled (a syntax error names its field)."""
from __future__ import annotations

import re

from api import names
from controlplane.apiserver.validation.fielderrors import (Path, duplicate, each, forbidden, invalid,
                                                           not_supported, required)
from controlplane.apiserver.validation.admissionrules import rule_with_operations
from controlplane.apiserver.validation.meta import validate_label_selector
from controlplane.apiserver.vap import expressions
from proto import types_pb2

FAILURE_POLICIES = ("Fail", "Ignore")
MATCH_POLICIES = ("Equivalent", "Exact")
REASONS = ("Forbidden", "Invalid", "RequestEntityTooLarge", "Unauthorized")
ACTIONS = ("Audit", "Deny", "Warn")
NOT_FOUND_ACTIONS = ("Allow", "Deny")
MAX_AUDIT_ANNOTATIONS = 20
_CEL_IDENTIFIER = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")


def _expression(expression: str, path: Path) -> list[str]:
    problem = expressions.compile_error(expression)
    return [invalid(path, expression, problem)] if problem else []


def validate_rule(rule: types_pb2.NamedRuleWithOperations, path: Path) -> list[str]:
    """A policy's rule: a webhook's (admissionrules), and resourceNames without duplicates."""
    errors = []
    seen: set[str] = set()
    for i, name in enumerate(rule.resource_names):
        if name in seen:
            errors.append(duplicate(path.child("resourceNames").index(i), name))
        seen.add(name)
    return errors + rule_with_operations(rule, path)


def validate_match_resources(m: types_pb2.MatchResources, path: Path) -> list[str]:
    errors = []
    if m.match_policy not in MATCH_POLICIES:
        errors.append(not_supported(path.child("matchPolicy"), m.match_policy, MATCH_POLICIES))
    errors += validate_label_selector(m.namespace_selector, path.child("namespaceSelector"))
    errors += validate_label_selector(m.object_selector, path.child("objectSelector"))
    for i, rule in enumerate(m.resource_rules):
        errors += validate_rule(rule, path.child("resourceRules").index(i))
    for i, rule in enumerate(m.exclude_resource_rules):
        errors += validate_rule(rule, path.child("excludeResourceRules").index(i))
    return errors


def _param_kind(pk: types_pb2.ParamKind, path: Path) -> list[str]:
    errors = []
    if not pk.api_version:
        errors.append(required(path.child("apiVersion")))
    elif pk.api_version.count("/") > 1 or not pk.api_version.rpartition("/")[2]:
        errors.append(invalid(path.child("apiVersion"), pk.api_version, "version must be specified"))
    if not pk.kind:
        errors.append(required(path.child("kind")))
    return errors


def _validation(v: types_pb2.ValidatingAdmissionPolicyValidation, path: Path) -> list[str]:
    errors = []
    if not v.expression.strip():
        errors.append(required(path.child("expression"), "expression is not specified"))
    else:
        errors += _expression(v.expression, path.child("expression"))
    if v.message_expression and not v.message_expression.strip():
        errors.append(invalid(path.child("messageExpression"), v.message_expression, "must be non-empty if specified"))
    elif v.message_expression.strip():
        errors += _expression(v.message_expression, path.child("messageExpression"))
    if v.message and not v.message.strip():
        errors.append(invalid(path.child("message"), v.message, "message must be non-empty if specified"))
    elif "\n" in v.message.strip() or "\r" in v.message.strip():
        errors.append(invalid(path.child("message"), v.message, "message must not contain line breaks"))
    if v.HasField("reason") and v.reason not in REASONS:
        errors.append(not_supported(path.child("reason"), v.reason, REASONS))
    return errors


def validate_match_conditions(conditions, path: Path) -> list[str]:
    """matchConditions of a policy or a webhook: named uniquely, each expression compiled."""
    errors = []
    seen: set[str] = set()
    for i, c in enumerate(conditions):
        at = path.index(i)
        if not c.expression.strip():
            errors.append(required(at.child("expression")))
        else:
            errors += _expression(c.expression.strip(), at.child("expression"))
        if not c.name:
            errors.append(required(at.child("name")))
        else:
            errors += each(names.qualified_name(c.name), at.child("name"), c.name)
            if c.name in seen:
                errors.append(duplicate(at.child("name"), c.name))
            seen.add(c.name)
    return errors


def validate_policy(p: types_pb2.ValidatingAdmissionPolicy) -> list[str]:
    spec, path = p.spec, Path("spec")
    errors = []
    if spec.failure_policy not in FAILURE_POLICIES:
        errors.append(not_supported(path.child("failurePolicy"), spec.failure_policy, FAILURE_POLICIES))
    if spec.HasField("param_kind"):
        errors += _param_kind(spec.param_kind, path.child("paramKind"))
    if not spec.HasField("match_constraints"):
        errors.append(required(path.child("matchConstraints")))
    else:
        errors += validate_match_resources(spec.match_constraints, path.child("matchConstraints"))
        if not spec.match_constraints.resource_rules:
            errors.append(required(path.child("matchConstraints", "resourceRules")))
    errors += validate_match_conditions(spec.match_conditions, path.child("matchConditions"))
    for i, v in enumerate(spec.variables):
        at = path.child("variables").index(i)
        if not v.name.strip():
            errors.append(required(at.child("name"), "name is not specified"))
        elif not _CEL_IDENTIFIER.fullmatch(v.name):
            errors.append(invalid(at.child("name"), v.name, "name is not a valid CEL identifier"))
        if not v.expression.strip():
            errors.append(required(at.child("expression"), "expression is not specified"))
        else:
            errors += _expression(v.expression, at.child("expression"))
    if not spec.validations and not spec.audit_annotations:
        detail = "validations or auditAnnotations must contain at least one item"
        return errors + [required(path.child("validations"), detail), required(path.child("auditAnnotations"), detail)]
    for i, v in enumerate(spec.validations):
        errors += _validation(v, path.child("validations").index(i))
    if len(spec.audit_annotations) > MAX_AUDIT_ANNOTATIONS:
        errors.append(f"{path.child('auditAnnotations')}: Invalid value: must not have more than "
                      f"{MAX_AUDIT_ANNOTATIONS} auditAnnotations")
    keys: set[str] = set()
    for i, a in enumerate(spec.audit_annotations):
        at = path.child("auditAnnotations").index(i)
        errors += each(names.qualified_name(f"{p.metadata.name}/{a.key}"), at.child("key"), f"{p.metadata.name}/{a.key}")
        if not a.value_expression.strip():
            errors.append(required(at.child("valueExpression"), "valueExpression is not specified"))
        else:
            errors += _expression(a.value_expression.strip(), at.child("valueExpression"))
        if a.key in keys:
            errors.append(duplicate(at.child("key"), a.key))
        keys.add(a.key)
    return errors


def validate_binding(b: types_pb2.ValidatingAdmissionPolicyBinding) -> list[str]:
    spec, path = b.spec, Path("spec")
    errors = []
    if not spec.policy_name:
        errors.append(required(path.child("policyName")))
    else:
        errors += each(names.dns1123_subdomain(spec.policy_name), path.child("policyName"), spec.policy_name)
    if spec.HasField("param_ref"):
        ref, at = spec.param_ref, path.child("paramRef")
        if ref.name and ref.HasField("selector"):
            errors.append(forbidden(at.child("name"), "name and selector are mutually exclusive"))
        if ref.HasField("selector"):
            errors += validate_label_selector(ref.selector, at.child("selector"))
        if not ref.name and not ref.HasField("selector"):
            errors.append(required(at, "one of name or selector must be specified"))
        if not ref.parameter_not_found_action:
            errors.append(required(at.child("parameterNotFoundAction")))
        elif ref.parameter_not_found_action not in NOT_FOUND_ACTIONS:
            errors.append(not_supported(at.child("parameterNotFoundAction"), ref.parameter_not_found_action,
                                        NOT_FOUND_ACTIONS))
    if spec.HasField("match_resources"):
        errors += validate_match_resources(spec.match_resources, path.child("matchResources"))
    at, seen = path.child("validationActions"), set()
    for i, action in enumerate(spec.validation_actions):
        if action not in ACTIONS:
            errors.append(not_supported(at.index(i), action, ACTIONS))
        if action in seen:
            errors.append(duplicate(at.index(i), action))
        seen.add(action)
    if {"Deny", "Warn"} <= seen:
        errors.append(invalid(at, list(spec.validation_actions), "must not contain both Deny and Warn (repeating the "
                              "same validation failure information in the API response and headers serves no purpose)"))
    if not seen:
        errors.append(required(at, "at least one validation action is required"))
    return errors
