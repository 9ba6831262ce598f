"""The Node authorizer: what a node's agent (system:node:NAME in system:nodes) may do, decided from the
pods bound to that node, as Kubernetes' node authorizer graph does.

Reads: Nodes, Services, Endpoints, Namespaces, RuntimeClasses; its own pods (a list must select
spec.nodeName=NAME, else RBAC decides: the bootstrap network policy agent role lets nodes list every pod and
NetworkPolicy); the
ConfigMaps, Secrets and PersistentVolumeClaims those pods name; PersistentVolumes (whose provisioned
directories the node also removes, dropping the local-path finalizer: an update). Writes: its Node and Lease, its pods' status and deletion,
events, its metrics, tokens of its pods' ServiceAccounts; reviews of its own callers (delegated
authorization). Anything else is refused. Pure: the pods come from a `PodGraph` the caller gives.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from api import selectors, storage
from api.podrefs import references
from controlplane.apiserver.auth.attributes import ALLOW, Attributes, Decision
from controlplane.apiserver.auth.user import UserInfo
from proto import types_pb2

READ = ("get", "list", "watch")
WRITE = ("create", "update", "patch")
LEASE_NAMESPACE = "kube-node-lease"
# RuntimeClasses: Kubernetes' system:node role reads them (the kubelet looks up each pod's handler).
READ_ANY = {("", "nodes"), ("", "services"), ("", "endpoints"), ("", "namespaces"), ("node.k8s.io", "runtimeclasses")}
DELEGATION = {("authentication.k8s.io", "tokenreviews"), ("authorization.k8s.io", "subjectaccessreviews")}


class PodGraph(Protocol):
    def pod(self, namespace: str, name: str) -> types_pb2.Pod | None: ...

    def pods(self) -> Iterable[types_pb2.Pod]: ...


def _deny(reason: str) -> Decision:
    return Decision(False, reason)


def selected(field_selector: str, field: str) -> str:
    """The value a `FIELD=VALUE` term of the selector requires ("" when it has none)."""
    try:
        parsed = selectors.parse_field_selector(field_selector)
    except ValueError:
        return ""
    for r in parsed.requirements:
        if r.field == field and r.operator in ("=", "=="):
            return r.value
    return ""


def references_from_node(graph: PodGraph, node: str, namespace: str, kind: str, name: str) -> bool:
    """Whether a pod bound to `node` in `namespace` names the ConfigMap or Secret."""
    return any(p.spec.node_name == node and p.metadata.namespace == namespace and (kind, name) in references(p)
               for p in graph.pods())


def authorize(user: UserInfo, attrs: Attributes, graph: PodGraph) -> Decision | None:
    """A decision for a node's request; None (no opinion) for anyone else or a non-resource request."""
    node = user.node_name
    if not node or not attrs.is_resource_request:
        return None
    group, resource, sub, verb = attrs.api_group, attrs.resource, attrs.subresource, attrs.verb
    if (group, resource) in READ_ANY and not sub and verb in READ:
        return ALLOW
    if (group, resource) == ("", "nodes"):
        if attrs.name != node:
            return _deny(f'node "{node}" may only change its own Node object')
        if sub in ("", "status") and verb in WRITE or (sub == "metrics" and verb == "create"):
            return ALLOW
        return _deny("")
    if (group, resource) == ("coordination.k8s.io", "leases"):
        if attrs.namespace == LEASE_NAMESPACE and attrs.name == node and verb in (*READ, *WRITE):
            return ALLOW
        return _deny(f'node "{node}" may only use its own Lease in {LEASE_NAMESPACE}')
    if (group, resource) in (("", "events"), ("events.k8s.io", "events")) and verb in WRITE:
        return ALLOW
    if (group, resource) in DELEGATION and verb == "create":
        return ALLOW  # the agent asks who its own callers are and what they may do (its /metrics)
    if (group, resource) == ("", "pods"):
        return _pods(node, attrs, graph)
    if (group, resource) == ("networking.k8s.io", "networkpolicies") and verb in READ and not sub:
        return None  # RBAC decides: the network policy agent's role (bootstrap)
    if (group, resource, sub, verb) == ("", "serviceaccounts", "token", "create"):
        # The agent asks for the tokens of its pods' ServiceAccounts (kube-api-access volumes).
        if any(p.spec.node_name == node and p.metadata.namespace == attrs.namespace
               and p.spec.service_account_name == attrs.name for p in graph.pods()):
            return ALLOW
        return _deny(f"no relationship found between node '{node}' and this object")
    if (group, resource) == ("", "persistentvolumeclaims") and verb == "get" and not sub:
        if any(p.spec.node_name == node and p.metadata.namespace == attrs.namespace
               and attrs.name in storage.claim_names(p) for p in graph.pods()):
            return ALLOW
        return _deny(f"no relationship found between node '{node}' and this object")
    if (group, resource) == ("", "persistentvolumes") and not sub and verb in (*READ, "update", "patch"):
        # Kubernetes' graph lets a node read the volumes of its pods' claims only; skiff's graph holds pods
        # alone, and the node's local-path clean-up watches every volume pinned to it. What a node may
        # change in a volume is narrowed by admission (auth/admission.node_volume_change).
        return ALLOW
    if (group, resource) in (("", "configmaps"), ("", "secrets")) and verb in READ and not sub:
        kind = "ConfigMap" if resource == "configmaps" else "Secret"
        if attrs.name and references_from_node(graph, node, attrs.namespace, kind, attrs.name):
            return ALLOW
        return _deny(f"no relationship found between node '{node}' and this object")
    return _deny("")


def _pods(node: str, attrs: Attributes, graph: PodGraph) -> Decision | None:
    verb, sub = attrs.verb, attrs.subresource
    if verb in ("list", "watch") and not sub:
        if selected(attrs.field_selector, "spec.nodeName") == node:
            return ALLOW
        return None  # RBAC decides: the network policy agent's role (bootstrap) reads every pod

    pod = graph.pod(attrs.namespace, attrs.name) if attrs.name else None
    if pod is None or pod.spec.node_name != node:
        return _deny(f"no relationship found between node '{node}' and this object")
    if (verb == "get" and not sub) or (sub == "status" and verb in ("get", *WRITE)) or (verb == "delete" and not sub):
        return ALLOW
    return _deny("")
