"""What a request asks to do, as Kubernetes' authorizer.Attributes, and the answer.

The same shape for every listener: gRPC builds it from the RPC, the REST listener from the URL.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Attributes:
    verb: str                  # get list watch create update patch delete deletecollection (or an HTTP verb for a path)
    api_group: str = ""        # "" is the core group
    resource: str = ""         # plural: "pods"; "" for a non-resource request
    subresource: str = ""      # "status", "exec", "log", ...
    namespace: str = ""
    name: str = ""             # the object's name; for list/watch, from a metadata.name field selector
    path: str = ""             # a non-resource request's URL path ("/version")
    field_selector: str = ""   # a list's or watch's field selector (the Node authorizer reads spec.nodeName)

    @property
    def is_resource_request(self) -> bool:
        return bool(self.resource)

    @property
    def full_resource(self) -> str:
        return f"{self.resource}/{self.subresource}" if self.subresource else self.resource


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""


ALLOW = Decision(True)


def forbidden_message(user_name: str, attrs: Attributes, reason: str = "") -> str:
    """Kubernetes' wording: `pods "web" is forbidden: User "alice" cannot get resource "pods" in API group ""
    in the namespace "default"`."""
    if not attrs.is_resource_request:
        message = f'forbidden: User "{user_name}" cannot {attrs.verb} path "{attrs.path}"'
    else:
        qualified = f"{attrs.resource}.{attrs.api_group}" if attrs.api_group else attrs.resource
        what = f'{qualified} "{attrs.name}"' if attrs.name else qualified
        where = f'in the namespace "{attrs.namespace}"' if attrs.namespace else "at the cluster scope"
        message = (f'{what} is forbidden: User "{user_name}" cannot {attrs.verb} resource '
                   f'"{attrs.full_resource}" in API group "{attrs.api_group}" {where}')
    return f"{message}: {reason}" if reason else message
