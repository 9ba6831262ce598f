"""The downward API: a pod's own fields (fieldRef) and its containers' resources (resourceFieldRef) as text.

Pure functions over the pod and what the agent knows of it; env vars and downwardAPI volumes both use them.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field

from api import quantity
from proto import types_pb2

_SUBSCRIPT = re.compile(r"^metadata\.(labels|annotations)\['(.+)'\]$")
RESOURCES = ("limits.cpu", "limits.memory", "limits.ephemeral-storage",
             "requests.cpu", "requests.memory", "requests.ephemeral-storage")


class DownwardError(ValueError):
    """A field or resource the downward API cannot give; the message names it."""


@dataclass(frozen=True)
class PodFacts:
    """What the agent knows of a pod beyond its object: addresses, and the node's allocatable resources
    (the value of a limit the container does not set, as the kubelet gives it)."""

    pod_ip: str = ""
    host_ip: str = ""
    allocatable: dict[str, str] = field(default_factory=dict)


def format_map(values) -> str:
    """All labels or annotations as the kubelet writes them: sorted `key="value"` lines, Go-quoted."""
    return "\n".join(f"{k}={json.dumps(values[k], ensure_ascii=False)}" for k in sorted(values))


def field_value(pod: types_pb2.Pod, path: str, facts: PodFacts) -> str:
    """The value of a fieldRef path for this pod."""
    simple = {
        "metadata.name": pod.metadata.name,
        "metadata.namespace": pod.metadata.namespace,
        "metadata.uid": pod.metadata.uid,
        "spec.nodeName": pod.spec.node_name,
        "spec.serviceAccountName": pod.spec.service_account_name,
        "status.podIP": facts.pod_ip,
        "status.podIPs": facts.pod_ip,
        "status.hostIP": facts.host_ip,
        "status.hostIPs": facts.host_ip,
    }
    if path in simple:
        return simple[path]
    if path == "metadata.labels":
        return format_map(pod.metadata.labels)
    if path == "metadata.annotations":
        return format_map(pod.metadata.annotations)
    m = _SUBSCRIPT.match(path)
    if m:
        source = pod.metadata.labels if m.group(1) == "labels" else pod.metadata.annotations
        return source.get(m.group(2), "")
    raise DownwardError(f"unsupported fieldRef path {path!r} (supported: {', '.join(sorted(simple))}, "
                        f"metadata.labels, metadata.annotations, metadata.labels['KEY'], "
                        f"metadata.annotations['KEY'])")


def resource_value(pod: types_pb2.Pod, container_name: str, resource: str, divisor: str,
                   facts: PodFacts) -> str:
    """A container's limit or request in units of `divisor`, rounded up, as the kubelet does.

    A limit the container does not set is the node's allocatable amount; a request it does not set is
    its limit if it has one, else 0 (Kubernetes' defaulting of requests from limits).
    """
    if resource not in RESOURCES:
        raise DownwardError(f"unsupported resource {resource!r} (supported: {', '.join(RESOURCES)})")
    container = next((c for c in [*pod.spec.containers, *pod.spec.init_containers] if c.name == container_name),
                     None)
    if container is None:
        raise DownwardError(f"resourceFieldRef: container {container_name!r} is not in the pod")
    kind, name = resource.split(".", 1)
    limits, requests = container.resources.limits, container.resources.requests
    if kind == "limits":
        amount = limits.get(name) or facts.allocatable.get(name, "0")
    else:
        amount = requests.get(name) or limits.get(name) or "0"
    try:
        value = quantity.parse_quantity(amount)
        unit = quantity.parse_quantity(divisor or "1")
    except quantity.QuantityError as e:
        raise DownwardError(f"resourceFieldRef {resource}: {e}") from None
    if unit <= 0:
        raise DownwardError(f"resourceFieldRef {resource}: divisor {divisor!r} must be positive")
    return str(math.ceil(value / unit))
