"""The ValidatingAdmissionPolicy admission plugin: every policy matching a request is evaluated once per
binding selecting it (and per parameter object); Deny refuses, Warn warns, Audit notes (Kubernetes' dispatcher)."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from api import errors
from controlplane.apiserver.vap import evaluate, matching
from controlplane.apiserver.vap.matching import Request
from proto import types_pb2

# paramKind, paramRef, the request's namespace -> the parameter objects (JSON), or a configuration error
# (ParamError). An empty list: none found.
ParamLookup = Callable[[types_pb2.ParamKind, types_pb2.ParamRef, str], list[Mapping]]

# Status reason of a denial -> the error that carries it (Invalid when the validation names none).
_ERRORS = {"Forbidden": errors.Forbidden, "Unauthorized": errors.Unauthenticated,
           "RequestEntityTooLarge": errors.TooLarge}


class ParamError(Exception):
    """A binding's parameters cannot be found as it says (Kubernetes: "failed to configure binding")."""


@dataclass
class Outcome:
    refusal: errors.ApiError | None = None
    warnings: list[str] = field(default_factory=list)
    annotations: list[tuple[str, str]] = field(default_factory=list)  # audit (key, value)


@dataclass(frozen=True)
class _Denial:
    policy: str
    binding: str  # "" when the policy itself could not be configured
    message: str
    reason: str = ""


def _params(spec: types_pb2.ValidatingAdmissionPolicySpec, binding: types_pb2.ValidatingAdmissionPolicyBinding,
            req: Request, lookup: ParamLookup) -> list[Mapping | None]:
    """The parameter objects to evaluate with: [None] without paramKind or paramRef (Kubernetes' CollectParams)."""
    if not spec.HasField("param_kind") or not binding.spec.HasField("param_ref"):
        return [None]
    ref = binding.spec.param_ref
    found = lookup(spec.param_kind, ref, req.namespace)
    if not found and ref.HasField("parameter_not_found_action") and ref.parameter_not_found_action == "Deny":
        raise ParamError("no params found for policy binding with `Deny` parameterNotFoundAction")
    return list(found)


def refusal(req: Request, resource: str, denial: _Denial) -> errors.ApiError:
    """Kubernetes' denial: `<resource> "<name>" is forbidden: ValidatingAdmissionPolicy '<p>' with binding '<b>'
    denied request: <message>`, with the validation's reason (Invalid, 422, when it names none)."""
    said = f"ValidatingAdmissionPolicy '{denial.policy}' " + \
        (f"with binding '{denial.binding}' " if denial.binding else "") + f"denied request: {denial.message}"
    message = f'{resource} "{req.name}" is forbidden: {said}'
    cls = _ERRORS.get(denial.reason or "Invalid")
    if cls is None:
        return errors.AdmissionInvalid(message, [said])
    return cls(message)


def warning(policy: str, binding: str, message: str) -> str:
    return f"Validation failed for ValidatingAdmissionPolicy '{policy}' with binding '{binding}': {message}"


def _failure_annotation(binding: types_pb2.ValidatingAdmissionPolicyBinding, d: evaluate.Decision) -> tuple:
    value = [{"message": d.message, "policy": binding.spec.policy_name, "binding": binding.metadata.name,
              "expressionIndex": d.index, "validationActions": list(binding.spec.validation_actions)}]
    return ("validation.policy.admission.k8s.io/validation_failure", json.dumps(value, separators=(",", ":")))


def admit(req: Request, resource: str, policies: Iterable[types_pb2.ValidatingAdmissionPolicy],
          bindings: Iterable[types_pb2.ValidatingAdmissionPolicyBinding],
          namespace: Mapping | None, params: ParamLookup) -> Outcome:
    """What every policy and binding say of the request. `resource` names it in messages (`deployments.apps`);
    `namespace` is the request's Namespace object as JSON (None for cluster-scoped objects)."""
    by_policy: dict[str, list] = {}
    for b in sorted(bindings, key=lambda b: b.metadata.name):
        by_policy.setdefault(b.spec.policy_name, []).append(b)
    ns_labels = ((namespace or {}).get("metadata") or {}).get("labels") or {}
    out, denials = Outcome(), []
    for policy in sorted(policies, key=lambda p: p.metadata.name):
        name, spec = policy.metadata.name, policy.spec
        if name not in by_policy or not matching.matches(spec.match_constraints, req, ns_labels, False):
            continue
        published: dict[str, list[str]] = {}
        for binding in by_policy[name]:
            if binding.spec.HasField("match_resources") and \
                    not matching.matches(binding.spec.match_resources, req, ns_labels, True):
                continue
            try:
                param_objects = _params(spec, binding, req, params)
            except ParamError as e:
                if evaluate.failure_policy(spec) == "Fail":
                    denials.append(_Denial(name, binding.metadata.name, f"failed to configure binding: {e}"))
                continue
            actions = list(binding.spec.validation_actions)
            for p in param_objects:
                result = evaluate.validate(spec, req, p, namespace)
                for d in result.decisions:
                    if d.action != evaluate.DENY:
                        continue
                    if "Deny" in actions:
                        denials.append(_Denial(name, binding.metadata.name, d.message, d.reason))
                    if "Warn" in actions:
                        out.warnings.append(warning(name, binding.metadata.name, d.message))
                    if "Audit" in actions:
                        out.annotations.append(_failure_annotation(binding, d))
                for key, value in result.annotations:
                    if value not in published.setdefault(key, []):
                        published[key].append(value)
        out.annotations.extend((f"{name}/{key}", ", ".join(values)) for key, values in published.items())
    if denials:
        out.refusal = refusal(req, resource, denials[0])
    return out
