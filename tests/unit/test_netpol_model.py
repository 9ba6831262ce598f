"""What NetworkPolicies allow each pod of a node, decided as a pure function (nodeagent.netpol.model) and
rendered as the nftables transaction (nodeagent.netpol.render), checked without the kernel."""
from __future__ import annotations

from api import manifest
from nodeagent.netpol import model, render
from nodeagent.netpol.model import Allow
from proto import types_pb2


def pod(name, ip, labels=None, ns="default", node="n1", ports=()):
    p = types_pb2.Pod(metadata=types_pb2.ObjectMeta(name=name, namespace=ns, labels=labels or {}))
    p.spec.node_name = node
    c = p.spec.containers.add(name="c", image="busybox")
    for port_name, number in ports:
        c.ports.add(name=port_name, container_port=number)
    p.status.pod_ip, p.status.phase = ip, "Running"
    return p


def namespace(name, labels=None):
    return types_pb2.Namespace(metadata=types_pb2.ObjectMeta(name=name, labels=labels or {}))


def policy(spec: dict, ns="default", name="p"):
    obj = manifest.message_from_dict(types_pb2.NetworkPolicy, {"metadata": {"name": name, "namespace": ns},
                                                               "spec": spec})
    return obj


NAMESPACES = [namespace("default"), namespace("prod", {"team": "a"})]
SERVER = pod("server", "10.244.1.2", {"app": "web"}, ports=(("http", 8080),))
CLIENT = pod("client", "10.244.2.3", {"access": "true"}, node="n2")
OTHER = pod("other", "10.244.2.4", {}, node="n2")
PROD = pod("prod-client", "10.244.2.5", {"access": "true"}, ns="prod", node="n2")
PODS = [SERVER, CLIENT, OTHER, PROD]


def decide(*policies, pods=PODS, node="n1"):
    return model.decide(policies, pods, NAMESPACES, node)


def test_no_policy_isolates_nothing_and_the_table_is_removed():
    decision = decide()
    assert decision == model.Decision()
    assert render.script(decision) == "add table ip skiff-policy\ndelete table ip skiff-policy\n"


def test_default_deny_ingress_isolates_every_pod_of_its_namespace_on_this_node_allowing_nothing():
    decision = decide(policy({"podSelector": {}, "policyTypes": ["Ingress"]}))
    assert [(i.name, i.allows) for i in decision.ingress] == [("server", ())]
    assert decision.egress == ()


def test_allow_from_labelled_pods_in_the_policys_namespace_only():
    deny = policy({"podSelector": {}, "policyTypes": ["Ingress"]}, name="deny")
    allow = policy({"podSelector": {"matchLabels": {"app": "web"}},
                    "ingress": [{"from": [{"podSelector": {"matchLabels": {"access": "true"}}}]}]})
    [server] = decide(deny, allow).ingress
    assert server.allows == (Allow(("10.244.2.3",)),)  # the prod pod with the same label is not in default


def test_namespace_and_pod_selectors_in_one_peer_are_both_required():
    both = policy({"podSelector": {}, "ingress": [{"from": [
        {"namespaceSelector": {"matchLabels": {"team": "a"}}, "podSelector": {"matchLabels": {"access": "true"}}}]}]})
    assert decide(both).ingress[0].allows == (Allow(("10.244.2.5",)),)
    by_name = policy({"podSelector": {}, "ingress": [{"from": [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "default"}}}]}]})
    assert decide(by_name).ingress[0].allows == (Allow(("10.244.1.2", "10.244.2.3", "10.244.2.4")),)


def test_named_ports_resolve_against_the_receiving_pod_and_a_missing_name_allows_nothing():
    named = policy({"podSelector": {}, "ingress": [{"ports": [{"port": "http"}, {"port": "nope"},
                                                              {"port": 53, "protocol": "UDP"}]}]})
    assert decide(named).ingress[0].allows == (Allow(None, "tcp", (8080, 8080)), Allow(None, "udp", (53, 53)))


def test_ip_block_except_and_end_port_ranges():
    block = policy({"podSelector": {}, "ingress": [{
        "from": [{"ipBlock": {"cidr": "172.17.0.0/16", "except": ["172.17.1.0/24"]}}],
        "ports": [{"port": 32000, "endPort": 32768}]}]})
    [allow] = decide(block).ingress[0].allows
    assert "172.17.1.0/24" not in allow.peers and "172.17.0.0/24" in allow.peers
    assert (allow.protocol, allow.ports) == ("tcp", (32000, 32768))


def test_egress_is_isolated_when_egress_rules_exist_and_named_ports_resolve_per_destination():
    egress = policy({"podSelector": {"matchLabels": {"access": "true"}}, "policyTypes": ["Egress"], "egress": [
        {"to": [{"podSelector": {"matchLabels": {"app": "web"}}}], "ports": [{"port": "http"}]},
        {"ports": [{"port": 53, "protocol": "UDP"}]}]})
    decision = decide(egress, node="n2")
    assert decision.ingress == ()
    [client] = decision.egress
    assert client.allows == (Allow(None, "udp", (53, 53)), Allow(("10.244.1.2",), "tcp", (8080, 8080)))


def test_peers_that_match_no_pod_allow_nothing_and_terminated_or_host_network_pods_are_left_out():
    gone = pod("gone", "10.244.1.9", {"access": "true"})
    gone.status.phase = "Succeeded"
    host = pod("host", "10.250.0.2", {"access": "true"})
    host.spec.host_network = True
    rule = policy({"podSelector": {}, "ingress": [{"from": [{"podSelector": {"matchLabels": {"role": "none"}}}]},
                                                  {"from": [{"podSelector": {"matchLabels": {"access": "true"}}}]}]})
    isolated = decide(rule, pods=[SERVER, gone, host]).ingress
    assert [(i.name, i.allows) for i in isolated] == [("server", ())]


def test_the_table_sends_isolated_pods_to_their_chains_after_letting_replies_through():
    deny_egress = policy({"podSelector": {}, "policyTypes": ["Egress"]}, name="deny-egress")
    allow = policy({"podSelector": {}, "ingress": [{"from": [{"podSelector": {"matchLabels": {"access": "true"}}}],
                                                    "ports": [{"port": 80}]}]})
    text = render.script(decide(deny_egress, allow))
    assert text.splitlines()[:3] == ["add table ip skiff-policy", "delete table ip skiff-policy",
                                     "add table ip skiff-policy"]
    assert "add rule ip skiff-policy egress-default/server drop" in text
    assert "add rule ip skiff-policy ingress-default/server ip saddr { 10.244.2.3 } meta l4proto tcp th dport 80 " \
           "accept" in text
    assert "add element ip skiff-policy ingress-pods { 10.244.1.2 : jump ingress-default/server }" in text
    forward = [line for line in text.splitlines() if " forward " in line and line.startswith("add rule")]
    assert forward == ["add rule ip skiff-policy forward ct state established,related accept",
                       "add rule ip skiff-policy forward ip saddr vmap @egress-pods",
                       "add rule ip skiff-policy forward ip daddr vmap @ingress-pods"]
    assert "add rule ip skiff-policy input ip saddr vmap @egress-pods" in text


def test_the_docs_allow_dns_rule_reaches_this_nodes_dns_and_only_it():
    dns = model.dns_pod("10.244.1.1")
    deny_but_dns = policy({"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
        "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
        "ports": [{"port": 53, "protocol": "UDP"}, {"port": "dns-tcp"}]}]})
    [server] = model.decide([deny_but_dns], PODS, [*NAMESPACES, namespace("kube-system")], "n1", dns).egress
    assert server.allows == (Allow(("10.244.1.1",), "tcp", (53, 53)), Allow(("10.244.1.1",), "udp", (53, 53)))
    assert [i.name for i in model.decide([policy({"podSelector": {}}, ns="kube-system")], PODS, NAMESPACES, "n1",
                                         dns).ingress] == []  # the DNS is a peer, never isolated


def test_a_pod_can_always_reach_itself():
    text = render.script(decide(policy({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})))
    assert "add rule ip skiff-policy ingress-default/server ip saddr 10.244.1.2 accept" in text
    assert "add rule ip skiff-policy egress-default/server ip daddr 10.244.1.2 return" in text
