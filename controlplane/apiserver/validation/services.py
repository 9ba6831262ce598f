"""Validation of Services (type, ports, node ports, cluster IP, session affinity, traffic policies)
and of Endpoints (subsets of addresses and ports).
"""
from __future__ import annotations

from api import names
from api.loadbalancer import SOURCE_RANGES_ANNOTATION
from controlplane.apiserver.validation.fielderrors import (Path, cidr, duplicate, each, forbidden, invalid, ipv4,
                                                           is_cidr, not_supported, one_of, required, unique_label)
from controlplane.apiserver.validation.meta import validate_labels
from controlplane.apiserver.validation.pods import PROTOCOLS, validate_port_num_or_name
from proto import types_pb2

MAX_CLIENT_IP_AFFINITY_SECONDS = 86400
SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
IPV4 = "IPv4"
IP_FAMILIES = ("IPv4", "IPv6")
IP_FAMILY_POLICIES = ("PreferDualStack", "RequireDualStack", "SingleStack")
SESSION_AFFINITIES = ("ClientIP", "None")
TRAFFIC_POLICIES = ("Cluster", "Local")


def validate_service(svc: types_pb2.Service) -> list[str]:
    spec, path = svc.spec, Path("spec")
    headless = spec.cluster_ip == "None"
    errors = one_of(spec.type, path.child("type"), SERVICE_TYPES)
    if not spec.ports and not headless and spec.type != "ExternalName":
        errors.append(required(path.child("ports")))
    errors += validate_external_name(spec, path)
    port_names: set[str] = set()
    port_keys: set[str] = set()
    node_ports: set[str] = set()
    for i, port in enumerate(spec.ports):
        p = path.child("ports").index(i)
        errors += validate_service_port(port, p, len(spec.ports) > 1, port_names)
        key = f"{port.port}/{port.protocol}"
        if key in port_keys:
            errors.append(duplicate(p, key))
        port_keys.add(key)
        if port.node_port == 0:
            continue
        if spec.type == "ClusterIP":
            errors.append(forbidden(p.child("nodePort"), "may not be used when `type` is 'ClusterIP'"))
        # Only the number here: whether it lies in the cluster's NodePort range is the allocator's call.
        errors += each(names.port_number(port.node_port), p.child("nodePort"), port.node_port)
        node_key = f"{port.node_port}/{port.protocol}"
        if node_key in node_ports:
            errors.append(duplicate(p.child("nodePort"), port.node_port))
        node_ports.add(node_key)
    errors += validate_cluster_ip(spec, path)
    errors += validate_ip_families(spec, path)
    errors += one_of(spec.session_affinity, path.child("sessionAffinity"), SESSION_AFFINITIES)
    errors += validate_session_affinity_config(spec, path.child("sessionAffinityConfig"))
    errors += validate_labels(spec.selector, path.child("selector"))
    errors += validate_traffic_policies(spec, path)
    for i, ip in enumerate(spec.external_ips):
        errors += ipv4(ip, path.child("externalIPs").index(i))
    errors += validate_load_balancer_fields(spec, path)
    errors += validate_source_ranges(svc)
    return errors


def validate_load_balancer_fields(spec: types_pb2.ServiceSpec, path: Path) -> list[str]:
    """What only LoadBalancer Services may set, and the form of each."""
    errors = []
    load_balancer = spec.type == "LoadBalancer"
    if spec.load_balancer_ip:
        errors += ipv4(spec.load_balancer_ip, path.child("loadBalancerIP"))
    if spec.HasField("load_balancer_class"):
        where = path.child("loadBalancerClass")
        if not load_balancer:
            errors.append(forbidden(where, "may only be used when `type` is 'LoadBalancer'"))
        else:
            errors += each(names.qualified_name(spec.load_balancer_class), where, spec.load_balancer_class)
    if spec.HasField("allocate_load_balancer_node_ports") and not load_balancer:
        errors.append(forbidden(path.child("allocateLoadBalancerNodePorts"),
                                "may only be used when `type` is 'LoadBalancer'"))
    if spec.health_check_node_port:
        if not (load_balancer and spec.external_traffic_policy == "Local"):
            errors.append(invalid(path.child("healthCheckNodePort"), spec.health_check_node_port,
                                  "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))
        errors += each(names.port_number(spec.health_check_node_port), path.child("healthCheckNodePort"),
                       spec.health_check_node_port)
    return errors


def validate_source_ranges(svc: types_pb2.Service) -> list[str]:
    """The client ranges of a LoadBalancer, from the field or (when it is empty) the older annotation, as
    Kubernetes checks them: only for type LoadBalancer, each a CIDR (values may be space-padded)."""
    load_balancer = svc.spec.type == "LoadBalancer"
    if svc.spec.load_balancer_source_ranges:
        where = Path("spec").child("loadBalancerSourceRanges")
        errors = [] if load_balancer else [forbidden(where, "may only be used when `type` is 'LoadBalancer'")]
        for i, value in enumerate(svc.spec.load_balancer_source_ranges):
            errors += cidr(value.strip(), where.index(i))
        return errors
    if SOURCE_RANGES_ANNOTATION not in svc.metadata.annotations:
        return []
    where = Path("metadata").child("annotations").key(SOURCE_RANGES_ANNOTATION)
    errors = [] if load_balancer else [forbidden(where, "may only be used when `type` is 'LoadBalancer'")]
    value = svc.metadata.annotations[SOURCE_RANGES_ANNOTATION].strip()
    for item in value.split(",") if value else []:
        if not is_cidr(item.strip()):
            errors.append(invalid(where, item.strip(),
                                  "must be a comma separated list of CIDRs e.g. 192.168.0.0/16,10.0.0.0/8"))
    return errors


def validate_service_port(port: types_pb2.ServicePort, path: Path, name_required: bool,
                          seen: set[str]) -> list[str]:
    errors = []
    if not port.name:
        if name_required:
            errors.append(required(path.child("name")))
    else:
        # DNS labels, as Kubernetes: Service port names become SRV record names and may be longer
        # than a container's IANA_SVC_NAME port names.
        errors += unique_label(port.name, path.child("name"), seen)
    errors += each(names.port_number(port.port), path.child("port"), port.port)
    errors += one_of(port.protocol, path.child("protocol"), PROTOCOLS)
    errors += validate_port_num_or_name(port.target_port, path.child("targetPort"))
    return errors


def validate_external_name(spec: types_pb2.ServiceSpec, path: Path) -> list[str]:
    """An ExternalName Service names a DNS subdomain (a trailing dot allowed) and has no IP fields."""
    if spec.type != "ExternalName":
        return []
    errors = []
    if spec.cluster_ips or spec.cluster_ip:
        errors.append(forbidden(path.child("clusterIPs"), "may not be set for ExternalName services"))
    if spec.ip_families:
        errors.append(forbidden(path.child("ipFamilies"), "may not be set for type `ExternalName`"))
    if spec.HasField("ip_family_policy"):
        errors.append(forbidden(path.child("ipFamilyPolicy"), "may not be set for type `ExternalName`"))
    cname = spec.external_name.removesuffix(".")
    if not cname:
        errors.append(required(path.child("externalName")))
    else:
        errors += each(names.dns1123_subdomain(cname), path.child("externalName"), cname)
    return errors


def validate_cluster_ip(spec: types_pb2.ServiceSpec, path: Path) -> list[str]:
    errors = []
    if spec.cluster_ip == "None":
        if spec.type == "NodePort":
            errors.append(invalid(path.child("clusterIP"), "None", "may not be set to 'None' for NodePort services"))
    elif spec.cluster_ip:
        errors += ipv4(spec.cluster_ip, path.child("clusterIP"))
    for i, ip in enumerate(spec.cluster_ips):
        p = path.child("clusterIPs").index(i)
        if ip != "None":
            errors += ipv4(ip, p)
        if i == 0 and spec.cluster_ip and ip != spec.cluster_ip:
            errors.append(invalid(p, ip, "must match `clusterIP` when both are specified"))
    return errors


def validate_ip_families(spec: types_pb2.ServiceSpec, path: Path) -> list[str]:
    """ipFamilies and ipFamilyPolicy as Kubernetes checks them, then what this cluster serves: it is
    single-stack IPv4, so IPv6 and RequireDualStack are refused as on any single-stack cluster (a headless
    Service without a selector excepted: it allocates nothing)."""
    errors, families = [], path.child("ipFamilies")
    policy = spec.ip_family_policy if spec.HasField("ip_family_policy") else None
    if policy is not None and policy not in IP_FAMILY_POLICIES:
        errors.append(not_supported(path.child("ipFamilyPolicy"), policy, IP_FAMILY_POLICIES))
    if len(spec.ip_families) > 2:
        errors.append(invalid(families, list(spec.ip_families), "may only hold up to 2 values"))
    seen: set[str] = set()
    for i, family in enumerate(spec.ip_families):
        if family not in IP_FAMILIES:
            errors.append(not_supported(families.index(i), family, IP_FAMILIES))
        elif family in seen:
            errors.append(duplicate(families.index(i), family))
        seen.add(family)
    if policy == "SingleStack" and len(spec.ip_families) > 1:
        errors.append(invalid(path.child("ipFamilyPolicy"), policy, "must be 'RequireDualStack' or "
                              "'PreferDualStack' when multiple IP families are specified"))
    if errors or (spec.cluster_ip == "None" and not spec.selector) or spec.type == "ExternalName":
        return errors
    if policy == "RequireDualStack":
        errors.append(invalid(path.child("ipFamilyPolicy"), policy,
                              "this cluster is not configured for dual-stack services"))
    for i, family in enumerate(spec.ip_families):
        if family != IPV4:
            errors.append(invalid(families.index(i), family, "not configured on this cluster"))
    return errors


def validate_session_affinity_config(spec: types_pb2.ServiceSpec, path: Path) -> list[str]:
    if spec.session_affinity == "None":
        if spec.HasField("session_affinity_config"):
            return [forbidden(path, "must not be set when session affinity is None")]
        return []
    if spec.session_affinity != "ClientIP":
        return []
    client_ip = spec.session_affinity_config.client_ip
    timeout = path.child("clientIP", "timeoutSeconds")
    if not client_ip.HasField("timeout_seconds"):
        return [required(timeout, "when session affinity type is ClientIP")]
    if not 0 < client_ip.timeout_seconds <= MAX_CLIENT_IP_AFFINITY_SECONDS:
        return [invalid(timeout, client_ip.timeout_seconds,
                        f"must be greater than 0 and less than {MAX_CLIENT_IP_AFFINITY_SECONDS}")]
    return []


def validate_traffic_policies(spec: types_pb2.ServiceSpec, path: Path) -> list[str]:
    errors = []
    external = path.child("externalTrafficPolicy")
    externally_accessible = (spec.type in ("NodePort", "LoadBalancer")
                             or (spec.type == "ClusterIP" and len(spec.external_ips) > 0))
    if externally_accessible:
        errors += one_of(spec.external_traffic_policy, external, TRAFFIC_POLICIES)
    elif spec.external_traffic_policy:
        errors.append(invalid(external, spec.external_traffic_policy,
                              "may only be set for externally-accessible services"))
    if spec.internal_traffic_policy or spec.type in ("ClusterIP", "NodePort", "LoadBalancer"):
        errors += one_of(spec.internal_traffic_policy, path.child("internalTrafficPolicy"), TRAFFIC_POLICIES)
    return errors


def validate_service_update(new: types_pb2.Service, old: types_pb2.Service) -> list[str]:
    # An empty clusterIP on update means "keep it": the server copies the old one in.
    errors = []
    if old.spec.cluster_ip and new.spec.cluster_ip and new.spec.cluster_ip != old.spec.cluster_ip:
        errors.append(invalid(Path("spec.clusterIP"), new.spec.cluster_ip, "field is immutable"))
    if (old.spec.type == "LoadBalancer" == new.spec.type and old.spec.HasField("load_balancer_class")
            and new.spec.load_balancer_class != old.spec.load_balancer_class):
        errors.append(invalid(Path("spec.loadBalancerClass"), new.spec.load_balancer_class,
                              "may not change once set"))
    return errors


def validate_endpoints(ep: types_pb2.Endpoints) -> list[str]:
    errors = []
    for i, subset in enumerate(ep.subsets):
        p = Path("subsets").index(i)
        if not subset.addresses and not subset.not_ready_addresses:
            errors.append(required(p, "must specify `addresses` or `notReadyAddresses`"))
        for field, json_name in (("addresses", "addresses"), ("not_ready_addresses", "notReadyAddresses")):
            for j, address in enumerate(getattr(subset, field)):
                errors += validate_endpoint_address(address, p.child(json_name).index(j))
        for j, port in enumerate(subset.ports):
            pp = p.child("ports").index(j)
            if not port.name:
                if len(subset.ports) > 1:
                    errors.append(required(pp.child("name")))
            else:
                errors += each(names.dns1123_label(port.name), pp.child("name"), port.name)
            errors += each(names.port_number(port.port), pp.child("port"), port.port)
            errors += one_of(port.protocol, pp.child("protocol"), PROTOCOLS)
    return errors


def validate_endpoint_address(address: types_pb2.EndpointAddress, path: Path) -> list[str]:
    errors = ipv4(address.ip, path.child("ip"))
    if address.hostname:
        errors += each(names.dns1123_label(address.hostname), path.child("hostname"), address.hostname)
    if address.node_name:
        errors += each(names.dns1123_subdomain(address.node_name), path.child("nodeName"), address.node_name)
    return errors
