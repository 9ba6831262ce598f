"""What ResourceQuotas count, as pure functions shared by the quota admission and the quota controller:
one object's usage, a namespace's total, what a create or update is charged, and Kubernetes' refusals."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction

from google.protobuf.message import Message

from api import kinds, quantity
from proto import types_pb2

# Resources a pod's containers must each name once a quota limits them (Kubernetes' podEvaluator
# Constraints: "a mistake" it keeps for compatibility).
COMPUTE = ("cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory")
SCOPES = ("Terminating", "NotTerminating", "BestEffort", "NotBestEffort", "PriorityClass",
          "CrossNamespacePodAffinity")
# Kinds a quota may count by their older names ("pods" rather than "count/pods").
NAMED_COUNTS = {"Pod": "pods", "Service": "services", "ConfigMap": "configmaps", "Secret": "secrets",
                "PersistentVolumeClaim": "persistentvolumeclaims", "ReplicationController": "replicationcontrollers"}
TERMINAL = ("Succeeded", "Failed")


def count_name(kind: kinds.Kind) -> str:
    """`count/<plural>.<group>`, as Kubernetes names object counts ("count/deployments.apps", "count/pods")."""
    group = kind.api_version.rpartition("/")[0]
    return f"count/{kind.plural}.{group}" if group else f"count/{kind.plural}"


def container_usage(resources: types_pb2.ResourceRequirements) -> dict[str, Fraction]:
    """A container's (or pod's) compute usage under every name a quota may give it."""
    used: dict[str, Fraction] = {}
    for name in ("cpu", "memory", "ephemeral-storage"):
        if name in resources.requests:
            value = quantity.parse_quantity(resources.requests[name])
            used[name] = used[f"requests.{name}"] = value
        if name in resources.limits:
            used[f"limits.{name}"] = quantity.parse_quantity(resources.limits[name])
    return used


def pod_counts(pod: types_pb2.Pod) -> bool:
    """Whether a pod still holds quota: terminal pods do not."""
    return pod.status.phase not in TERMINAL


def usage(obj: Message) -> dict[str, Fraction]:
    """What one object uses of each resource a quota may limit."""
    kind = kinds.of(obj)
    used = {count_name(kind): Fraction(1)}
    if kind.name in NAMED_COUNTS:
        used[NAMED_COUNTS[kind.name]] = Fraction(1)
    if isinstance(obj, types_pb2.Pod):
        if not pod_counts(obj):
            return {}
        used.update(_pod_compute(obj))
    elif isinstance(obj, types_pb2.Service):
        if obj.spec.type == "LoadBalancer":
            used["services.loadbalancers"] = Fraction(1)
        if obj.spec.type in ("NodePort", "LoadBalancer"):
            used["services.nodeports"] = Fraction(len(obj.spec.ports))
    elif isinstance(obj, types_pb2.PersistentVolumeClaim):
        if "storage" in obj.spec.resources.requests:
            used["requests.storage"] = quantity.parse_quantity(obj.spec.resources.requests["storage"])
    return used


def gives_back(old: Message, new: Message) -> bool:
    """Whether an update lowers what an object uses (a pod finished, a claim or a service shrank): the quota
    controller's cue to recount, as Kubernetes' replenishment."""
    before, after = usage(old), usage(new)
    return any(after.get(k, Fraction(0)) < v for k, v in before.items())


def _pod_compute(pod: types_pb2.Pod) -> dict[str, Fraction]:
    # Containers add up; an init container counts only where it alone asks for more (Kubernetes' PodRequests).
    total: dict[str, Fraction] = {}
    for c in pod.spec.containers:
        for k, v in container_usage(c.resources).items():
            total[k] = total.get(k, Fraction(0)) + v
    for c in pod.spec.init_containers:
        for k, v in container_usage(c.resources).items():
            total[k] = max(total.get(k, v), v)
    # A RuntimeClass's overhead adds to the requests, and to a limit the pod has (Kubernetes' PodRequests/Limits).
    for name, value in container_usage(types_pb2.ResourceRequirements(requests=pod.spec.overhead)).items():
        total[name] = total.get(name, Fraction(0)) + value
    for name, text in pod.spec.overhead.items():
        if f"limits.{name}" in total:
            total[f"limits.{name}"] += quantity.parse_quantity(text)
    return total


SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def matches_scopes(quota: types_pb2.ResourceQuota, obj: Message) -> bool:
    """Whether the quota's scopes and scope selector cover the object (scopes only ever select pods)."""
    required = [(scope, "Exists", ()) for scope in quota.spec.scopes]
    required += [(r.scope_name, r.operator, tuple(r.values)) for r in quota.spec.scope_selector.match_expressions]
    if required and not isinstance(obj, types_pb2.Pod):
        return False
    return all(_in_scope(scope, operator, values, obj) for scope, operator, values in required)


def _in_scope(scope: str, operator: str, values: tuple[str, ...], pod: types_pb2.Pod) -> bool:
    if scope == "PriorityClass":
        name = pod.spec.priority_class_name
        return {"In": name in values, "NotIn": name not in values, "Exists": bool(name),
                "DoesNotExist": not name}.get(operator, False)
    best_effort = not any(c.resources.requests or c.resources.limits
                          for c in [*pod.spec.containers, *pod.spec.init_containers])
    terminating = pod.spec.HasField("active_deadline_seconds")
    matched = {"Terminating": terminating, "NotTerminating": not terminating, "BestEffort": best_effort,
               "NotBestEffort": not best_effort}.get(scope, False)
    return matched if operator != "DoesNotExist" else not matched


def total(quota: types_pb2.ResourceQuota, objects: Iterable[Message]) -> dict[str, Fraction]:
    """The namespace's use of each resource the quota limits."""
    used = {name: Fraction(0) for name in quota.spec.hard}
    for obj in objects:
        if not matches_scopes(quota, obj):
            continue
        for name, value in usage(obj).items():
            if name in used:
                used[name] += value
    return used


def shown(name: str, value: Fraction) -> str:
    """A used amount in Kubernetes' form: memory and storage in binary units when whole, others decimal."""
    if value.denominator == 1 and value >= 1024 and value % 1024 == 0 and \
            any(m in name for m in ("memory", "storage")):
        return quantity.format_bytes(int(value))
    return quantity.canonical(f"{-(-value * 10**9 // 1)}n")


def status_used(quota: types_pb2.ResourceQuota, objects: Iterable[Message]) -> dict[str, str]:
    return {name: shown(name, value) for name, value in total(quota, objects).items()}


def _pretty(values: Mapping[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(values.items()))


def requested(quota: types_pb2.ResourceQuota, obj: Message, old: Message | None = None) -> dict[str, Fraction]:
    """What admitting `obj` adds to what the quota limits (Kubernetes' deltaUsage): its usage on a create; on an
    update only what grew (all of it if the old object was outside the quota's scopes), a pod's update nothing
    (its resources cannot change in 1.32)."""
    if not matches_scopes(quota, obj) or (old is not None and isinstance(obj, types_pb2.Pod)):
        return {}
    added = usage(obj)
    if old is not None and matches_scopes(quota, old):
        before = usage(old)
        added = {k: v - before.get(k, Fraction(0)) for k, v in added.items()}
    return {k: v for k, v in added.items() if k in quota.spec.hard and v > 0}


def recorded_used(quota: types_pb2.ResourceQuota, objects: Iterable[Message]) -> dict[str, Fraction]:
    """The usage a charge adds to: the quota's status.used, and, for what it does not record yet (the controller
    has not seen the quota, or a resource was just added to it), a count of `objects`. Each resource is used by
    one kind only, so the objects of the kind being admitted are enough for the resources it asks for."""
    used = {k: quantity.parse_quantity(v) for k, v in quota.status.used.items() if k in quota.spec.hard}
    if any(k not in used for k in quota.spec.hard):
        used = {**total(quota, objects), **used}
    return used


def refusal(quota: types_pb2.ResourceQuota, obj: Message, used: Mapping[str, Fraction],
            old: Message | None = None) -> str | None:
    """Why admitting `obj` (replacing `old` on an update) breaks the quota whose usage is `used`, in Kubernetes'
    words (without the `... is forbidden: ` head), or None."""
    if not matches_scopes(quota, obj):
        return None
    hard = quota.spec.hard
    if isinstance(obj, types_pb2.Pod) and old is None:
        missing = missing_compute(obj, [r for r in COMPUTE if r in hard])
        if missing:
            return f"failed quota: {quota.metadata.name}: must specify {missing}"
    asked = requested(quota, obj, old)
    over = sorted(k for k, v in asked.items() if used.get(k, Fraction(0)) + v > quantity.parse_quantity(hard[k]))
    if not over:
        return None
    return (f"exceeded quota: {quota.metadata.name}, "
            f"requested: {_pretty({k: shown(k, asked[k]) for k in over})}, "
            f"used: {_pretty({k: shown(k, used.get(k, Fraction(0))) for k in over})}, "
            f"limited: {_pretty({k: quantity.canonical(hard[k]) for k in over})}")


def charged(quota: types_pb2.ResourceQuota, obj: Message, used: Mapping[str, Fraction],
            old: Message | None = None) -> dict[str, str] | None:
    """The quota's status.used once `obj` is admitted (call `refusal` first), or None when it adds nothing."""
    asked = requested(quota, obj, old)
    if not asked:
        return None
    return {**quota.status.used, **{k: shown(k, used.get(k, Fraction(0)) + v) for k, v in asked.items()}}


def missing_compute(pod: types_pb2.Pod, required: list[str]) -> str:
    """`limits.cpu for: app; requests.memory for: app,web`: the limited compute each container leaves unnamed."""
    missing: dict[str, set[str]] = {}
    for c in [*pod.spec.containers, *pod.spec.init_containers]:
        named = container_usage(c.resources)
        for resource in required:
            if resource not in named:
                missing.setdefault(resource, set()).add(c.name)
    return "; ".join(f"{r} for: {','.join(sorted(names))}" for r, names in sorted(missing.items()))
