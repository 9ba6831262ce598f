"""Attributes of the API's calls: which verb on which resource of which group, named how.

Pure helpers the gRPC service calls with what each request names (and the REST listener can reuse).
"""
from __future__ import annotations

from google.protobuf.message import Message

from api import kinds
from controlplane.apiserver.auth.attributes import Attributes
from controlplane.apiserver.auth.node import selected


def group_of(kind: kinds.Kind) -> str:
    """The API group of a kind ("" for the core v1 group, "apps" for apps/v1)."""
    return kind.api_version.rpartition("/")[0]


def for_kind(verb: str, kind: kinds.Kind | str, namespace: str = "", name: str = "", subresource: str = "",
             field_selector: str = "") -> Attributes:
    kind = kind if isinstance(kind, kinds.Kind) else kinds.lookup(kind)
    if verb in ("list", "watch") and not name:
        # As Kubernetes: a list or watch of one name (metadata.name=NAME) is authorized as that object.
        name = selected(field_selector, "metadata.name")
    return Attributes(verb, group_of(kind), kind.plural, subresource,
                      (namespace or "default") if kind.namespaced else "", name, field_selector=field_selector)


def for_object(verb: str, obj: Message, subresource: str = "") -> Attributes:
    return for_kind(verb, kinds.of(obj), obj.metadata.namespace, obj.metadata.name, subresource)


def for_path(verb: str, path: str) -> Attributes:
    return Attributes(verb, path=path)
