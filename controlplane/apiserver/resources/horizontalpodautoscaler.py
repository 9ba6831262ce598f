"""HorizontalPodAutoscalers (autoscaling/v2): Kubernetes' defaults (minReplicas 1, cpu at 80%, the behavior's
policies) and validation (replica bounds, metric sources and targets, scaling rules)."""
from __future__ import annotations

from api import quantity
from controlplane.apiserver.resources.strategy import Strategy
from controlplane.apiserver.validation.fielderrors import Path, at_least, invalid, not_supported, required
from proto import types_pb2

METRIC_TYPES = ("Object", "Pods", "Resource")  # External and ContainerResource are not served
TARGET_TYPES = ("Utilization", "Value", "AverageValue")
POLICY_TYPES = ("Pods", "Percent")
SELECT_POLICIES = ("Max", "Min", "Disabled")
MAX_PERIOD_S = 1800
MAX_WINDOW_S = 3600
DEFAULT_CPU_UTILIZATION = 80


def default_up(rules: types_pb2.HPAScalingRules) -> None:
    """Kubernetes' GenerateHPAScaleUpRules: 4 pods or 100% per 15 s, whichever is more, at once."""
    if not rules.HasField("stabilization_window_seconds"):
        rules.stabilization_window_seconds = 0
    rules.select_policy = rules.select_policy or "Max"
    if not rules.policies:
        rules.policies.add(type="Pods", value=4, period_seconds=15)
        rules.policies.add(type="Percent", value=100, period_seconds=15)


def default_down(rules: types_pb2.HPAScalingRules) -> None:
    """GenerateHPAScaleDownRules: up to 100% per 15 s; the window, when unset, is the controller's (300 s)."""
    rules.select_policy = rules.select_policy or "Max"
    if not rules.policies:
        rules.policies.add(type="Percent", value=100, period_seconds=15)


class HorizontalPodAutoscalerStrategy(Strategy):
    sample = {"metadata": {"name": "sample"},
              "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                       "maxReplicas": 3}}

    def default(self, hpa: types_pb2.HorizontalPodAutoscaler) -> None:
        spec = hpa.spec
        if not spec.HasField("min_replicas"):
            spec.min_replicas = 1
        if not spec.metrics:
            spec.metrics.add(type="Resource", resource=types_pb2.ResourceMetricSource(
                name="cpu", target=types_pb2.MetricTarget(type="Utilization",
                                                          average_utilization=DEFAULT_CPU_UTILIZATION)))
        if spec.HasField("behavior"):  # only a given behavior is filled in, as Kubernetes does
            default_up(spec.behavior.scale_up)
            default_down(spec.behavior.scale_down)

    def validate(self, hpa: types_pb2.HorizontalPodAutoscaler) -> list[str]:
        spec, path = hpa.spec, Path("spec")
        errors = _reference(spec.scale_target_ref, path.child("scaleTargetRef"))
        errors += at_least(spec.min_replicas, 1, path.child("minReplicas"))
        errors += at_least(spec.max_replicas, 1, path.child("maxReplicas"))
        if spec.max_replicas < spec.min_replicas:
            errors.append(invalid(path.child("maxReplicas"), spec.max_replicas,
                                  "must be greater than or equal to `minReplicas`"))
        for i, metric in enumerate(spec.metrics):
            errors += _metric(metric, path.child("metrics").index(i))
        if spec.HasField("behavior"):
            for name, rules in (("scaleUp", spec.behavior.scale_up), ("scaleDown", spec.behavior.scale_down)):
                errors += _rules(rules, path.child("behavior", name))
        return errors


def _reference(ref: types_pb2.CrossVersionObjectReference, path: Path) -> list[str]:
    errors = []
    if not ref.kind:
        errors.append(required(path.child("kind")))
    if not ref.name:
        errors.append(required(path.child("name")))
    return errors


def _metric(metric: types_pb2.MetricSpec, path: Path) -> list[str]:
    if not metric.type:
        return [required(path.child("type"), "must specify a metric source type")]
    if metric.type not in METRIC_TYPES:
        return [not_supported(path.child("type"), metric.type, METRIC_TYPES)]
    field = metric.type.lower()
    if not metric.HasField(field):
        return [required(path.child(field), "must populate information for the given metric source")]
    source = getattr(metric, field)
    path = path.child(field)
    if metric.type == "Resource":
        errors = [] if source.name else [required(path.child("name"))]
        if source.target.type == "Value":
            errors.append(invalid(path.child("target", "type"), "Value",
                                  "must set either a target raw value or a target utilization"))
        return errors + _target(source.target, path.child("target"))
    errors = [] if source.metric.name else [required(path.child("metric", "name"))]
    if metric.type == "Object":
        errors += _reference(source.described_object, path.child("describedObject"))
    if metric.type == "Pods" and source.target.type not in ("", "AverageValue"):
        errors.append(not_supported(path.child("target", "type"), source.target.type, ("AverageValue",)))
    return errors + _target(source.target, path.child("target"))


def _target(target: types_pb2.MetricTarget, path: Path) -> list[str]:
    if not target.type:
        return [required(path.child("type"), "must specify a metric target type")]
    if target.type not in TARGET_TYPES:
        return [not_supported(path.child("type"), target.type, TARGET_TYPES)]
    if target.type == "Utilization":
        if not target.HasField("average_utilization"):
            return [required(path.child("averageUtilization"), "must set a target utilization")]
        return at_least(target.average_utilization, 1, path.child("averageUtilization"))
    field, name = ("value", "value") if target.type == "Value" else ("average_value", "averageValue")
    text = getattr(target, field)
    if not text:
        return [required(path.child(name), f"must set a target {name}")]
    if not quantity.is_valid(text):
        return [invalid(path.child(name), text, "must be a quantity, e.g. 100m or 2k")]
    if quantity.parse_quantity(text) <= 0:
        return [invalid(path.child(name), text, "must be positive")]
    return []


def _rules(rules: types_pb2.HPAScalingRules, path: Path) -> list[str]:
    errors = []
    if rules.HasField("stabilization_window_seconds") and not 0 <= rules.stabilization_window_seconds <= MAX_WINDOW_S:
        errors.append(invalid(path.child("stabilizationWindowSeconds"), rules.stabilization_window_seconds,
                              f"must be less than or equal to {MAX_WINDOW_S}" if rules.stabilization_window_seconds > 0
                              else "must be greater than or equal to 0"))
    if rules.select_policy and rules.select_policy not in SELECT_POLICIES:
        errors.append(not_supported(path.child("selectPolicy"), rules.select_policy, SELECT_POLICIES))
    for i, policy in enumerate(rules.policies):
        p = path.child("policies").index(i)
        if policy.type not in POLICY_TYPES:
            errors.append(not_supported(p.child("type"), policy.type, POLICY_TYPES))
        errors += at_least(policy.value, 1, p.child("value"))
        errors += at_least(policy.period_seconds, 1, p.child("periodSeconds"))
        if policy.period_seconds > MAX_PERIOD_S:
            errors.append(invalid(p.child("periodSeconds"), policy.period_seconds,
                                  f"must be less than or equal to {MAX_PERIOD_S}"))
    return errors


STRATEGY = HorizontalPodAutoscalerStrategy()
