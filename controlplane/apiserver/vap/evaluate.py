"""One policy evaluated for one request and one parameter object: its matchConditions, validations and
auditAnnotations, into decisions (Kubernetes' validating/validator.go). Pure: no I/O."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from controlplane.apiserver.vap import expressions
from controlplane.apiserver.vap.matching import Request
from proto import types_pb2

ADMIT, DENY = "Admit", "Deny"
# Kubernetes caps a published audit annotation value at 10 KiB.
MAX_AUDIT_VALUE = 10 * 1024


@dataclass(frozen=True)
class Decision:
    action: str  # Admit or Deny
    message: str = ""
    reason: str = ""  # the Status reason of a denial ("" for an evaluation error: Invalid)
    index: int = 0  # which validation decided it


@dataclass
class Result:
    decisions: list[Decision] = field(default_factory=list)
    annotations: list[tuple[str, str]] = field(default_factory=list)  # (key, value) to publish


def failure_policy(spec: types_pb2.ValidatingAdmissionPolicySpec) -> str:
    return spec.failure_policy if spec.HasField("failure_policy") else "Fail"


def request_value(req: Request) -> dict[str, Any]:
    """`request`: the AdmissionRequest as CEL sees it."""
    kind = {"group": req.group, "version": req.version, "kind": req.kind}
    resource = {"group": req.group, "version": req.version, "resource": req.resource}
    value = {"kind": kind, "resource": resource, "requestKind": kind, "requestResource": resource,
             "name": req.name, "namespace": req.namespace, "operation": req.operation,
             "userInfo": dict(req.user), "dryRun": req.dry_run}
    if req.subresource:
        value["subResource"] = value["requestSubResource"] = req.subresource
    return value


def activation(spec: types_pb2.ValidatingAdmissionPolicySpec, req: Request, params: Mapping | None,
               namespace: Mapping | None) -> dict[str, Any]:
    return expressions.activation(
        {"object": req.obj, "oldObject": req.old, "request": request_value(req), "params": params,
         "namespaceObject": namespace},
        {v.name: v.expression for v in spec.variables})


def _on_error(policy: str, message: str, index: int = 0) -> Decision:
    return Decision(DENY if policy == "Fail" else ADMIT, message, index=index)


def _message(v: types_pb2.ValidatingAdmissionPolicyValidation, act) -> str:
    """messageExpression's value if it gives a usable string, else message, else the expression."""
    if v.message_expression:
        try:
            value = expressions.evaluate(v.message_expression, act)
        except expressions.EvalError:
            value = None
        if isinstance(value, str) and value.strip() and "\n" not in value.strip() and len(value) <= 5000:
            return value.strip()
    if v.message.strip():
        return v.message.strip()
    return f"failed expression: {v.expression.strip()}"


def validate(spec: types_pb2.ValidatingAdmissionPolicySpec, req: Request, params: Mapping | None,
             namespace: Mapping | None) -> Result:
    """The decisions of every validation (none when a matchCondition is false) and the annotations to publish."""
    policy = failure_policy(spec)
    act = activation(spec, req, params, namespace)
    for condition in spec.match_conditions:
        try:
            if expressions.evaluate(condition.expression, act) is not True:
                return Result()
        except expressions.EvalError as e:
            return Result([_on_error(policy, str(e))])
    result = Result()
    for i, v in enumerate(spec.validations):
        try:
            passed = expressions.evaluate(v.expression, act) is True
        except expressions.EvalError as e:
            result.decisions.append(_on_error(policy, str(e), i))
            continue
        if passed:
            result.decisions.append(Decision(ADMIT, index=i))
        else:
            reason = v.reason if v.HasField("reason") else "Invalid"
            result.decisions.append(Decision(DENY, _message(v, act), reason, i))
    for a in spec.audit_annotations:
        try:
            value = expressions.evaluate(a.value_expression, act)
        except expressions.EvalError as e:
            if policy == "Fail":
                result.decisions.append(Decision(DENY, str(e)))
            continue
        if value is None:
            continue
        if not isinstance(value, str):
            if policy == "Fail":
                result.decisions.append(Decision(DENY, f"valueExpression '{a.value_expression}' resulted in "
                                                       f"unsupported return type: {type(value).__name__}. "
                                                       f"Return type must be either string or null."))
            continue
        if value.strip():
            result.annotations.append((a.key, value.strip()[:MAX_AUDIT_VALUE]))
    return result
