"""OpenAPI v3 documents of the CRDs' groupVersions (`/openapi/v3/apis/<group>/<version>`), for `kubectl explain`
and so kubectl leaves field validation to the server, as it does for built-in kinds. Pure functions.
"""
from __future__ import annotations

import copy
import hashlib
import json

from controlplane.apiserver.crd.definitions import Resource
from controlplane.apiserver.rest.discovery import KUBERNETES_VERSION

_QUERY = ("fieldValidation", "fieldManager", "dryRun", "force")
_META = {"apiVersion": {"type": "string", "description": "APIVersion defines the versioned schema of this "
                                                         "representation of an object."},
         "kind": {"type": "string", "description": "Kind is a string value representing the REST resource this "
                                                   "object represents."},
         "metadata": {"type": "object", "description": "Standard object's metadata."}}


def definition_name(r: Resource, kind: str = "") -> str:
    """Kubernetes' name for a CRD's schema: the group reversed, `com.example.stable.v1.CronTab`."""
    return ".".join(reversed(r.group.split("."))) + f".{r.version}.{kind or r.kind}"


def _schema(r: Resource) -> dict:
    out = copy.deepcopy(r.schema) or {"type": "object"}
    out["properties"] = {**_META, **(out.get("properties") or {})}
    out["x-kubernetes-group-version-kind"] = [{"group": r.group, "version": r.version, "kind": r.kind}]
    return out


def _paths(r: Resource) -> dict:
    return resource_paths(r.group, r.version, r.kind, r.plural, definition_name(r), r.namespaced)


def resource_paths(group: str, version: str, kind: str, plural: str, definition: str, namespaced: bool) -> dict:
    """A resource's collection and item operations, each tagged with its kind (kubectl explain finds the schema
    through them); writes declare fieldValidation, so kubectl leaves validation to the server."""
    gvk = {"group": group, "version": version, "kind": kind}
    ref = {"$ref": f"#/components/schemas/{definition}"}
    params = [{"name": n, "in": "query", "schema": {"type": "string", "uniqueItems": True}} for n in _QUERY]
    namespace = "/namespaces/{namespace}" if namespaced else ""
    collection = f"/apis/{group}/{version}{namespace}/{plural}"

    def op(action: str, body: bool = False) -> dict:
        out = {"operationId": f"{action}{kind}", "x-kubernetes-action": action,
               "x-kubernetes-group-version-kind": gvk,
               "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": ref}}}}}
        if body:
            out["parameters"] = params
        return out
    return {collection: {"get": op("list"), "post": op("post", True), "delete": op("deletecollection")},
            collection + "/{name}": {"get": op("get"), "put": op("put", True), "patch": op("patch", True),
                                     "delete": op("delete")}}


def documents(resources: list[Resource]) -> dict[str, bytes]:
    """`apis/<group>/<version>` -> its document, for every served version of every established CRD."""
    by_gv: dict[str, list[Resource]] = {}
    for r in resources:
        by_gv.setdefault(f"apis/{r.group}/{r.version}", []).append(r)
    out = {}
    for key, served in by_gv.items():
        paths: dict = {}
        for r in served:
            paths.update(_paths(r))
        doc = {"openapi": "3.0.0", "info": {"title": "Kubernetes CRD Swagger",
                                            "version": f"v{'.'.join(KUBERNETES_VERSION)}.0"},
               "paths": paths, "components": {"schemas": {definition_name(r): _schema(r) for r in served}}}
        out[key] = json.dumps(doc).encode()
    return out


def root_entries(docs: dict[str, bytes]) -> dict[str, dict]:
    return {key: {"serverRelativeURL": f"/openapi/v3/{key}?hash={hashlib.sha512(doc).hexdigest()[:32].upper()}"}
            for key, doc in docs.items()}
