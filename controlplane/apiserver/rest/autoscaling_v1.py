"""autoscaling/v1 HorizontalPodAutoscalers, which `kubectl autoscale` creates: converted to the autoscaling/v2
form skiff stores, and back, as Kubernetes converts them (targetCPUUtilizationPercentage is a v2 cpu
Utilization metric). Pure functions over the JSON forms; v1 is served for create, get and list.
"""
from __future__ import annotations

from api import kinds
from controlplane.apiserver.rest import codec
from controlplane.apiserver.rest.status import RestError

V1, V2 = "autoscaling/v1", "autoscaling/v2"
_SPEC_FIELDS = ("scaleTargetRef", "minReplicas", "maxReplicas", "targetCPUUtilizationPercentage")
# Where Kubernetes keeps, in v1, what only v2 can say: skiff serves v2 for that, so such a body is refused.
_V2_ANNOTATIONS = ("autoscaling.alpha.kubernetes.io/metrics", "autoscaling.alpha.kubernetes.io/behavior",
                   "autoscaling.alpha.kubernetes.io/conditions", "autoscaling.alpha.kubernetes.io/current-metrics")


def _cpu_metric(percent: int) -> dict:
    return {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization",
                                                                      "averageUtilization": percent}}}


def to_v2(data: dict) -> dict:
    """The v2 form of a v1 HorizontalPodAutoscaler body; RestError for a body that is not one."""
    data = codec.check_type(data, kinds.BY_NAME["HorizontalPodAutoscaler"], api_version=V1)
    metadata = dict(data.get("metadata") or {})
    carried = [a for a in (metadata.get("annotations") or {}) if a in _V2_ANNOTATIONS]
    if carried:
        raise RestError("BadRequest", f"metadata.annotations[{carried[0]}]: not supported in {V1}; send the "
                                      f"HorizontalPodAutoscaler as {V2}")
    spec = data.get("spec") or {}
    unknown = sorted(set(spec) - set(_SPEC_FIELDS))
    if unknown:
        raise RestError("BadRequest", f'HorizontalPodAutoscaler in version "v1" cannot be handled as a '
                                      f'HorizontalPodAutoscaler: strict decoding error: unknown field '
                                      f'"spec.{unknown[0]}"')
    v2_spec = {k: spec[k] for k in ("scaleTargetRef", "minReplicas", "maxReplicas") if k in spec}
    if spec.get("targetCPUUtilizationPercentage") is not None:
        v2_spec["metrics"] = [_cpu_metric(spec["targetCPUUtilizationPercentage"])]
    return {"apiVersion": V2, "kind": "HorizontalPodAutoscaler", "metadata": metadata, "spec": v2_spec}


def _cpu_utilization(metrics: list[dict], target: bool) -> int | None:
    for m in metrics or []:
        if m.get("type") == "Resource" and (m.get("resource") or {}).get("name") == "cpu":
            values = m["resource"].get("target" if target else "current") or {}
            if not target or "averageUtilization" in values:
                return values.get("averageUtilization")
    return None


def from_v2(data: dict) -> dict:
    """The v1 form of a stored (v2) HorizontalPodAutoscaler."""
    spec, status = data.get("spec") or {}, data.get("status") or {}
    v1_spec = {k: spec[k] for k in ("scaleTargetRef", "minReplicas", "maxReplicas") if k in spec}
    cpu = _cpu_utilization(spec.get("metrics"), target=True)
    if cpu is not None:
        v1_spec["targetCPUUtilizationPercentage"] = cpu
    v1_status = {k: status[k] for k in ("observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas")
                 if k in status}
    current = _cpu_utilization(status.get("currentMetrics"), target=False)
    if current is not None:
        v1_status["currentCPUUtilizationPercentage"] = current
    v1_status.setdefault("currentReplicas", 0)
    v1_status.setdefault("desiredReplicas", 0)
    return {"apiVersion": V1, "kind": "HorizontalPodAutoscaler", "metadata": data.get("metadata") or {},
            "spec": v1_spec, "status": v1_status}
