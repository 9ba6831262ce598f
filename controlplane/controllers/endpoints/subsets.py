"""Which addresses and ports a Service's Endpoints hold, as a pure function of the Service and its pods,
grouped into subsets by the ports each pod serves (as Kubernetes repacks them), sorted to compare.
"""
from __future__ import annotations

from collections.abc import Iterable

from api import manifest
from controlplane.controllers.core import podstate
from proto import types_pb2

# Kubernetes copies this onto the Endpoints of a Service without a cluster IP.
HEADLESS_LABEL = "service.kubernetes.io/headless"


def target_port(port: types_pb2.ServicePort, pod: types_pb2.Pod) -> int | None:
    """The pod's port for `port`: its number, or the container port of that name and protocol."""
    target = manifest.int_or_string_value(port.target_port)
    if isinstance(target, int) and target > 0:
        return target
    if not target:
        return port.port
    protocol = port.protocol or "TCP"
    for container in pod.spec.containers:
        for cp in container.ports:
            if cp.name == target and (cp.protocol or "TCP") == protocol:
                return cp.container_port
    return None  # the pod does not have the named port: it serves no traffic for this one


def should_publish(pod: types_pb2.Pod, publish_not_ready: bool) -> bool:
    """Has an address and is alive; a terminating pod leaves at once unless not-ready ones are published."""
    if not pod.status.pod_ip or pod.status.phase in podstate.TERMINAL:
        return False
    return publish_not_ready or not pod.metadata.deletion_timestamp


def address_of(pod: types_pb2.Pod, service: types_pb2.Service) -> types_pb2.EndpointAddress:
    address = types_pb2.EndpointAddress(
        ip=pod.status.pod_ip, node_name=pod.spec.node_name,
        target_ref=types_pb2.ObjectReference(kind="Pod", namespace=pod.metadata.namespace,
                                             name=pod.metadata.name, uid=pod.metadata.uid))
    # A pod names itself in DNS under a headless Service that is its subdomain.
    if pod.spec.hostname and pod.spec.subdomain == service.metadata.name:
        address.hostname = pod.spec.hostname
    return address


def compute(service: types_pb2.Service, pods: Iterable[types_pb2.Pod]) -> list[types_pb2.EndpointSubset]:
    """The subsets of `service`'s Endpoints from the pods its selector picked (the caller filters by selector)."""
    publish_all = service.spec.publish_not_ready_addresses
    groups: dict[tuple, tuple[list, list]] = {}  # port set -> (ready, not ready)
    for pod in pods:
        if not should_publish(pod, publish_all):
            continue
        ports = []  # (name, port, protocol, appProtocol) this pod serves
        for sp in service.spec.ports:
            number = target_port(sp, pod)
            if number is not None:
                ports.append((sp.name, number, sp.protocol or "TCP", sp.app_protocol))
        if service.spec.ports and not ports:
            continue  # serves none of the Service's ports
        key = tuple(sorted(ports))
        ready, not_ready = groups.setdefault(key, ([], []))
        (ready if publish_all or podstate.is_ready(pod) else not_ready).append(address_of(pod, service))
    subsets = []
    for key in sorted(groups):
        ready, not_ready = groups[key]
        subset = types_pb2.EndpointSubset()
        subset.ports.extend(types_pb2.EndpointPort(name=name, port=port, protocol=protocol, app_protocol=app)
                            for name, port, protocol, app in key)
        subset.addresses.extend(sorted(ready, key=_address_key))
        subset.not_ready_addresses.extend(sorted(not_ready, key=_address_key))
        subsets.append(subset)
    return subsets


def _address_key(a: types_pb2.EndpointAddress) -> tuple:
    return (tuple(int(x) for x in a.ip.split(".")) if a.ip.count(".") == 3 else (0,), a.ip, a.target_ref.name)


def labels_for(service: types_pb2.Service) -> dict[str, str]:
    labels = dict(service.metadata.labels)
    if service.spec.cluster_ip == "None":
        labels[HEADLESS_LABEL] = ""
    else:
        labels.pop(HEADLESS_LABEL, None)
    return labels


def desired(service: types_pb2.Service, pods: Iterable[types_pb2.Pod],
            current: types_pb2.Endpoints | None) -> types_pb2.Endpoints | None:
    """The Endpoints to write, or None when `current` already says it all."""
    subsets = compute(service, pods)
    labels = labels_for(service)
    if current is not None and list(current.subsets) == subsets and dict(current.metadata.labels) == labels:
        return None
    out = types_pb2.Endpoints(api_version="v1", kind="Endpoints")
    if current is not None:
        out.metadata.CopyFrom(current.metadata)
    else:
        out.metadata.name = service.metadata.name
        out.metadata.namespace = service.metadata.namespace
    out.metadata.labels.clear()
    out.metadata.labels.update(labels)
    out.subsets.extend(subsets)
    return out
