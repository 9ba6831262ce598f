"""OpenAPI v2 (`/openapi/v2`) and v3 (`/openapi/v3`, one document per groupVersion) for every kind, from
the proto descriptors (api/schema.py). Patch operations declare `fieldValidation`, so kubectl validates
on the server. Built once; the documents never change while the server runs.
"""
from __future__ import annotations

import functools
import hashlib
import json

from api import schema
from api.kinds import Kind
from controlplane.apiserver.rest.discovery import KUBERNETES_VERSION
from controlplane.apiserver.rest.paths import group_versions, resource_path

_QUERY = ("fieldValidation", "fieldManager", "dryRun", "force")


def _operations(kind: Kind, ref: dict, v3: bool) -> dict[str, dict]:
    """Paths of one kind: the collection and the object, each verb tagged with its group/version/kind."""
    gvk = schema.gvk(kind)
    namespace = "/namespaces/{namespace}" if kind.namespaced else ""
    collection = resource_path(kind).replace(f"/{kind.plural}", f"{namespace}/{kind.plural}")
    params = [_param(n, v3) for n in _QUERY]

    def op(action: str, body: bool = False) -> dict:
        out = {"operationId": f"{action}{kind.name}", "x-kubernetes-action": action,
               "x-kubernetes-group-version-kind": gvk, "responses": {"200": _response(ref, v3)}}
        if body:
            out["parameters"] = params
        return out

    return {
        collection: {"get": op("list"), "post": op("post", True), "delete": op("deletecollection")},
        collection + "/{name}": {"get": op("get"), "put": op("put", True), "patch": op("patch", True),
                                 "delete": op("delete")},
    }


def _param(name: str, v3: bool) -> dict:
    if v3:
        return {"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": True}}
    return {"name": name, "in": "query", "type": "string", "uniqueItems": True}


def _response(ref: dict, v3: bool) -> dict:
    if v3:
        return {"description": "OK", "content": {"application/json": {"schema": ref}}}
    return {"description": "OK", "schema": ref}


def _ref_v2(descriptor) -> dict:
    return {"$ref": f"#/definitions/{schema.definition_name(descriptor)}"}


def _ref_v3(descriptor) -> dict:
    return {"$ref": f"#/components/schemas/{schema.definition_name(descriptor)}"}


def _info() -> dict:
    return {"title": "Kubernetes", "version": f"v{'.'.join(KUBERNETES_VERSION)}.0"}


V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"  # what kube-openapi answers


@functools.cache
def v2_protobuf() -> bytes:
    """The v2 document as kubectl asks for it (gnostic's `openapi_v2.Document` in protobuf), holding only
    `swagger` and `info.title`: the schemas are in v3, where kubectl looks first. kubectl turns to v2 for a
    kind v3 does not have (a kind skiff does not serve); an empty document lets it say so in its own words
    ('no matches for kind "DaemonSet"'), where a JSON body it cannot parse stopped it at 'proto: cannot parse'."""
    def text(number: int, value: bytes) -> bytes:  # a length-delimited field (wire type 2); short values only
        return bytes([number << 3 | 2, len(value)]) + value
    return text(1, b"2.0") + text(2, text(1, _info()["title"].encode()))


@functools.cache
def v2() -> bytes:
    every = [k for served in group_versions().values() for k in served]
    paths: dict = {}
    for kind in every:
        paths.update(_operations(kind, _ref_v2(kind.message.DESCRIPTOR), v3=False))
    doc = {"swagger": "2.0", "info": _info(), "paths": paths,
           "definitions": schema.definitions([k.message.DESCRIPTOR for k in every], _ref_v2)}
    return json.dumps(doc).encode()


def _v3_key(gv: str) -> str:
    return f"apis/{gv}" if "/" in gv else f"api/{gv}"


@functools.cache
def v3_documents() -> dict[str, bytes]:
    """`api/v1`, `apis/apps/v1`, ... -> that groupVersion's document."""
    out = {}
    for gv, served in group_versions().items():
        paths: dict = {}
        for kind in served:
            paths.update(_operations(kind, _ref_v3(kind.message.DESCRIPTOR), v3=True))
        doc = {"openapi": "3.0.0", "info": _info(), "paths": paths,
               "components": {"schemas": schema.definitions([k.message.DESCRIPTOR for k in served], _ref_v3)}}
        out[_v3_key(gv)] = json.dumps(doc).encode()
    return out


@functools.cache
def v3_root() -> bytes:
    """The index kubectl reads first: each groupVersion's document URL, with a hash for caching."""
    paths = {key: {"serverRelativeURL": f"/openapi/v3/{key}?hash={hashlib.sha512(doc).hexdigest()[:32].upper()}"}
             for key, doc in v3_documents().items()}
    return json.dumps({"paths": paths}).encode()
