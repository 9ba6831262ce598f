"""Validation of PodDisruptionBudgets, in Kubernetes' words (pkg/apis/policy/validation): one of
minAvailable and maxUnavailable, each a non-negative integer or a percentage up to 100%, the selector."""
from __future__ import annotations

from api import manifest
from controlplane.apiserver.validation.fielderrors import Path, at_least, invalid, not_supported
from controlplane.apiserver.validation.meta import validate_label_selector
from controlplane.apiserver.validation.workloads import validate_int_or_percent
from proto import types_pb2

UNHEALTHY_POD_EVICTION_POLICIES = ("IfHealthyBudget", "AlwaysAllow")


def validate_pdb(pdb: types_pb2.PodDisruptionBudget) -> list[str]:
    spec, path = pdb.spec, Path("spec")
    errors = []
    if spec.HasField("min_available") and spec.HasField("max_unavailable"):
        errors.append(invalid(path, spec, "minAvailable and maxUnavailable cannot be both set"))
    for field, name in (("min_available", "minAvailable"), ("max_unavailable", "maxUnavailable")):
        if spec.HasField(field):
            errors += _positive_int_or_percent(getattr(spec, field), path.child(name))
    errors += validate_label_selector(spec.selector, path.child("selector"))
    if spec.HasField("unhealthy_pod_eviction_policy") and \
            spec.unhealthy_pod_eviction_policy not in UNHEALTHY_POD_EVICTION_POLICIES:
        errors.append(not_supported(path.child("unhealthyPodEvictionPolicy"), spec.unhealthy_pod_eviction_policy,
                                    UNHEALTHY_POD_EVICTION_POLICIES))
    return errors


def _positive_int_or_percent(value: types_pb2.IntOrString, path: Path) -> list[str]:
    errors = validate_int_or_percent(value, path)
    plain = manifest.int_or_string_value(value)
    if isinstance(plain, str) and not errors and int(plain[:-1]) > 100:
        errors.append(invalid(path, plain, "must not be greater than 100%"))
    return errors


def validate_pdb_status(pdb: types_pb2.PodDisruptionBudget) -> list[str]:
    """The counts a status write may carry (Kubernetes' ValidatePodDisruptionBudgetStatusUpdate)."""
    s, path = pdb.status, Path("status")
    errors = []
    for field, name in (("disruptions_allowed", "disruptionsAllowed"), ("current_healthy", "currentHealthy"),
                        ("desired_healthy", "desiredHealthy"), ("expected_pods", "expectedPods")):
        errors += at_least(getattr(s, field), 0, path.child(name))
    return errors
