"""NetworkPolicy defaults and validation in Kubernetes' words (policyTypes derived, TCP, peers, ipBlock, ports),
and `describe networkpolicy` as kubectl prints it."""
from __future__ import annotations

from api import manifest
from cli.describe_netpol import network_policy_lines
from controlplane.apiserver.resources.networkpolicy import STRATEGY
from proto import types_pb2


def stored(spec: dict) -> types_pb2.NetworkPolicy:
    obj = manifest.message_from_dict(types_pb2.NetworkPolicy, {"metadata": {"name": "p", "namespace": "default"},
                                                               "spec": spec})
    STRATEGY.default(obj)
    return obj


def errors_of(spec: dict) -> list[str]:
    return STRATEGY.validate(stored(spec))


def test_policy_types_default_to_ingress_and_egress_when_egress_rules_exist_and_ports_to_tcp():
    assert list(stored({"podSelector": {}}).spec.policy_types) == ["Ingress"]
    both = stored({"podSelector": {}, "egress": [{"ports": [{"port": 53}]}]})
    assert list(both.spec.policy_types) == ["Ingress", "Egress"]
    assert both.spec.egress[0].ports[0].protocol == "TCP"
    assert manifest.to_dict(stored({}))["spec"]["podSelector"] == {}


def test_ip_blocks_are_checked_as_kubernetes_checks_them():
    def block(cidr, *excepted):
        return errors_of({"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": cidr, "except": list(excepted)}}]}]})
    assert block("172.17.0.0/16", "172.17.1.0/24") == []
    assert block("172.17.0.0") == ['spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "172.17.0.0": not a valid CIDR']
    assert block("172.17.0.0/16", "10.0.0.0/24") == [
        'spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "10.0.0.0/24": must be a strict subset of `cidr`']
    assert block("172.17.0.0/16", "172.17.0.0/16") != []
    assert block("") == ["spec.ingress[0].from[0].ipBlock.cidr: Required value"]


def test_peers_need_one_kind_and_ip_block_stands_alone():
    assert errors_of({"podSelector": {}, "egress": [{"to": [{}]}]}) == [
        "spec.egress[0].to[0]: Required value: must specify a peer"]
    assert errors_of({"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8"},
                                                            "podSelector": {}}]}]}) == [
        "spec.egress[0].to[0]: Forbidden: may not specify both ipBlock and another peer"]


def test_ports_protocols_end_port_and_policy_types():
    def port(**p):
        return errors_of({"podSelector": {}, "ingress": [{"ports": [p]}]})
    assert port(port=32000, endPort=32768) == []
    assert port(port=80, endPort=70) == ["spec.ingress[0].ports[0].endPort: Invalid value: 80: "
                                         "must be greater than or equal to `port`"]
    assert port(port="http", endPort=90) == ["spec.ingress[0].ports[0].endPort: Invalid value: 90: "
                                             "may not be specified when `port` is non-numeric"]
    assert port(endPort=90) == ["spec.ingress[0].ports[0].endPort: Invalid value: 90: "
                                "may not be specified when `port` is not specified"]
    assert port(protocol="ICMP", port=1) == ['spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": '
                                             'supported values: "TCP", "UDP", "SCTP"']
    assert port(port=70000) == ["spec.ingress[0].ports[0].port: Invalid value: 70000: "
                                "must be between 1 and 65535, inclusive"]
    assert errors_of({"podSelector": {}, "policyTypes": ["Inbound"]}) == [
        'spec.policyTypes[0]: Unsupported value: "Inbound": supported values: "Ingress", "Egress"']


def test_describe_reads_as_kubectls():
    obj = stored({"podSelector": {"matchLabels": {"app": "nginx"}},
                  "ingress": [{"from": [{"podSelector": {"matchLabels": {"access": "true"}}}]}]})
    obj.metadata.name, obj.metadata.creation_timestamp = "access-nginx", "2026-12-01T01:02:03Z"
    assert network_policy_lines(obj) == [
        "Name:         access-nginx",
        "Namespace:    default",
        "Created on:   2026-12-01 01:02:03 +0000 UTC",
        "Labels:       <none>",
        "Annotations:  <none>",
        "Spec:",
        "  PodSelector:     app=nginx",
        "  Allowing ingress traffic:",
        "    To Port: <any> (traffic allowed to all ports)",
        "    From:",
        "      PodSelector: access=true",
        "  Not affecting egress traffic",
        "  Policy Types: Ingress"]
