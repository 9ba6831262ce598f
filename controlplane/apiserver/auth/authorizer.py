"""The API server's authorizer: system:masters may do anything, a node is judged by the Node authorizer,
everyone else by RBAC over the Roles and bindings in the watch cache (Kubernetes' Node,RBAC chain).
"""
from __future__ import annotations

from collections.abc import Iterable

from api import errors, kinds
from controlplane.apiserver.auth import node, rbac
from controlplane.apiserver.auth.attributes import ALLOW, Attributes, Decision, forbidden_message
from controlplane.apiserver.auth.user import MASTERS, UserInfo
from proto import types_pb2

RBAC_KINDS = ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")


def decide(user: UserInfo, attrs: Attributes, index: rbac.RbacIndex, graph: node.PodGraph) -> Decision:
    """The whole chain as a pure function of the request, the RBAC index and the pod graph."""
    if MASTERS in user.groups:
        return ALLOW
    decision = node.authorize(user, attrs, graph)
    if decision is not None:
        return decision
    return rbac.authorize(index, user, attrs)


class CachePods:
    """The Node authorizer's pods: the API server's own watch cache of Pods."""

    def __init__(self, registry):
        self._cache = registry.caches[kinds.BY_NAME["Pod"]]
        self._kind = kinds.BY_NAME["Pod"]

    def pod(self, namespace: str, name: str) -> types_pb2.Pod | None:
        from controlplane.apiserver.registry import storage_key
        return self._cache.objects.get(storage_key(self._kind, namespace, name))

    def pods(self) -> Iterable[types_pb2.Pod]:
        return self._cache.objects.values()


class Authorizer:
    def __init__(self, registry):
        self._caches = [registry.caches[kinds.BY_NAME[k]] for k in RBAC_KINDS]
        self._graph = CachePods(registry)
        self._index = rbac.RbacIndex()
        self._built_at: tuple[int, ...] | None = None

    def index(self) -> rbac.RbacIndex:
        """The RBAC index, rebuilt when any of the four kinds changed since the last build (their caches'
        generations: their revisions move every second with etcd's progress, changed or not)."""
        generations = tuple(c.generation for c in self._caches)
        if generations != self._built_at:
            self._index = rbac.RbacIndex.build(*(c.objects.values() for c in self._caches))
            self._built_at = generations
        return self._index

    def authorize(self, user: UserInfo, attrs: Attributes) -> Decision:
        return decide(user, attrs, self.index(), self._graph)

    def check(self, user: UserInfo, attrs: Attributes) -> None:
        """Raise Forbidden, in Kubernetes' words, unless the user may."""
        decision = self.authorize(user, attrs)
        if not decision.allowed:
            raise errors.Forbidden(forbidden_message(user.name, attrs, decision.reason))
