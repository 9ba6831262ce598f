"""Services: a ClusterIP and NodePorts allocated by the server (reserved in the same transaction as
the Service), kept across updates that leave them out, and Kubernetes' defaults."""
from __future__ import annotations

import random
from collections.abc import Iterable, Mapping

from api import errors, manifest, names
from controlplane.apiserver import allocator
from controlplane.apiserver.resources.strategy import Reservations, Settings, Strategy
from controlplane.apiserver.validation import services
from proto import types_pb2

DEFAULT_CLIENT_IP_TIMEOUT_SECONDS = 10800  # three hours, as Kubernetes


class Allocations(Reservations):
    """ClusterIPs and NodePorts: chosen at random among free ones, each one reserved by a storage key."""

    def __init__(self, ranges: allocator.ServiceRanges):
        self.ranges = ranges
        self._rng = random.Random()

    def check(self, svc: types_pb2.Service) -> list[str]:
        return allocator.check_requested(svc.spec, self.ranges)

    def allocate(self, svc: types_pb2.Service, live: Iterable[types_pb2.Service]) -> None:
        used_ips, used_ports = allocator.in_use(live)
        try:
            allocator.allocate(svc.spec, self.ranges, used_ips, used_ports, self._rng)
        except allocator.RangeFull as e:
            raise errors.Invalid(str(e), [str(e)]) from None

    def keys(self, svc: types_pb2.Service) -> set[bytes]:
        return allocator.reservation_keys(svc.spec)

    def refusal(self, svc: types_pb2.Service, taken: Mapping[bytes, int]) -> errors.ApiError | None:
        # A value the user asked for is their error; a randomly chosen one taken meanwhile is a retry.
        for k in allocator.reservation_keys(svc.spec):
            if k in taken:
                what = k.decode().rsplit("/", 1)[-1]
                field = "spec.clusterIP" if b"/clusterips/" in k else "spec.ports[].nodePort"
                noun = "IP" if b"/clusterips/" in k else "port"
                return errors.Invalid.of("Service", [f'{field}: Invalid value: "{what}": provided {noun} is '
                                                     f'already allocated'])
        return None


class ServiceStrategy(Strategy):
    sample = {"metadata": {"name": "sample"}, "spec": {"ports": [{"port": 80}]}}

    @staticmethod
    def name_rule(name: str) -> list[str]:
        return names.dns1035_label(name)

    def reservations(self, settings: Settings) -> Reservations:
        return Allocations(settings.service_ranges)

    def prepare_for_update(self, new: types_pb2.Service, old: types_pb2.Service) -> None:
        # An update that leaves clusterIP or a nodePort empty keeps the allocated one, as kubectl apply expects.
        if not new.spec.cluster_ip:
            new.spec.cluster_ip = old.spec.cluster_ip
            new.spec.ClearField("cluster_ips")
            new.spec.cluster_ips.extend(old.spec.cluster_ips)
        old_ports = {(p.port, p.protocol or "TCP"): p.node_port for p in old.spec.ports}
        if new.spec.type in allocator.NODE_PORT_TYPES:
            for port in new.spec.ports:
                if not port.node_port:
                    port.node_port = old_ports.get((port.port, port.protocol or "TCP"), 0)
            if not new.spec.health_check_node_port and allocator.uses_health_check_node_port(new.spec):
                new.spec.health_check_node_port = old.spec.health_check_node_port
        elif old.spec.type in allocator.NODE_PORT_TYPES:
            # Leaving NodePort drops what only NodePort Services have (Kubernetes' dropTypeDependentFields).
            for port in new.spec.ports:
                if port.node_port == old_ports.get((port.port, port.protocol or "TCP")):
                    port.node_port = 0
            if new.spec.external_traffic_policy == old.spec.external_traffic_policy:
                new.spec.external_traffic_policy = ""

    def default(self, svc: types_pb2.Service) -> None:
        spec = svc.spec
        if not spec.session_affinity:
            spec.session_affinity = "None"
        if spec.session_affinity == "None":
            # Kubernetes drops the config of an affinity that is off rather than keep a dead setting.
            spec.ClearField("session_affinity_config")
        elif spec.session_affinity == "ClientIP":
            client_ip = spec.session_affinity_config.client_ip
            if not client_ip.HasField("timeout_seconds"):
                client_ip.timeout_seconds = DEFAULT_CLIENT_IP_TIMEOUT_SECONDS
        if not spec.type:
            spec.type = "ClusterIP"
        if spec.type == "LoadBalancer" and not spec.HasField("allocate_load_balancer_node_ports"):
            spec.allocate_load_balancer_node_ports = True
        for port in spec.ports:
            if not port.protocol:
                port.protocol = "TCP"
            if manifest.int_or_string_value(port.target_port) in (None, 0, ""):
                port.target_port.int_value = port.port
        if _externally_accessible(spec) and not spec.external_traffic_policy:
            spec.external_traffic_policy = "Cluster"
        if not spec.internal_traffic_policy and spec.type in ("ClusterIP", "NodePort", "LoadBalancer"):
            spec.internal_traffic_policy = "Cluster"
        if spec.type != "ExternalName":  # it has no IP: Kubernetes sets no families either
            default_ip_families(spec)

    def validate(self, svc: types_pb2.Service) -> list[str]:
        return services.validate_service(svc)

    def validate_update(self, new: types_pb2.Service, old: types_pb2.Service) -> list[str]:
        return services.validate_service_update(new, old)


def default_ip_families(spec: types_pb2.ServiceSpec) -> None:
    """Kubernetes' family defaults on a single-stack IPv4 cluster: the one family, SingleStack, except that a
    headless Service without a selector asks for RequireDualStack (its endpoints may be of any family)."""
    if spec.cluster_ip == "None" and not spec.cluster_ips:
        spec.cluster_ips.append("None")  # Kubernetes keeps clusterIPs[0] equal to clusterIP, "None" included
    if not spec.ip_families:
        spec.ip_families.append(services.IPV4)
    if not spec.HasField("ip_family_policy"):
        headless_selectorless = spec.cluster_ip == "None" and not spec.selector
        spec.ip_family_policy = "RequireDualStack" if headless_selectorless else "SingleStack"


def _externally_accessible(spec: types_pb2.ServiceSpec) -> bool:
    return spec.type in allocator.NODE_PORT_TYPES or (spec.type == "ClusterIP" and len(spec.external_ips) > 0)


STRATEGY = ServiceStrategy()
