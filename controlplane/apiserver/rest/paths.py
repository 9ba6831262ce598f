"""Kubernetes' REST paths as data: which kind, namespace, name and subresource a URL names.

Pure functions; `/api/v1/namespaces/ns/pods/web/log` -> Target(kind=Pod, namespace="ns", name="web", sub="log").
"""
from __future__ import annotations

from dataclasses import dataclass

from api import kinds
from api.kinds import Kind
from api.schema import group_version
from controlplane.apiserver import resources

# Pods' subresources that reach the pod's node instead of storage (Kubernetes' "connect" verbs), and
# the eviction: served by the REST layer itself, so they are not in the pod's strategy.
POD_ONLY = ("eviction", "log", "exec", "attach", "portforward")


def subresources(kind: Kind) -> tuple[str, ...]:
    """What a kind serves under `/<name>/<subresource>`: from its strategy (resources/<kind>.py)."""
    strategy = resources.for_kind(kind)
    out = ["status"] if kind.has_status else []
    if strategy.scale is not None:
        out.append("scale")
    out += [s for s in (*strategy.subresources, *strategy.partial_updates) if s not in out]
    if kind.name == "Pod":
        out += POD_ONLY
    if kind.name == "ServiceAccount":
        out.append("token")  # TokenRequest: `kubectl create token`
    return tuple(out)


def group_versions() -> dict[str, list[Kind]]:
    """Every served groupVersion ("v1", "apps/v1", ...) and its kinds, core first."""
    out: dict[str, list[Kind]] = {}
    # resources by name within a groupVersion, as Kubernetes' discovery lists them (`kubectl get all` order)
    for kind in sorted(kinds.KINDS, key=lambda k: ("/" in k.api_version, k.api_version, k.plural)):
        out.setdefault(kind.api_version, []).append(kind)
    return out


@dataclass(frozen=True)
class Served:
    """A resource served without being stored: the metrics API, access reviews."""

    group_version: str
    plural: str
    kind: str
    namespaced: bool
    verbs: tuple[str, ...]


EXTRA: tuple[Served, ...] = (
    Served("metrics.k8s.io/v1beta1", "nodes", "NodeMetrics", False, ("get", "list")),
    Served("metrics.k8s.io/v1beta1", "pods", "PodMetrics", True, ("get", "list")),
    Served("authorization.k8s.io/v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", False, ("create",)),
    Served("authorization.k8s.io/v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview", False, ("create",)),
    Served("authentication.k8s.io/v1", "selfsubjectreviews", "SelfSubjectReview", False, ("create",)),  # auth whoami
    # `kubectl autoscale` creates in v1; stored as v2 (rest/autoscaling_v1.py converts), changed in v2
    Served("autoscaling/v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler", True, ("create", "get", "list")),
)


def extra(group_version: str, plural: str) -> Served | None:
    return next((e for e in EXTRA if e.group_version == group_version and e.plural == plural), None)


def builtin_group(group: str) -> bool:
    """A group served by skiff's own kinds; any other is a CustomResourceDefinition's."""
    return any(k.api_version.startswith(group + "/") for k in kinds.KINDS) or \
        any(e.group_version.startswith(group + "/") for e in EXTRA)


def find_kind(group: str, version: str, resource: str) -> Kind | None:
    api_version = f"{group}/{version}" if group else version
    return next((k for k in kinds.KINDS if k.api_version == api_version and k.plural == resource), None)


@dataclass(frozen=True)
class Target:
    """What a resource URL names. `kind` is None when the groupVersion or resource is unknown."""

    group: str
    version: str
    resource: str
    kind: Kind | None
    namespace: str = ""
    name: str = ""
    subresource: str = ""

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


class BadPath(ValueError):
    """A URL under /api or /apis that names no resource (404 in Kubernetes)."""


def parse(path: str) -> Target | None:
    """The resource a URL names, or None for a discovery URL (`/api`, `/apis/apps/v1`, ...).

    Raises BadPath for a malformed resource path; an unknown groupVersion or resource gives kind=None.
    """
    parts = [p for p in path.split("/") if p]
    if not parts or parts[0] not in ("api", "apis"):
        raise BadPath(path)
    if parts[0] == "api":
        if len(parts) <= 2:
            return None
        group, version, rest = "", parts[1], parts[2:]
    else:
        if len(parts) <= 3:
            return None
        group, version, rest = parts[1], parts[2], parts[3:]
    namespace = ""
    gv = f"{group}/{version}" if group else version
    if rest[0] == "namespaces" and len(rest) >= 3 and (find_kind(group, version, rest[2]) is not None
                                                       or getattr(extra(gv, rest[2]), "namespaced", False)
                                                       or (group and not builtin_group(group))):
        namespace, rest = rest[1], rest[2:]
    if len(rest) > 3:
        raise BadPath(path)
    resource, name, sub = rest[0], rest[1] if len(rest) > 1 else "", rest[2] if len(rest) > 2 else ""
    kind = find_kind(group, version, resource)
    if kind is not None and not kind.namespaced:
        namespace = ""
    return Target(group, version, resource, kind, namespace, name, sub)


def resource_path(kind: Kind, namespace: str = "", name: str = "") -> str:
    """The URL of a collection or object: `/apis/apps/v1/namespaces/ns/deployments/web`."""
    group, version = group_version(kind)
    base = f"/apis/{group}/{version}" if group else f"/api/{version}"
    if kind.namespaced and namespace:
        base += f"/namespaces/{namespace}"
    base += f"/{kind.plural}"
    return f"{base}/{name}" if name else base
