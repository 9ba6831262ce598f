"""Validation of NetworkPolicies in Kubernetes' words (pkg/apis/networking/validation): selectors, peers
(one kind each, ipBlock alone), ipBlock CIDRs with their exceptions inside, ports and endPort, policyTypes."""
from __future__ import annotations

import ipaddress

from api import manifest, names
from controlplane.apiserver.validation.fielderrors import (Path, each, forbidden, invalid, not_supported, required)
from controlplane.apiserver.validation.meta import validate_label_selector
from proto import types_pb2

PROTOCOLS = ("TCP", "UDP", "SCTP")
POLICY_TYPES = ("Ingress", "Egress")


def validate_network_policy(policy: types_pb2.NetworkPolicy) -> list[str]:
    spec, path = policy.spec, Path("spec")
    errors = validate_label_selector(spec.pod_selector, path.child("podSelector"))
    for i, rule in enumerate(spec.ingress):
        p = path.child("ingress").index(i)
        errors += _ports(rule.ports, p.child("ports"))
        errors += _peers(getattr(rule, "from_"), p.child("from"))
    for i, rule in enumerate(spec.egress):
        p = path.child("egress").index(i)
        errors += _ports(rule.ports, p.child("ports"))
        errors += _peers(rule.to, p.child("to"))
    types = path.child("policyTypes")
    if len(spec.policy_types) > len(POLICY_TYPES):
        errors.append(invalid(types, list(spec.policy_types), "may not specify more than two policyTypes"))
        return errors
    for i, kind in enumerate(spec.policy_types):
        if kind not in POLICY_TYPES:
            errors.append(not_supported(types.index(i), kind, POLICY_TYPES))
    return errors


def _ports(ports, path: Path) -> list[str]:
    errors = []
    for i, port in enumerate(ports):
        errors += validate_port(port, path.index(i))
    return errors


def validate_port(port: types_pb2.NetworkPolicyPort, path: Path) -> list[str]:
    errors = []
    if port.HasField("protocol") and port.protocol not in PROTOCOLS:
        errors.append(not_supported(path.child("protocol"), port.protocol, PROTOCOLS))
    value = manifest.int_or_string_value(port.port) if port.HasField("port") else None
    end = path.child("endPort")
    if value is None:
        if port.HasField("end_port"):
            errors.append(invalid(end, port.end_port, "may not be specified when `port` is not specified"))
    elif isinstance(value, int):
        errors += each(names.port_number(value), path.child("port"), value)
        if port.HasField("end_port"):
            if port.end_port < value:
                errors.append(invalid(end, value, "must be greater than or equal to `port`"))
            errors += each(names.port_number(port.end_port), end, port.end_port)
    else:
        if port.HasField("end_port"):
            errors.append(invalid(end, port.end_port, "may not be specified when `port` is non-numeric"))
        errors += each(names.port_name(value), path.child("port"), value)
    return errors


def _peers(peers, path: Path) -> list[str]:
    errors = []
    for i, peer in enumerate(peers):
        errors += validate_peer(peer, path.index(i))
    return errors


def validate_peer(peer: types_pb2.NetworkPolicyPeer, path: Path) -> list[str]:
    errors, count = [], 0
    if peer.HasField("pod_selector"):
        count += 1
        errors += validate_label_selector(peer.pod_selector, path.child("podSelector"))
    if peer.HasField("namespace_selector"):
        count += 1
        errors += validate_label_selector(peer.namespace_selector, path.child("namespaceSelector"))
    if peer.HasField("ip_block"):
        count += 1
        errors += validate_ip_block(peer.ip_block, path.child("ipBlock"))
    if count == 0:
        errors.append(required(path, "must specify a peer"))
    elif count > 1 and peer.HasField("ip_block"):
        errors.append(forbidden(path, "may not specify both ipBlock and another peer"))
    return errors


def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    # Kubernetes' ParseCIDRSloppy: a prefix is required, host bits may be set.
    if "/" not in text:
        return None
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def validate_ip_block(block: types_pb2.IPBlock, path: Path) -> list[str]:
    if not block.cidr:
        return [required(path.child("cidr"))]
    cidr = _network(block.cidr)
    if cidr is None:
        return [invalid(path.child("cidr"), block.cidr, "not a valid CIDR")]
    errors = []
    for i, text in enumerate(getattr(block, "except_")):
        p = path.child("except").index(i)
        excepted = _network(text)
        if excepted is None:
            return errors + [invalid(p, text, "not a valid CIDR")]
        if excepted.version != cidr.version or excepted.network_address not in cidr or \
                cidr.prefixlen >= excepted.prefixlen:
            errors.append(invalid(p, text, "must be a strict subset of `cidr`"))
    return errors
