"""What a REST request asks to do, as Kubernetes' RequestInfo: the verb, group, resource, subresource,
namespace and name an authorizer judges (or the path, for discovery and OpenAPI). Pure functions.
"""
from __future__ import annotations

from controlplane.apiserver.rest import paths

# Subresources that open a stream to the pod: Kubernetes 1.32 asks for `create` whichever the method
# (a WebSocket upgrade is a GET), so `get pods/exec` alone lets nobody run commands.
_CONNECT = ("exec", "attach", "portforward")
_WRITES = {"POST": "create", "PUT": "update", "PATCH": "patch"}


def verb(method: str, name: str, subresource: str, query) -> str:
    if subresource in _CONNECT:
        return "create"
    if method in ("GET", "HEAD"):
        if query.get("watch", "").lower() in ("1", "true"):
            return "watch"
        return "get" if name else "list"
    if method == "DELETE":
        return "delete" if name else "deletecollection"
    return _WRITES.get(method, method.lower())


def describe(method: str, path: str, query) -> dict:
    """Keyword arguments of an authorizer's Attributes for this request."""
    try:
        target = paths.parse(path)
    except paths.BadPath:
        target = None
    if target is None:  # discovery, OpenAPI, /version: a non-resource request
        return {"verb": "get" if method in ("GET", "HEAD") else method.lower(), "path": path}
    namespace = target.namespace
    if target.kind is not None and target.kind.name == "Namespace" and target.name:
        namespace = target.name  # Kubernetes authorizes a namespace as an object in itself
    return {"verb": verb(method, target.name, target.subresource, query), "api_group": target.group,
            "resource": target.resource, "subresource": target.subresource, "namespace": namespace,
            "name": target.name, "field_selector": query.get("fieldSelector", "")}
