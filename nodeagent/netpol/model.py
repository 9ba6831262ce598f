"""What NetworkPolicies allow each pod of this node, as plain data: a pure function of the policies, every
pod and the namespaces, with Kubernetes' semantics (selection in the policy's namespace, union of rules).
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from api import selectors
from proto import types_pb2

NAME_LABEL = "kubernetes.io/metadata.name"  # every namespace's name as a label, as Kubernetes sets it
PROTOCOLS = {"TCP": "tcp", "UDP": "udp", "SCTP": "sctp"}  # nftables' names
DNS_NAMESPACE = "kube-system"
DNS_LABELS = {"k8s-app": "kube-dns"}


@dataclass(frozen=True, order=True)
class Allow:
    """One kind of traffic an isolated pod may send (egress: to `peers`) or receive (ingress: from them)."""

    peers: tuple[str, ...] | None = None  # addresses and CIDRs of the other side; None: anyone
    protocol: str | None = None  # "tcp" | "udp" | "sctp"; None: any protocol
    ports: tuple[int, int] | None = None  # first and last port; None: any port of the protocol


@dataclass(frozen=True, order=True)
class Isolation:
    """A pod of this node that some policy isolates in one direction, and all that its policies allow."""

    namespace: str
    name: str
    ip: str
    allows: tuple[Allow, ...]


@dataclass(frozen=True)
class Decision:
    ingress: tuple[Isolation, ...] = ()
    egress: tuple[Isolation, ...] = ()


def _selects(selector: types_pb2.LabelSelector, labels: Mapping[str, str]) -> bool:
    try:
        return selectors.from_match(selector.match_labels, selector.match_expressions).matches(labels)
    except selectors.SelectorError:
        return False  # refused by validation; a policy stored before selects nothing rather than everything


def addressable(pod: types_pb2.Pod) -> bool:
    """A pod with its own address on the pod network: policies select it and peers name it."""
    return bool(pod.status.pod_ip) and not pod.spec.host_network and \
        pod.status.phase not in ("Succeeded", "Failed")


def namespace_labels(namespaces: Iterable[types_pb2.Namespace]) -> dict[str, dict[str, str]]:
    """Each namespace's labels, with its name label even where an older object lacks it."""
    return {ns.metadata.name: {**ns.metadata.labels, NAME_LABEL: ns.metadata.name} for ns in namespaces}


def _peer_pods(peer: types_pb2.NetworkPolicyPeer, namespace: str, pods: list[types_pb2.Pod],
               ns_labels: dict[str, dict[str, str]]) -> list[types_pb2.Pod]:
    """The pods a selector peer names: podSelector alone in the policy's namespace, namespaceSelector alone
    every pod of the matching namespaces, both together the matching pods of the matching namespaces."""
    if peer.HasField("namespace_selector"):
        chosen = {n for n, labels in ns_labels.items() if _selects(peer.namespace_selector, labels)}
    else:
        chosen = {namespace}
    return [p for p in pods if p.metadata.namespace in chosen and
            (not peer.HasField("pod_selector") or _selects(peer.pod_selector, p.metadata.labels))]


def block_networks(block: types_pb2.IPBlock) -> list[ipaddress.IPv4Network]:
    """An ipBlock's cidr without its exceptions, as the networks that remain (IPv4: the table's family)."""
    try:
        remaining = [ipaddress.ip_network(block.cidr, strict=False)]
    except ValueError:
        return []
    if remaining[0].version != 4:
        return []
    for text in getattr(block, "except_"):
        try:
            hole = ipaddress.ip_network(text, strict=False)
        except ValueError:
            continue
        out = []
        for net in remaining:
            if hole.version == 4 and hole.subnet_of(net):
                out += net.address_exclude(hole)
            elif not (hole.version == 4 and net.subnet_of(hole)):
                out.append(net)
        remaining = out
    return remaining


def _shown(networks: Iterable) -> tuple[str, ...]:
    """Merged (nftables refuses overlapping intervals in a set), a /32 written as its address."""
    merged = ipaddress.collapse_addresses(networks)
    return tuple(str(n.network_address) if n.prefixlen == 32 else str(n) for n in merged)


def _named_port(pod: types_pb2.Pod, name: str, protocol: str) -> int | None:
    for c in (*pod.spec.init_containers, *pod.spec.containers):
        for p in c.ports:
            if p.name == name and (p.protocol or "TCP") == protocol:
                return p.container_port
    return None


def _port_allows(port: types_pb2.NetworkPolicyPort, peers: tuple[str, ...] | None,
                 target: types_pb2.Pod | None) -> list[Allow]:
    """A numbered (or unnumbered) port; a named one resolved against `target`, the destination pod."""
    protocol = port.protocol or "TCP"
    proto = PROTOCOLS.get(protocol)
    if proto is None:
        return []
    if not port.HasField("port"):
        return [Allow(peers, proto)]
    if port.port.WhichOneof("value") == "int_value":
        first = port.port.int_value
        last = port.end_port if port.HasField("end_port") else first
        return [Allow(peers, proto, (first, last))]
    number = _named_port(target, port.port.str_value, protocol) if target is not None else None
    return [] if number is None else [Allow(peers, proto, (number, number))]


def _rule_allows(peers_of_rule, ports, namespace: str, pods: list[types_pb2.Pod],
                 ns_labels: dict[str, dict[str, str]], receiver: types_pb2.Pod | None) -> list[Allow]:
    """What one rule allows. `receiver` is the isolated pod for ingress (named ports are its own); for
    egress (None) a named port is resolved against each destination pod, so it only reaches pods."""
    peer_pods, networks = [], []
    for peer in peers_of_rule:
        if peer.HasField("ip_block"):
            networks += block_networks(peer.ip_block)
        else:
            peer_pods += _peer_pods(peer, namespace, pods, ns_labels)
    if peers_of_rule:
        addresses = [ipaddress.ip_network(p.status.pod_ip) for p in peer_pods] + networks
        if not addresses:
            return []  # the peers name nothing (yet): the rule allows nothing
        peers = _shown(addresses)
    else:
        peers, peer_pods = None, pods  # no peers: anyone (and, for named ports, any pod)
    if not ports:
        return [Allow(peers)]
    out = []
    for port in ports:
        named = port.HasField("port") and port.port.WhichOneof("value") == "str_value"
        if receiver is not None or not named:
            out += _port_allows(port, peers, receiver)
        else:
            for pod in peer_pods:
                out += _port_allows(port, _shown([ipaddress.ip_network(pod.status.pod_ip)]), pod)
    return out


def _isolation(pod: types_pb2.Pod, policies: list[types_pb2.NetworkPolicy], direction: str,
               pods: list[types_pb2.Pod], ns_labels: dict[str, dict[str, str]]) -> Isolation | None:
    selecting = [p for p in policies if p.metadata.namespace == pod.metadata.namespace and
                 direction in _policy_types(p.spec) and _selects(p.spec.pod_selector, pod.metadata.labels)]
    if not selecting:
        return None  # not isolated in this direction: everything is allowed
    allows: set[Allow] = set()
    for policy in selecting:
        ns = policy.metadata.namespace
        if direction == "Ingress":
            for rule in policy.spec.ingress:
                allows.update(_rule_allows(getattr(rule, "from_"), rule.ports, ns, pods, ns_labels, pod))
        else:
            for rule in policy.spec.egress:
                allows.update(_rule_allows(rule.to, rule.ports, ns, pods, ns_labels, None))
    return Isolation(pod.metadata.namespace, pod.metadata.name, pod.status.pod_ip,
                     tuple(sorted(allows, key=_allow_order)))


def _allow_order(a: Allow):
    return (a.peers is not None, a.peers or (), a.protocol or "", a.ports or (0, 0))


def _policy_types(spec: types_pb2.NetworkPolicySpec) -> tuple[str, ...]:
    """As stored (the API server defaults them); derived as Kubernetes does where they are missing."""
    if spec.policy_types:
        return tuple(spec.policy_types)
    return ("Ingress", "Egress") if spec.egress else ("Ingress",)


def dns_pod(address: str, port: int = 53) -> types_pb2.Pod:
    """This node's cluster DNS (the agent, answering at the bridge address) in the shape peers select it by:
    a pod of kube-system labelled as Kubernetes' DNS pods are (k8s-app: kube-dns) with CoreDNS's port names,
    so the docs' "allow DNS" egress rules reach it."""
    pod = types_pb2.Pod(metadata=types_pb2.ObjectMeta(name="cluster-dns", namespace=DNS_NAMESPACE,
                                                      labels=DNS_LABELS))
    container = pod.spec.containers.add(name="dns")
    container.ports.add(name="dns", container_port=port, protocol="UDP")
    container.ports.add(name="dns-tcp", container_port=port, protocol="TCP")
    pod.status.pod_ip, pod.status.phase = address, "Running"
    return pod


def decide(policies: Iterable[types_pb2.NetworkPolicy], pods: Iterable[types_pb2.Pod],
           namespaces: Iterable[types_pb2.Namespace], node_name: str, dns: types_pb2.Pod | None = None) -> Decision:
    """For each addressable pod on `node_name` that a policy isolates: what it may receive and send. `dns`
    (dns_pod) is this node's DNS as a peer; it is never isolated itself."""
    policies = list(policies)
    if not policies:
        return Decision()
    live = [p for p in pods if addressable(p)]
    peers = live + ([dns] if dns is not None else [])
    ns_labels = namespace_labels(namespaces)
    ingress, egress = [], []
    for pod in live:
        if pod.spec.node_name != node_name:
            continue
        for direction, out in (("Ingress", ingress), ("Egress", egress)):
            isolation = _isolation(pod, policies, direction, peers, ns_labels)
            if isolation is not None:
                out.append(isolation)
    return Decision(tuple(sorted(ingress)), tuple(sorted(egress)))
