"""The plugin's place in the admission chain: the request in Kubernetes' terms, the policies, bindings,
namespace and parameter objects read from the watch cache, and the outcome handed back to admission.py."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from google.protobuf.message import Message

from api import kinds, manifest, selectors
from controlplane.apiserver.auth.user import UserInfo
from controlplane.apiserver.vap import customparams, plugin
from controlplane.apiserver.vap.matching import Request
from proto import types_pb2

POLICY, BINDING = "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"
# Policies never judge the admission configuration itself, so a policy cannot lock out its own repair
# (Kubernetes exempts its admissionregistration resources the same way).
EXEMPT_GROUP = "admissionregistration.k8s.io"
Cached = Callable[[kinds.Kind, str, str], Message | None]
ObjectsIn = Callable[[kinds.Kind, str], Iterable[Message]]


def request_of(operation: str, obj: Message | None, old: Message | None, subresource: str,
               user: UserInfo | None, with_objects: bool = True) -> Request:
    """The request in Kubernetes' terms; `obj` is None on a delete (then `old` names what is deleted).
    Without `with_objects` the objects are left out (enough to match rules, and far cheaper)."""
    subject = obj if obj is not None else old
    kind = kinds.of(subject)
    group, _, version = kind.api_version.rpartition("/")
    return Request(operation=operation.upper(), group=group, version=version, resource=kind.plural,
                   kind=kind.name, namespace=subject.metadata.namespace if kind.namespaced else "",
                   name=subject.metadata.name, subresource=subresource,
                   obj=manifest.to_dict(obj) if obj is not None and with_objects else None,
                   old=manifest.to_dict(old) if old is not None and with_objects else None, user=_user(user))


def _user(user: UserInfo | None) -> dict:
    if user is None:
        return {}
    # extra: only an impersonated user (Impersonate-Extra-*) has any
    return {"username": user.name, "uid": user.uid, "groups": list(user.groups),
            **({"extra": {k: list(v) for k, v in user.extra}} if user.extra else {})}


class PolicyHook:
    """Runs the ValidatingAdmissionPolicy plugin over what the API server's caches hold."""

    def __init__(self, cached: Cached, objects_in: ObjectsIn, custom: customparams.CustomParams | None = None):
        self._cached, self._objects_in, self._custom = cached, objects_in, custom

    async def prefetch(self, namespace: str) -> None:
        """Before a write's synchronous admission: read the parameter objects of custom kinds its bindings name."""
        if self._custom is None:
            return
        bindings = self._objects_in(kinds.BY_NAME[BINDING], "")
        if bindings:
            await self._custom.prefetch(self._objects_in(kinds.BY_NAME[POLICY], ""), bindings, namespace)

    def _params(self, pk: types_pb2.ParamKind, ref: types_pb2.ParamRef, namespace: str) -> list[Mapping]:
        if not customparams.builtin(pk):
            return customparams.fetched(pk, ref, namespace)
        kind = kinds.BY_NAME[pk.kind]
        namespace = customparams.scoped_namespace(kind.namespaced, ref, namespace)
        if ref.name:
            found = self._cached(kind, namespace, ref.name)
            return [manifest.to_dict(found)] if found is not None else []
        selector = selectors.from_match(ref.selector.match_labels, ref.selector.match_expressions)
        return [manifest.to_dict(o) for o in self._objects_in(kind, namespace)
                if selector.matches(o.metadata.labels)]

    def __call__(self, operation: str, obj: Message | None, old: Message | None, subresource: str,
                 user: UserInfo | None) -> plugin.Outcome:
        if not self._objects_in(kinds.BY_NAME[BINDING], ""):  # the common case costs one cache read
            return plugin.Outcome()
        kind = kinds.of(obj if obj is not None else old)
        return self.judge(request_of(operation, obj, old, subresource, user), kind.resource)

    def judge(self, req: Request, resource: str) -> plugin.Outcome:
        """What the policies say of a request; `resource` names its kind in messages (`deployments.apps`)."""
        bindings = list(self._objects_in(kinds.BY_NAME[BINDING], ""))
        if not bindings or req.group == EXEMPT_GROUP:
            return plugin.Outcome()
        namespace = None
        if req.namespace:
            ns = self._cached(kinds.NAMESPACE, "", req.namespace)
            namespace = manifest.to_dict(ns) if ns is not None else {"metadata": {"name": req.namespace}}
        policies = self._objects_in(kinds.BY_NAME[POLICY], "")
        return plugin.admit(req, resource, policies, bindings, namespace, self._params)


def custom_request(operation: str, group: str, version: str, plural: str, kind: str, obj: dict | None,
                   old: dict | None, subresource: str, user: UserInfo | None) -> Request:
    """The request for a write of a custom resource (a JSON object of a CRD's kind)."""
    meta = (obj if obj is not None else old).get("metadata") or {}
    return Request(operation=operation.upper(), group=group, version=version, resource=plural, kind=kind,
                   namespace=meta.get("namespace", ""), name=meta.get("name", ""), subresource=subresource,
                   obj=obj, old=old, user=_user(user))
