"""Validation of ResourceQuotas in Kubernetes' words (ValidateResourceQuota): resource names, non-negative
quantities (whole numbers for object counts) and supported scopes, in spec and status alike."""
from __future__ import annotations

from collections.abc import Mapping

from api import names, quantity
from api.quota import SCOPES
from controlplane.apiserver.validation.fielderrors import Path, each, invalid, required
from proto import types_pb2

# Resources counted in whole objects (Kubernetes' IsIntegerResourceName), besides every count/<resource>.
INTEGER_RESOURCES = ("pods", "services", "configmaps", "secrets", "persistentvolumeclaims", "replicationcontrollers",
                     "resourcequotas", "services.nodeports", "services.loadbalancers")


def validate_quota(rq: types_pb2.ResourceQuota) -> list[str]:
    errors = _amounts(rq.spec.hard, Path("spec.hard"))
    for i, scope in enumerate(rq.spec.scopes):
        if scope not in SCOPES:
            errors.append(invalid(Path("spec.scopes").index(i), scope, "unsupported scope"))
    errors += scope_resource_problems(list(rq.spec.scopes), rq.spec.hard)
    for i, req in enumerate(rq.spec.scope_selector.match_expressions):
        errors += _scope_requirement(req, Path("spec.scopeSelector.matchExpressions").index(i))
    return errors


# Kubernetes' standard quota resources, and which of them each pod scope may limit
# (IsResourceQuotaScopeValidForResource): BestEffort pods only by count, the other scopes by count and compute.
STANDARD_RESOURCES = frozenset({
    "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.storage",
    "requests.ephemeral-storage", "limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods", "services",
    "replicationcontrollers", "resourcequotas", "secrets", "persistentvolumeclaims", "configmaps",
    "services.nodeports", "services.loadbalancers"})
POD_COMPUTE = frozenset({"cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"})
SCOPED_RESOURCES = {"BestEffort": frozenset({"pods"}), "Terminating": POD_COMPUTE | {"pods"},
                    "NotTerminating": POD_COMPUTE | {"pods"}, "NotBestEffort": POD_COMPUTE | {"pods"},
                    "PriorityClass": POD_COMPUTE | {"pods"}}
CONFLICTING = (("BestEffort", "NotBestEffort"), ("Terminating", "NotTerminating"))


def scope_resource_problems(scopes: list[str], hard: Mapping[str, str]) -> list[str]:
    """Kubernetes' validateResourceQuotaScopes: a scope may only limit what it can count (one line per scope
    and resource, as Kubernetes reports them), and never with its opposite."""
    # The value as Go's %#v prints the internal list type: Kubernetes' own text for this error.
    shown = "spec.scopes: Invalid value: []core.ResourceQuotaScope{" + ", ".join(f'"{s}"' for s in scopes) + "}"
    errors = []
    for scope in scopes:
        allowed = SCOPED_RESOURCES.get(scope)
        if allowed is None:
            continue
        errors += [f"{shown}: unsupported scope applied to resource"
                   for name in sorted(hard) if name in STANDARD_RESOURCES and name not in allowed]
    errors += [f"{shown}: conflicting scopes" for pair in CONFLICTING if set(pair) <= set(scopes)]
    return errors


def _scope_requirement(req: types_pb2.ScopedResourceSelectorRequirement, path: Path) -> list[str]:
    """Kubernetes' ValidateScopedResourceSelectorRequirement."""
    errors = []
    if req.scope_name not in SCOPES:
        errors.append(invalid(path.child("scopeName"), req.scope_name, "unsupported scope"))
    if req.operator in ("In", "NotIn"):
        if not req.values:
            errors.append(required(path.child("values"),
                                   "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"))
    elif req.operator in ("Exists", "DoesNotExist"):
        if req.values:
            errors.append(invalid(path.child("values"), list(req.values),
                                  "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"))
    else:
        errors.append(invalid(path.child("operator"), req.operator, "not a valid selector operator"))
    return errors


def validate_quota_status(rq: types_pb2.ResourceQuota) -> list[str]:
    return _amounts(rq.status.hard, Path("status.hard")) + _amounts(rq.status.used, Path("status.used"))


def _amounts(values: Mapping[str, str], path: Path) -> list[str]:
    errors = []
    for name, text in sorted(values.items()):
        p = path.key(name)
        errors += each(names.qualified_name(name), p, name)
        try:
            value = quantity.parse_quantity(text)
        except quantity.QuantityError:
            errors.append(invalid(p, text, "must be a valid quantity"))
            continue
        if value < 0:
            errors.append(invalid(p, text, "must be greater than or equal to 0"))
        elif (name in INTEGER_RESOURCES or name.startswith("count/")) and value.denominator != 1:
            errors.append(invalid(p, text, "must be an integer"))
    return errors
