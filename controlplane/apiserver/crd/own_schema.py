"""The OpenAPI v3 document of apiextensions.k8s.io/v1 itself: the CustomResourceDefinition kind's schema, so
`kubectl explain crd.spec.versions.schema` works as on a real cluster. A constant; built once.
"""
from __future__ import annotations

import functools
import json

from controlplane.apiserver.crd import definitions, openapi
from controlplane.apiserver.rest.discovery import KUBERNETES_VERSION

PREFIX = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1."
KEY = f"apis/{definitions.GROUP}/{definitions.VERSION}"


def _ref(name: str, description: str = "") -> dict:
    out: dict = {"allOf": [{"$ref": f"#/components/schemas/{PREFIX}{name}"}]}
    if description:
        out["description"] = description
    return out


def _s(description: str, type_: str = "string") -> dict:
    return {"type": type_, "description": description}


def _list(item: dict, description: str) -> dict:
    return {"type": "array", "items": item, "description": description}


def _strings(description: str) -> dict:
    return _list({"type": "string", "default": ""}, description)


def _obj(description: str, properties: dict, required: tuple[str, ...] = ()) -> dict:
    out = {"type": "object", "description": description, "properties": properties}
    if required:
        out["required"] = list(required)
    return out


_PROPS = "JSONSchemaProps"
SCHEMAS = {
    "CustomResourceDefinition": {
        **_obj("A new kind served by the API server, with the schema of each of its versions.", {
            "apiVersion": _s("The versioned schema of this representation of an object."),
            "kind": _s("The REST resource this object represents."),
            "metadata": {"type": "object", "description": "Standard object's metadata."},
            "spec": _ref("CustomResourceDefinitionSpec", "The kind's names, scope and versions."),
            "status": _ref("CustomResourceDefinitionStatus", "What the API server made of the definition.")},
            ("spec",)),
        "x-kubernetes-group-version-kind": [{"group": definitions.GROUP, "version": definitions.VERSION,
                                             "kind": definitions.KIND}]},
    "CustomResourceDefinitionSpec": _obj("The kind's names, scope and served versions.", {
        "group": _s("The API group of the resources (`/apis/<group>/...`); must match the name's suffix."),
        "names": _ref("CustomResourceDefinitionNames", "The names the resource is served under."),
        "scope": _s("Cluster or Namespaced."),
        "versions": _list(_ref("CustomResourceDefinitionVersion"), "Every version served; exactly one is stored."),
        "conversion": _ref("CustomResourceConversion", "How objects move between versions."),
        "preserveUnknownFields": _s("Must be false in apiextensions.k8s.io/v1: unknown fields are pruned.",
                                    "boolean")}, ("group", "names", "scope", "versions")),
    "CustomResourceDefinitionNames": _obj("The names a custom resource is served and printed under.", {
        "plural": _s("The resource name in URLs, lower case (`crontabs`)."),
        "singular": _s("The lower-case singular name (`crontab`)."),
        "kind": _s("The CamelCase kind of the objects (`CronTab`)."),
        "listKind": _s("The kind of a list of them (`CronTabList` by default)."),
        "shortNames": _strings("Short names kubectl accepts (`ct`)."),
        "categories": _strings("Groups of resources it belongs to (`all`).")}, ("kind", "plural")),
    "CustomResourceDefinitionVersion": _obj("One version of the kind.", {
        "name": _s("The version name in URLs (`v1`, `v1beta1`)."),
        "served": _s("Whether the version is served over the REST API.", "boolean"),
        "storage": _s("Whether objects are stored in this version (exactly one version is).", "boolean"),
        "deprecated": _s("Whether requests to this version get a deprecation warning.", "boolean"),
        "deprecationWarning": _s("The warning to give instead of the default one."),
        "schema": _ref("CustomResourceValidation", "The schema objects of this version are validated with."),
        "subresources": _ref("CustomResourceSubresources", "The status and scale subresources served."),
        "additionalPrinterColumns": _list(_ref("CustomResourceColumnDefinition"), "Columns `kubectl get` prints."),
        "selectableFields": _list(_ref("SelectableField"), "Fields `--field-selector` accepts.")},
        ("name", "served", "storage")),
    "CustomResourceValidation": _obj("A version's schema.", {
        "openAPIV3Schema": _ref(_PROPS, "The OpenAPI v3 schema of the objects.")}),
    "CustomResourceSubresources": _obj("The subresources a version serves.", {
        "status": {"type": "object", "description": "Serve `/status`: the status is written only through it."},
        "scale": _ref("CustomResourceSubresourceScale", "Serve `/scale` (kubectl scale, autoscalers).")}),
    "CustomResourceSubresourceScale": _obj("Where the scale subresource reads and writes replicas.", {
        "specReplicasPath": _s("The JSON path of the desired replicas (`.spec.replicas`)."),
        "statusReplicasPath": _s("The JSON path of the observed replicas (`.status.replicas`)."),
        "labelSelectorPath": _s("The JSON path of the pods' selector, as a string.")},
        ("specReplicasPath", "statusReplicasPath")),
    "CustomResourceColumnDefinition": _obj("A column of `kubectl get`.", {
        "name": _s("The column header."), "type": _s("integer, number, string, boolean or date."),
        "format": _s("An optional OpenAPI format of the type."), "description": _s("What the column shows."),
        "priority": _s("0 for the default view; more only with `-o wide`.", "integer"),
        "jsonPath": _s("The JSON path of the value in each object.")}, ("jsonPath", "name", "type")),
    "SelectableField": _obj("A field a field selector may name.", {
        "jsonPath": _s("The JSON path of the field (`.spec.color`).")}, ("jsonPath",)),
    "CustomResourceConversion": _obj("How objects move between versions.", {
        "strategy": _s("None (only apiVersion changes) or Webhook."),
        "webhook": {"type": "object", "description": "The conversion webhook, for strategy Webhook."}},
        ("strategy",)),
    "CustomResourceDefinitionStatus": _obj("What the API server made of the definition.", {
        "conditions": _list({"type": "object"}, "Established, NamesAccepted, Terminating."),
        "acceptedNames": _ref("CustomResourceDefinitionNames", "The names actually served."),
        "storedVersions": _strings("Every version objects were ever stored in.")}),
    _PROPS: _obj("A JSON Schema (OpenAPI v3 subset) with Kubernetes' extensions.", {
        "description": _s("What the value means."), "type": _s("object, array, string, integer, number, boolean."),
        "format": _s("A string format (date-time, int-or-string, ...)."), "title": _s("A short title."),
        "properties": {"type": "object", "additionalProperties": _ref(_PROPS), "description": "An object's fields."},
        "additionalProperties": _ref(_PROPS, "The schema of a map's values (or true/false)."),
        "items": _ref(_PROPS, "The schema of an array's items."),
        "required": _strings("The fields an object must have."),
        "enum": _list({}, "The values allowed."), "default": {"description": "The value set when none is given."},
        "nullable": _s("Whether null is allowed.", "boolean"),
        "minimum": _s("The smallest number allowed.", "number"), "maximum": _s("The largest.", "number"),
        "minLength": _s("The shortest string.", "integer"), "maxLength": _s("The longest string.", "integer"),
        "minItems": _s("The fewest items.", "integer"), "maxItems": _s("The most items.", "integer"),
        "pattern": _s("A regular expression a string must match."),
        "anyOf": _list(_ref(_PROPS), "Any of these schemas."), "oneOf": _list(_ref(_PROPS), "Exactly one."),
        "allOf": _list(_ref(_PROPS), "All of these schemas."), "not": _ref(_PROPS, "A schema not to match."),
        "x-kubernetes-preserve-unknown-fields": _s("Keep fields the schema does not name.", "boolean"),
        "x-kubernetes-int-or-string": _s("An integer or a string.", "boolean"),
        "x-kubernetes-embedded-resource": _s("An object with apiVersion, kind and metadata.", "boolean"),
        "x-kubernetes-list-type": _s("atomic, set or map."),
        "x-kubernetes-list-map-keys": _strings("The keys of a list of type map."),
        "x-kubernetes-map-type": _s("granular or atomic."),
        "x-kubernetes-validations": _list({"type": "object"}, "CEL rules the value must satisfy.")}),
}


def _paths() -> dict:
    """The CRD API's operations (the server knows every JSONSchemaProps field; this document names the common
    ones, for explain)."""
    return openapi.resource_paths(definitions.GROUP, definitions.VERSION, definitions.KIND, definitions.PLURAL,
                                  f"{PREFIX}{definitions.KIND}", namespaced=False)


@functools.cache
def documents() -> dict[str, bytes]:
    """`apis/apiextensions.k8s.io/v1` -> its document: the CRD kind's schema and the CRD API's paths."""
    doc = {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": f"v{'.'.join(KUBERNETES_VERSION)}.0"},
           "paths": _paths(), "components": {"schemas": {PREFIX + name: s for name, s in SCHEMAS.items()}}}
    return {KEY: json.dumps(doc).encode()}
