"""Parameter objects of a custom kind (a CRD's, as the docs' ReplicaLimit): read from etcd before the
synchronous admission chain runs, since custom resources have no watch cache; the chain reads them here."""
from __future__ import annotations

import contextvars
from collections.abc import Iterable, Mapping

from api import errors, kinds, selectors
from controlplane.apiserver.crd import definitions
from controlplane.apiserver.crd.store import JsonStore, key, prefix
from controlplane.apiserver.vap.plugin import ParamError
from proto import types_pb2

# (apiVersion, kind, paramRef, request namespace) -> the objects found, or the ParamError, for this request
_FETCHED: contextvars.ContextVar[dict | None] = contextvars.ContextVar("vap_custom_params", default=None)


def builtin(pk: types_pb2.ParamKind) -> bool:
    kind = kinds.BY_NAME.get(pk.kind)
    return kind is not None and kind.api_version == pk.api_version


def _key(pk: types_pb2.ParamKind, ref: types_pb2.ParamRef, namespace: str) -> tuple:
    return pk.api_version, pk.kind, ref.SerializeToString(deterministic=True), namespace


def param_kind_text(pk: types_pb2.ParamKind) -> str:
    return f"&ParamKind{{APIVersion:{pk.api_version},Kind:{pk.kind},}}"  # as Go prints it in Kubernetes' error


def scoped_namespace(namespaced: bool, ref: types_pb2.ParamRef, namespace: str) -> str:
    """Where the parameter object lives (Kubernetes' CollectParams): the ref's namespace, else the request's."""
    if namespaced:
        if not (ref.namespace or namespace):
            raise ParamError("cannot use namespaced paramRef in policy binding that matches cluster-scoped resources")
        return ref.namespace or namespace
    if ref.namespace:
        raise ParamError("paramRef.namespace must not be provided for a cluster-scoped `paramKind`")
    return ""


class CustomParams:
    def __init__(self, store: JsonStore):
        self._store = store

    async def _fetch(self, pk: types_pb2.ParamKind, ref: types_pb2.ParamRef, namespace: str) -> list[dict]:
        crds, _ = await self._store.list(prefix(definitions.GROUP, definitions.PLURAL))
        resource = next((r for crd in crds if definitions.established(crd) for r in definitions.resources_of(crd)
                         if (r.api_version, r.kind) == (pk.api_version, pk.kind)), None)
        if resource is None:
            raise ParamError(f"paramKind kind `{param_kind_text(pk)}` not known")
        ns = scoped_namespace(resource.namespaced, ref, namespace)
        if ref.name:
            try:
                return [await self._store.get(key(resource.group, resource.plural, ns, ref.name))]
            except errors.NotFound:
                return []
        selector = selectors.from_match(ref.selector.match_labels, ref.selector.match_expressions)
        items, _ = await self._store.list(prefix(resource.group, resource.plural, ns))
        return [o for o in items if selector.matches((o.get("metadata") or {}).get("labels"))]

    async def prefetch(self, policies: Iterable[types_pb2.ValidatingAdmissionPolicy],
                       bindings: Iterable[types_pb2.ValidatingAdmissionPolicyBinding], namespace: str) -> None:
        """Read every custom parameter object a binding names, for the request in `namespace` about to be judged."""
        by_name = {p.metadata.name: p for p in policies}
        fetched: dict = {}
        for b in bindings:
            p = by_name.get(b.spec.policy_name)
            if p is None or not p.spec.HasField("param_kind") or not b.spec.HasField("param_ref") or \
                    builtin(p.spec.param_kind):
                continue
            k = _key(p.spec.param_kind, b.spec.param_ref, namespace)
            if k not in fetched:
                try:
                    fetched[k] = await self._fetch(p.spec.param_kind, b.spec.param_ref, namespace)
                except ParamError as e:
                    fetched[k] = e
        _FETCHED.set(fetched or None)


def fetched(pk: types_pb2.ParamKind, ref: types_pb2.ParamRef, namespace: str) -> list[Mapping]:
    """What `prefetch` read for this binding's parameters (ParamError when nothing was read: not synced)."""
    got = (_FETCHED.get() or {}).get(_key(pk, ref, namespace))
    if got is None:
        raise ParamError(f"paramKind kind `{param_kind_text(pk)}` not yet synced to use for admission")
    if isinstance(got, ParamError):
        raise got
    return got
