"""What may I do in a namespace: SelfSubjectRulesReview (`kubectl auth can-i --list`) from the RBAC rules
bound to the caller. Pure: rules in, JSON out.
"""
from __future__ import annotations

from collections.abc import Iterable

from controlplane.apiserver.auth.rbac import Rule

EVERYTHING = Rule(frozenset({"*"}), frozenset({"*"}), frozenset({"*"}), frozenset(), ("*",))


def rules_review(rules: Iterable[Rule], namespace: str) -> dict:
    """authorization.k8s.io/v1 SelfSubjectRulesReview: every rule bound to the caller in `namespace` (and
    cluster-wide), split as Kubernetes does into resource and non-resource rules, in binding order."""
    resource_rules, url_rules = [], []
    for rule in rules:
        if rule.resources:
            entry = {"verbs": sorted(rule.verbs), "apiGroups": sorted(rule.groups), "resources": sorted(rule.resources)}
            if rule.names:
                entry["resourceNames"] = sorted(rule.names)
            resource_rules.append(entry)
        if rule.urls:
            url_rules.append({"verbs": sorted(rule.verbs), "nonResourceURLs": list(rule.urls)})
    return {"kind": "SelfSubjectRulesReview", "apiVersion": "authorization.k8s.io/v1",
            "metadata": {"creationTimestamp": None}, "spec": {"namespace": namespace} if namespace else {},
            "status": {"resourceRules": resource_rules, "nonResourceRules": url_rules, "incomplete": False}}
