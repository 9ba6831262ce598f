"""RBAC as Kubernetes decides it: the rules of every Role and ClusterRole bound to the user, a group of
theirs, or their ServiceAccount, indexed by subject so a decision is a few dictionary lookups.

Pure: an index is built from the four kinds' objects; `authorize` reads it and touches nothing else.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from controlplane.apiserver.auth.attributes import ALLOW, Attributes, Decision
from controlplane.apiserver.auth.user import SERVICE_ACCOUNT_PREFIX, UserInfo
from proto import types_pb2



@dataclass(frozen=True)
class Rule:
    """A PolicyRule as sets, compiled once when the index is built (membership in a protobuf list is slow)."""

    verbs: frozenset[str]
    groups: frozenset[str]
    resources: frozenset[str]
    names: frozenset[str]
    urls: tuple[str, ...]

    @classmethod
    def of(cls, rule: types_pb2.PolicyRule) -> "Rule":
        return cls(frozenset(rule.verbs), frozenset(rule.api_groups), frozenset(rule.resources),
                   frozenset(rule.resource_names), tuple(rule.non_resource_urls))


Rules = tuple[Rule, ...]


def subject_key(subject: types_pb2.Subject, binding_namespace: str) -> tuple[str, str] | None:
    """("User"|"Group", name) a subject stands for; a ServiceAccount is the user it authenticates as."""
    if subject.kind == "ServiceAccount":
        namespace = subject.namespace or binding_namespace
        return ("User", f"{SERVICE_ACCOUNT_PREFIX}{namespace}:{subject.name}")
    if subject.kind in ("User", "Group"):
        return (subject.kind, subject.name)
    return None


@dataclass
class RbacIndex:
    """Subject -> the rules bound to it cluster-wide, and per namespace."""

    cluster: dict[tuple[str, str], list[Rules]] = field(default_factory=dict)
    namespaced: dict[tuple[str, str, str], list[Rules]] = field(default_factory=dict)  # (ns, kind, name)

    @classmethod
    def build(cls, roles: Iterable[types_pb2.Role], cluster_roles: Iterable[types_pb2.ClusterRole],
              role_bindings: Iterable[types_pb2.RoleBinding],
              cluster_role_bindings: Iterable[types_pb2.ClusterRoleBinding]) -> "RbacIndex":
        role_rules = {(r.metadata.namespace, r.metadata.name): tuple(map(Rule.of, r.rules)) for r in roles}
        cluster_rules = {r.metadata.name: tuple(map(Rule.of, r.rules)) for r in cluster_roles}
        index = cls()
        for b in cluster_role_bindings:
            # A binding to a missing role is allowed and grants nothing, as in Kubernetes.
            rules = cluster_rules.get(b.role_ref.name) if b.role_ref.kind == "ClusterRole" else None
            if rules:
                for s in b.subjects:
                    key = subject_key(s, "")
                    if key is not None:
                        index.cluster.setdefault(key, []).append(rules)
        for b in role_bindings:
            ns = b.metadata.namespace
            if b.role_ref.kind == "ClusterRole":
                rules = cluster_rules.get(b.role_ref.name)
            else:
                rules = role_rules.get((ns, b.role_ref.name))
            if rules:
                for s in b.subjects:
                    key = subject_key(s, ns)
                    if key is not None:
                        index.namespaced.setdefault((ns, *key), []).append(rules)
        return index

    def rules_for(self, user: UserInfo, namespace: str) -> Iterable[Rules]:
        keys = [("User", user.name), *(("Group", g) for g in user.groups)]
        for key in keys:
            yield from self.cluster.get(key, ())
        if namespace:
            for kind, name in keys:
                yield from self.namespaced.get((namespace, kind, name), ())


def _matches(values, wanted: str) -> bool:
    return "*" in values or wanted in values


def rule_allows(rule: Rule | types_pb2.PolicyRule, attrs: Attributes) -> bool:
    if not isinstance(rule, Rule):
        rule = Rule.of(rule)
    if not _matches(rule.verbs, attrs.verb):
        return False
    if not attrs.is_resource_request:
        return any(u == "*" or u == attrs.path or (u.endswith("*") and attrs.path.startswith(u[:-1]))
                   for u in rule.urls)
    if not _matches(rule.groups, attrs.api_group):
        return False
    resources = rule.resources
    if attrs.subresource:
        if not ("*" in resources or attrs.full_resource in resources or f"*/{attrs.subresource}" in resources
                or f"{attrs.resource}/*" in resources):
            return False
    elif not ("*" in resources or attrs.resource in resources):
        return False
    # resourceNames limit a rule to those objects; a list or create names none, so it never matches.
    return not rule.names or (bool(attrs.name) and attrs.name in rule.names)


def authorize(index: RbacIndex, user: UserInfo, attrs: Attributes) -> Decision:
    for rules in index.rules_for(user, attrs.namespace):
        for rule in rules:
            if rule_allows(rule, attrs):
                return ALLOW
    return Decision(False, "")
