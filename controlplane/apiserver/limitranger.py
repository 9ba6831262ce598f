"""Kubernetes' LimitRanger admission as pure functions: a new pod's containers get the namespace's default
requests and limits, then pods and claims are judged against min, max and maxLimitRequestRatio."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction

from api import quantity
from proto import types_pb2

ANNOTATION = "kubernetes.io/limit-ranger"
CONTAINER, POD, CLAIM = "Container", "Pod", "PersistentVolumeClaim"


# ------------------------------------------------------------ defaults (mutating)

def container_defaults(lr: types_pb2.LimitRange) -> tuple[dict[str, str], dict[str, str]]:
    """(requests, limits) a container without its own gets from this LimitRange's Container items."""
    requests: dict[str, str] = {}
    limits: dict[str, str] = {}
    for item in lr.spec.limits:
        if item.type == CONTAINER:
            requests.update(item.default_request)
            limits.update(item.default)
    return requests, limits


def set_defaults(pod: types_pb2.Pod, lr: types_pb2.LimitRange) -> None:
    """Fill each container's missing requests and limits and say so in the pod's annotation, worded as
    Kubernetes' mergePodResourceRequirements ("cpu, memory request for container app; ...")."""
    requests, limits = container_defaults(lr)
    said: list[str] = []
    for prefix, containers in (("container", pod.spec.containers), ("init container", pod.spec.init_containers)):
        for c in containers:
            set_limits = _fill(c.resources.limits, limits)
            set_requests = _fill(c.resources.requests, requests)
            if set_requests:
                said.append(f"{', '.join(set_requests)} request for {prefix} {c.name}")
            if set_limits:
                said.append(f"{', '.join(set_limits)} limit for {prefix} {c.name}")
    if said:
        pod.metadata.annotations[ANNOTATION] = "LimitRanger plugin set: " + "; ".join(said)


def _fill(have, defaults: Mapping[str, str]) -> list[str]:
    added = sorted(k for k in defaults if k not in have)
    for k in added:
        have[k] = defaults[k]
    return added


# ------------------------------------------------------------ limits (validating)

def pod_violations(lr: types_pb2.LimitRange, pod: types_pb2.Pod) -> list[str]:
    """Every bound of this LimitRange the pod breaks, per container and for the pod as a whole."""
    problems: list[str] = []
    for item in lr.spec.limits:
        if item.type == CONTAINER:
            for c in [*pod.spec.containers, *pod.spec.init_containers]:
                problems += _item_violations(item, dict(c.resources.requests), dict(c.resources.limits))
        elif item.type == POD:
            problems += _item_violations(item, pod_totals(pod, "requests"), pod_totals(pod, "limits"))
    return problems


def claim_violations(lr: types_pb2.LimitRange, pvc: types_pb2.PersistentVolumeClaim) -> list[str]:
    """The storage a claim requests against the PersistentVolumeClaim items' min and max."""
    problems: list[str] = []
    requests = dict(pvc.spec.resources.requests)
    for item in lr.spec.limits:
        if item.type != CLAIM:
            continue
        for resource, bound in sorted(item.min.items()):
            problems += _below_min(item.type, resource, bound, requests, {})
        for resource, bound in sorted(item.max.items()):
            if resource not in requests:
                problems.append(f"maximum {resource} usage per {item.type} is {quantity.canonical(bound)}.  "
                                f"No request is specified")
            elif quantity.parse_quantity(requests[resource]) > quantity.parse_quantity(bound):
                problems.append(f"maximum {resource} usage per {item.type} is {quantity.canonical(bound)}, "
                                f"but request is {quantity.canonical(requests[resource])}")
    return problems


def pod_totals(pod: types_pb2.Pod, group: str) -> dict[str, Fraction]:
    """The pod's requests or limits as Kubernetes' limitranger sums them: its containers and restartable
    (sidecar) init containers add up; a plain init container counts only if it alone asks for more."""
    total: dict[str, Fraction] = {}
    for c in pod.spec.containers:
        _add(total, getattr(c.resources, group))
    sidecars: dict[str, Fraction] = {}
    init_peak: dict[str, Fraction] = {}
    for c in pod.spec.init_containers:
        own = getattr(c.resources, group)
        if c.restart_policy == "Always":
            _add(total, own)
            _add(sidecars, own)
            asked = dict(sidecars)
        else:
            asked = dict(sidecars)
            _add(asked, own)
        for k, v in asked.items():
            init_peak[k] = max(init_peak.get(k, v), v)
    for k, v in init_peak.items():
        total[k] = max(total.get(k, v), v)
    return total


def _add(total: dict[str, Fraction], values: Mapping[str, str | Fraction]) -> None:
    for k, v in values.items():
        total[k] = total.get(k, Fraction(0)) + quantity.parse_quantity(v)


def _item_violations(item: types_pb2.LimitRangeItem, requests: Mapping, limits: Mapping) -> list[str]:
    problems: list[str] = []
    for resource, bound in sorted(item.min.items()):
        problems += _below_min(item.type, resource, bound, requests, limits)
    for resource, bound in sorted(item.max.items()):
        problems += _above_max(item.type, resource, bound, requests, limits)
    for resource, bound in sorted(item.max_limit_request_ratio.items()):
        problems += _over_ratio(item.type, resource, bound, requests, limits)
    return problems


def _shown(value: str | Fraction) -> str:
    if isinstance(value, str):
        return quantity.canonical(value)
    # A pod's total has no text of its own: whole multiples of 1Ki print binary (as memory sums do), the
    # rest decimal.
    if value.denominator == 1 and value >= 1024 and value % 1024 == 0:
        return quantity.format_bytes(int(value))
    return quantity.canonical(f"{-(-value * 10**9 // 1)}n")


def _below_min(kind: str, resource: str, bound: str, requests: Mapping, limits: Mapping) -> list[str]:
    enforced = quantity.parse_quantity(bound)
    head = f"minimum {resource} usage per {kind} is {quantity.canonical(bound)}"
    if resource not in requests:
        return [f"{head}.  No request is specified"]
    if quantity.parse_quantity(requests[resource]) < enforced:
        return [f"{head}, but request is {_shown(requests[resource])}"]
    if resource in limits and quantity.parse_quantity(limits[resource]) < enforced:
        return [f"{head}, but limit is {_shown(limits[resource])}"]
    return []


def _above_max(kind: str, resource: str, bound: str, requests: Mapping, limits: Mapping) -> list[str]:
    enforced = quantity.parse_quantity(bound)
    head = f"maximum {resource} usage per {kind} is {quantity.canonical(bound)}"
    if resource not in limits:
        return [f"{head}.  No limit is specified"]
    if quantity.parse_quantity(limits[resource]) > enforced:
        return [f"{head}, but limit is {_shown(limits[resource])}"]
    if resource in requests and quantity.parse_quantity(requests[resource]) > enforced:
        return [f"{head}, but request is {_shown(requests[resource])}"]
    return []


def _over_ratio(kind: str, resource: str, bound: str, requests: Mapping, limits: Mapping) -> list[str]:
    head = f"{resource} max limit to request ratio per {kind} is {quantity.canonical(bound)}"
    request = quantity.parse_quantity(requests[resource]) if resource in requests else Fraction(0)
    limit = quantity.parse_quantity(limits[resource]) if resource in limits else Fraction(0)
    if request == 0:
        return [f"{head}, but no request is specified or request is 0"]
    if limit == 0:
        return [f"{head}, but no limit is specified or limit is 0"]
    ratio = limit / request
    if ratio > quantity.parse_quantity(bound):
        return [f"{head}, but provided ratio is {float(ratio):f}"]
    return []


def refusal(plural: str, name: str, problems: Iterable[str]) -> str:
    """Kubernetes' Forbidden text: one problem bare, several as an aggregate "[a, b]" (repeats dropped)."""
    unique = list(dict.fromkeys(problems))
    body = unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"
    return f'{plural} "{name}" is forbidden: {body}'
