"""Resources served without being stored: the metrics API (`metrics.k8s.io/v1beta1`, for `kubectl top`)
from the API server's in-memory MetricsStore, the self reviews (`kubectl auth can-i [--list]`, `kubectl auth
whoami`), and creates
of autoscaling/v1 HorizontalPodAutoscalers (`kubectl autoscale`), stored as v2.
"""
from __future__ import annotations

import dataclasses

from aiohttp import web

from api import kinds, manifest
from controlplane.apiserver.auth.request import current_user
from controlplane.apiserver.auth.user import UserInfo, user_info_dict
from controlplane.apiserver.rest import autoscaling_v1, codec, k8sproto, managers, self_reviews
from controlplane.apiserver.rest.paths import Served, Target
from controlplane.apiserver.rest.status import RestError

METRICS_VERSION = "metrics.k8s.io/v1beta1"


def cpu_text(nanocores: int) -> str:
    return f"{nanocores}n"


def memory_text(size: int) -> str:
    return f"{size // 1024}Ki" if size % 1024 == 0 else str(size)


def _window(seconds: float) -> str:
    return f"{seconds:g}s"


def _meta(m) -> dict:
    out = manifest.to_dict(m)
    out.pop("managedFields", None)
    return out


def node_metrics(nm) -> dict:
    return {"kind": "NodeMetrics", "apiVersion": METRICS_VERSION, "metadata": _meta(nm.metadata),
            "timestamp": nm.timestamp or None, "window": _window(nm.window_seconds),
            "usage": {"cpu": cpu_text(nm.cpu_nanocores), "memory": memory_text(nm.memory_bytes)}}


def pod_metrics(pm) -> dict:
    containers = [{"name": c.name, "usage": {"cpu": cpu_text(c.cpu_nanocores), "memory": memory_text(c.memory_bytes)}}
                  for c in pm.containers]
    return {"kind": "PodMetrics", "apiVersion": METRICS_VERSION, "metadata": _meta(pm.metadata),
            "timestamp": pm.timestamp or None, "window": _window(pm.window_seconds), "containers": containers}


async def serve(request: web.Request, handlers, target: Target, served: Served) -> dict:
    """The response body for a request on one of the served resources."""
    if served.group_version == autoscaling_v1.V1:
        return await autoscaler_v1(request, handlers, target)
    if served.kind == "SelfSubjectAccessReview":
        if request.method != "POST" or target.name:
            raise RestError("MethodNotAllowed", "selfsubjectaccessreviews only take create (POST)")
        return await access_review(request, handlers)
    if served.kind == "SelfSubjectReview":
        if request.method != "POST" or target.name:
            raise RestError("MethodNotAllowed", "selfsubjectreviews only take create (POST)")
        return self_subject_review(current_user.get())
    if served.kind == "SelfSubjectRulesReview":
        if request.method != "POST" or target.name:
            raise RestError("MethodNotAllowed", "selfsubjectrulesreviews only take create (POST)")
        return await rules_review(request, handlers)
    if request.method != "GET":
        raise RestError("MethodNotAllowed", f"{served.plural}.metrics.k8s.io are read-only")
    store, q = handlers.metrics, request.query
    if store is None:
        raise RestError("ServiceUnavailable", "the metrics API is not served by this API server")
    if served.kind == "NodeMetrics":
        items = [node_metrics(n) for n in store.nodes(target.name, q.get("labelSelector", ""))]
    else:
        items = [pod_metrics(p) for p in store.pods(target.namespace, target.name, q.get("labelSelector", ""))]
    if target.name:
        return items[0]
    return {"kind": f"{served.kind}List", "apiVersion": METRICS_VERSION, "metadata": {}, "items": items}


async def autoscaler_v1(request: web.Request, handlers, target: Target) -> dict:
    """autoscaling/v1 HorizontalPodAutoscalers: created (converted to v2 and stored), read and listed in v1,
    which is what `kubectl autoscale` and `kubectl apply` of a new v1 manifest need. Changes and deletes go
    through autoscaling/v2, where every metric can be said."""
    kind = kinds.BY_NAME["HorizontalPodAutoscaler"]
    stored = dataclasses.replace(target, version="v2", kind=kind)
    if request.method == "GET" and target.name:
        obj = await handlers.registry.get(kind, target.namespace or "default", target.name)
        return autoscaling_v1.from_v2(codec.encode(obj))
    if request.method == "GET":
        items, revision, _ = await handlers.list_pages(stored, request.query)
        return {"kind": "HorizontalPodAutoscalerList", "apiVersion": autoscaling_v1.V1,
                "metadata": {"resourceVersion": str(revision)},
                "items": [autoscaling_v1.from_v2(codec.encode(i)) for i in items]}
    if request.method != "POST" or target.name:
        raise RestError("MethodNotAllowed", f"{request.method} of autoscaling/v1 horizontalpodautoscalers is not "
                                            f"served: change or delete them as autoscaling/v2 (kubectl edit hpa NAME)")
    raw = await request.read()
    data = k8sproto.body(request.headers.get("Content-Type", ""), raw, None)
    if data is None:
        codec.require_json(request.headers.get("Content-Type", ""))
        data = codec.parse_json(raw)
    form = codec.check_type(autoscaling_v1.to_v2(data), kind)
    obj, _ = codec.decode(form, kind, codec.field_validation(request.query.get("fieldValidation", "")))
    codec.place(obj, stored)
    managers.record(request, stored, None, form, obj)
    created = await handlers.registry.create(obj, codec.dry_run(request.query))
    return autoscaling_v1.from_v2(codec.encode(created))


def self_subject_review(user) -> dict:
    """`kubectl auth whoami`: who the server takes the caller to be (after impersonation), as Kubernetes
    answers it. The request has nothing to read: its spec is empty."""
    return {"kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"creationTimestamp": None}, "status": {"userInfo": user_info_dict(user)}}


async def access_review(request: web.Request, handlers) -> dict:
    """Answers whether the caller may do what the review asks. Until authorization exists everything is
    allowed, and the answer says so."""
    body = await request.read()
    data = k8sproto.body(request.headers.get("Content-Type", ""), body,
                         lambda raw: {"kind": "SelfSubjectAccessReview", "spec": k8sproto.access_review_spec(raw)})
    data = data if data is not None else codec.parse_json(body)
    if not isinstance(data, dict) or data.get("kind", "SelfSubjectAccessReview") != "SelfSubjectAccessReview":
        raise RestError("BadRequest", "the body must be an authorization.k8s.io/v1 SelfSubjectAccessReview")
    spec = data.get("spec") or {}
    if not spec.get("resourceAttributes") and not spec.get("nonResourceAttributes"):
        raise RestError("Invalid", "SelfSubjectAccessReview is invalid: spec: resourceAttributes or "
                                   "nonResourceAttributes is required")
    allowed, reason = handlers.authorize_review(request, spec)
    return {"kind": "SelfSubjectAccessReview", "apiVersion": "authorization.k8s.io/v1",
            "metadata": {"creationTimestamp": None}, "spec": spec,
            "status": {"allowed": allowed, "reason": reason}}


async def rules_review(request: web.Request, handlers) -> dict:
    """`kubectl auth can-i --list`: the rules bound to the caller in the review's namespace."""
    body = await request.read()
    data = k8sproto.body(request.headers.get("Content-Type", ""), body,
                         lambda raw: {"kind": "SelfSubjectRulesReview", "spec": k8sproto.rules_review_spec(raw)})
    data = data if data is not None else (codec.parse_json(body) if body.strip() else {})
    if not isinstance(data, dict) or data.get("kind", "SelfSubjectRulesReview") != "SelfSubjectRulesReview":
        raise RestError("BadRequest", "the body must be an authorization.k8s.io/v1 SelfSubjectRulesReview")
    namespace = (data.get("spec") or {}).get("namespace", "")
    user = current_user.get() or UserInfo("system:anonymous")
    return self_reviews.rules_review(handlers.rules_for(user, namespace), namespace)
