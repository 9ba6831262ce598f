"""The AdmissionReview the API server sends a webhook and what it makes of the answer, as Kubernetes'
webhook/request and the dispatchers: pure functions, the HTTP call is client.py's."""
from __future__ import annotations

import base64
import binascii
import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jsonpatch

from controlplane.apiserver.vap.matching import Request

_OPTIONS = {"CREATE": "CreateOptions", "UPDATE": "UpdateOptions", "DELETE": "DeleteOptions"}


class CallError(Exception):
    """A webhook that could not be called or answered nonsense: its failurePolicy decides (Fail refuses with
    `Internal error occurred: failed calling webhook "<name>": <this>`)."""


@dataclass(frozen=True)
class Verdict:
    """What one webhook said: allowed or not (with its Status), the patch to apply, what to warn and audit."""

    allowed: bool
    status: Mapping[str, Any] = field(default_factory=dict)  # the response's `status` (a denial's reason)
    patch: list | None = None  # JSONPatch operations (mutating webhooks only)
    warnings: tuple[str, ...] = ()
    audit_annotations: tuple[tuple[str, str], ...] = ()  # keyed `<webhook name>/<key>`


def review(req: Request, uid: str, version: str = "v1") -> dict[str, Any]:
    """The `admission.k8s.io/<version>` AdmissionReview for a request (the same uid for every webhook of it)."""
    kind = {"group": req.group, "version": req.version, "kind": req.kind}
    resource = {"group": req.group, "version": req.version, "resource": req.resource}
    request: dict[str, Any] = {"uid": uid, "kind": kind, "resource": resource, "requestKind": kind,
                               "requestResource": resource, "operation": req.operation,
                               "userInfo": dict(req.user), "object": req.obj, "oldObject": req.old,
                               "dryRun": req.dry_run}
    if req.subresource:
        request["subResource"] = request["requestSubResource"] = req.subresource
    if req.name:
        request["name"] = req.name
    if req.namespace:
        request["namespace"] = req.namespace
    if req.operation in _OPTIONS:
        request["options"] = {"kind": _OPTIONS[req.operation], "apiVersion": "meta.k8s.io/v1"}
    return {"apiVersion": f"admission.k8s.io/{version}", "kind": "AdmissionReview", "request": request}


def review_version(accepted) -> str:
    """The first of the webhook's admissionReviewVersions the API server speaks (validation made sure of one)."""
    return next(v for v in accepted if v in ("v1", "v1beta1"))


def verdict(hook_name: str, body: Any, uid: str, version: str, mutating: bool) -> Verdict:
    """The answer of a webhook, or CallError when it is not a proper AdmissionReview response."""
    if not isinstance(body, Mapping) or not isinstance(body.get("response"), Mapping):
        raise CallError("received invalid webhook response: expected response in AdmissionReview")
    if version == "v1" and (body.get("apiVersion"), body.get("kind")) != ("admission.k8s.io/v1", "AdmissionReview"):
        raise CallError(f'expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got '
                        f'{body.get("apiVersion")}, Kind={body.get("kind")}')
    response = body["response"]
    if response.get("uid") != uid:
        raise CallError(f"expected response.uid=\"{uid}\", got \"{response.get('uid', '')}\"")
    status = response.get("status") or {}
    annotations = response.get("auditAnnotations") or {}
    return Verdict(allowed=bool(response.get("allowed")), status=status if isinstance(status, Mapping) else {},
                   patch=_patch(response, version) if mutating else None,
                   warnings=tuple(str(w) for w in response.get("warnings") or ()),
                   audit_annotations=tuple((f"{hook_name}/{k}", str(v)) for k, v in annotations.items()))


def _patch(response: Mapping[str, Any], version: str) -> list | None:
    patch = response.get("patch")
    if not patch:
        return None
    kind = response.get("patchType")
    if kind is None and version == "v1":
        raise CallError("webhook returned response.patch but not response.patchType")
    if kind not in (None, "JSONPatch"):
        raise CallError(f'webhook returned invalid response.patchType of "{kind}"')
    try:
        ops = json.loads(base64.b64decode(patch, validate=True))
    except (binascii.Error, ValueError) as e:
        raise CallError(f"failed to decode the patch: {e}") from None
    if not isinstance(ops, list):
        raise CallError("the patch is not a JSON array of operations")
    return ops


def patched(obj: Mapping[str, Any], ops: list) -> dict[str, Any]:
    """The object with a webhook's JSONPatch applied; CallError when the patch does not apply."""
    try:
        return jsonpatch.JsonPatch(ops).apply(copy.deepcopy(dict(obj)))
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError, KeyError) as e:
        raise CallError(f"JSON patch apply failed: {e}") from None


def denial_message(hook_name: str, status: Mapping[str, Any]) -> tuple[str, int, str]:
    """(message, HTTP code, reason) of a denial, as Kubernetes' webhookerrors.ToStatusErr: the code is at
    least 400, the message the webhook's message, else its reason, else "without explanation"."""
    denied = f'admission webhook "{hook_name}" denied the request'
    code = status.get("code") if isinstance(status.get("code"), int) else 0
    message, reason = str(status.get("message") or ""), str(status.get("reason") or "")
    if message:
        text = f"{denied}: {message}"
    elif reason:
        text = f"{denied}: {reason}"
    else:
        text = f"{denied} without explanation"
    return text, max(code, 400), reason


def call_failure(hook_name: str, error: str) -> str:
    """The message of a Fail webhook that could not be called (Kubernetes' ErrCallingWebhook, as an internal error)."""
    return f'Internal error occurred: failed calling webhook "{hook_name}": {error}'
