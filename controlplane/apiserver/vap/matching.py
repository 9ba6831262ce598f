"""Which requests a policy's matchConstraints or a binding's matchResources select: resource rules and
their exclusions, namespaceSelector and objectSelector, as Kubernetes' admission/plugin/policy/matching."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from api import selectors
from proto import types_pb2

CREATE, UPDATE, DELETE, CONNECT = "CREATE", "UPDATE", "DELETE", "CONNECT"


@dataclass(frozen=True)
class Request:
    """What admission knows of one request, in Kubernetes' terms (admission.Attributes)."""

    operation: str  # CREATE, UPDATE, DELETE, CONNECT
    group: str
    version: str
    resource: str  # the plural: "deployments"
    kind: str  # "Deployment"
    namespace: str  # "" for a cluster-scoped object
    name: str
    subresource: str = ""
    obj: Mapping[str, Any] | None = None  # the object as JSON (None on DELETE)
    old: Mapping[str, Any] | None = None  # the stored object (None on CREATE)
    user: Mapping[str, Any] = field(default_factory=dict)  # userInfo: username, uid, groups
    dry_run: bool = False

    @property
    def cluster_scoped(self) -> bool:
        return self.namespace == ""


def _listed(value: str, allowed) -> bool:
    return "*" in allowed or value in allowed


def _resource_listed(resource: str, subresource: str, allowed) -> bool:
    """Kubernetes' resource matching: `*` (every resource, no subresource), `*/*`, `pods/*`, `*/status`."""
    for entry in allowed:
        res, _, sub = entry.partition("/")
        if not _:
            if not subresource and (res == "*" or res == resource):
                return True
        elif (res == "*" or res == resource) and (sub == "*" or sub == subresource):
            return True
    return False


def rule_matches(rule: types_pb2.NamedRuleWithOperations, req: Request) -> bool:
    """Whether one rule covers the request (operation, group, version, resource/subresource, scope, name)."""
    scope = rule.scope if rule.HasField("scope") else "*"
    if scope == "Cluster" and not req.cluster_scoped or scope == "Namespaced" and req.cluster_scoped:
        # a Namespace object is cluster-scoped itself
        return False
    if getattr(rule, "resource_names", None) and req.name not in rule.resource_names:  # webhooks have none
        return False
    return (_listed(req.operation, rule.operations) and _listed(req.group, rule.api_groups)
            and _listed(req.version, rule.api_versions)
            and _resource_listed(req.resource, req.subresource, rule.resources))


def _selector(selector: types_pb2.LabelSelector, present: bool) -> selectors.LabelSelector:
    # Unset is defaulted to {} by the API (every object); a selector that does not parse was refused on write.
    return selectors.from_match(selector.match_labels, selector.match_expressions) if present \
        else selectors.LabelSelector()


def _labels(obj: Mapping[str, Any] | None) -> Mapping[str, str]:
    return ((obj or {}).get("metadata") or {}).get("labels") or {}


def namespace_matches(match: types_pb2.MatchResources, req: Request,
                      namespace_labels: Mapping[str, str] | None) -> bool:
    """Cluster-scoped objects other than Namespaces always match; a Namespace is judged by its own labels."""
    selector = _selector(match.namespace_selector, match.HasField("namespace_selector"))
    if req.resource == "namespaces" and req.group == "":
        return selector.matches(_labels(req.obj or req.old))
    if req.cluster_scoped:
        return True
    return selector.matches(namespace_labels or {})


def object_matches(match: types_pb2.MatchResources, req: Request) -> bool:
    """The new object's labels or the old one's (either is enough, as Kubernetes)."""
    selector = _selector(match.object_selector, match.HasField("object_selector"))
    if selector.is_empty():
        return True
    return any(o is not None and selector.matches(_labels(o)) for o in (req.obj, req.old))


def matches(match: types_pb2.MatchResources, req: Request, namespace_labels: Mapping[str, str] | None,
            empty_rules_match: bool) -> bool:
    """Whether `match` selects the request. A policy with no resourceRules matches nothing (refused on write
    anyway); a binding's matchResources with none narrows only by its selectors (`empty_rules_match`)."""
    if not namespace_matches(match, req, namespace_labels) or not object_matches(match, req):
        return False
    if any(rule_matches(r, req) for r in match.exclude_resource_rules):
        return False
    if not match.resource_rules:
        return empty_rules_match
    return any(rule_matches(r, req) for r in match.resource_rules)
