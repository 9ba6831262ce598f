"""The rules of admissionregistration.k8s.io (a webhook's rules, a policy's resourceRules), validated as Kubernetes'
validateRuleWithOperations and validateResources do: one implementation for webhooks and policies."""
from __future__ import annotations

from controlplane.apiserver.validation.fielderrors import Path, invalid, not_supported, required

OPERATIONS = ("*", "CONNECT", "CREATE", "DELETE", "UPDATE")
SCOPES = ("*", "Cluster", "Namespaced")


def star_alone(values, path: Path, what: str) -> list[str]:
    if "*" in values and len(values) > 1:
        return [invalid(path, list(values), f"if '*' is present, must not specify other {what}")]
    return []


def resources(resources, path: Path) -> list[str]:
    """Kubernetes' validateResources: `*`, `*/*`, `res/*` and `*/sub` must not overlap what else is listed."""
    errors = [] if resources else [required(path)]
    star_sub: set[str] = set()  # x/*
    star_res: set[str] = set()  # */x
    has_double = has_single = has_plain = False
    for i, entry in enumerate(resources):
        if not entry:
            errors.append(required(path.index(i)))
            continue
        has_double |= entry == "*/*"
        has_single |= entry == "*"
        res, slash, sub = entry.partition("/")
        if not slash:
            has_plain = entry != "*"
            continue
        if res in star_sub:
            errors.append(invalid(path.index(i), entry, f"if '{res}/*' is present, must not specify {entry}"))
        if sub in star_res:
            errors.append(invalid(path.index(i), entry, f"if '*/{sub}' is present, must not specify {entry}"))
        if sub == "*":
            star_sub.add(res)
        if res == "*":
            star_res.add(sub)
    if len(resources) > 1 and has_double:
        errors.append(invalid(path, list(resources), "if '*/*' is present, must not specify other resources"))
    if has_single and has_plain:
        errors.append(invalid(path, list(resources),
                              "if '*' is present, must not specify other resources without subresources"))
    return errors


def rule_with_operations(rule, path: Path) -> list[str]:
    errors = [] if rule.operations else [required(path.child("operations"))]
    errors += star_alone(rule.operations, path.child("operations"), "operations")
    for i, op in enumerate(rule.operations):
        if op not in OPERATIONS:
            errors.append(not_supported(path.child("operations").index(i), op, OPERATIONS))
    if not rule.api_groups:
        errors.append(required(path.child("apiGroups")))
    errors += star_alone(rule.api_groups, path.child("apiGroups"), "API groups")
    if not rule.api_versions:
        errors.append(required(path.child("apiVersions")))
    errors += star_alone(rule.api_versions, path.child("apiVersions"), "API versions")
    errors += [required(path.child("apiVersions").index(i)) for i, v in enumerate(rule.api_versions) if not v]
    errors += resources(rule.resources, path.child("resources"))
    if rule.HasField("scope") and rule.scope not in SCOPES:
        errors.append(not_supported(path.child("scope"), rule.scope, SCOPES))
    return errors
