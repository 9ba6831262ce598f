"""The nftables ruleset of the `ip skiff` table as a pure function of the proxied ports and the node's
networks, in the shape of kube-proxy's nftables mode (nodeagent.proxy.transaction writes it out).
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from nodeagent.proxy.model import HostPort, ServicePort

FAMILY = "ip"
TABLE = "skiff"
MASQ_MARK = "0x4000"

# Base chains: name -> (type, hook, priority). Filter checks run before DNAT (-110) and, for traffic
# the host sends, again after it (-90); nothing here accepts what another table drops.
BASE_CHAINS = {
    "filter-prerouting": ("filter", "prerouting", -110),
    "filter-output": ("filter", "output", -110),
    "filter-forward": ("filter", "forward", -110),
    "filter-output-post-dnat": ("filter", "output", -90),
    "nat-prerouting": ("nat", "prerouting", -100),
    "nat-output": ("nat", "output", -100),
    "nat-postrouting": ("nat", "postrouting", 100),
}

MAPS = {
    "service-ips": "type ipv4_addr . inet_proto . inet_service : verdict ;",
    "service-nodeports": "type inet_proto . inet_service : verdict ;",
    "no-endpoint-services": "type ipv4_addr . inet_proto . inet_service : verdict ;",
    "no-endpoint-nodeports": "type inet_proto . inet_service : verdict ;",
}
CLUSTER_IPS = "cluster-ips"
LB_IPS = "load-balancer-ips"  # addresses of LoadBalancer Services; only their Service ports get through
LB_PORTS = "load-balancer-ports"
FIREWALL_IPS = "firewall-ips"  # load-balancer address . protocol . port -> the port's source check
FIREWALL_CHECK = "firewall-check"
LOCAL = "fib daddr type local ip daddr != 127.0.0.0/8"


@dataclass(frozen=True)
class NodeNetwork:
    pod_cidr: str  # this node's pods: traffic from elsewhere is masqueraded
    service_cidr: str  # unheld addresses of it are dropped
    node_ip: str = ""  # when a source range holds it, the node itself may reach its load-balancer addresses
    # Every pod's network: what this node's pods send outside it (to a node or the API server) leaves with
    # the node's address, so the reply finds its way back (kindnet, ip-masq-agent). "": nothing extra.
    cluster_cidr: str = ""


@dataclass
class Ruleset:
    """The table's content, by object name, so a later sync can tell what is new, changed or stale:
    declarations of chains, sets and maps; the rules of each chain in order; the elements of each set."""

    chains: dict[str, str] = field(default_factory=dict)
    sets: dict[str, str] = field(default_factory=dict)
    maps: dict[str, str] = field(default_factory=dict)
    rules: dict[str, list[str]] = field(default_factory=dict)
    elements: dict[str, list[str]] = field(default_factory=dict)

    def chain(self, name: str, declaration: str = "") -> str:
        self.chains[name] = declaration
        self.rules.setdefault(name, [])
        return name

    def rule(self, chain: str, text: str) -> None:
        self.rules[chain].append(text)

    def element(self, set_name: str, text: str) -> None:
        self.elements.setdefault(set_name, []).append(text)


def _chain_names(sp: ServicePort) -> tuple[str, str]:
    return f"svc-{sp.id}", f"ext-{sp.id}"


def _firewall_chain(sp: ServicePort) -> str:
    return f"fw-{sp.id}"


def _endpoint_chain(sp: ServicePort, ep) -> str:
    return f"ep-{sp.id}__{ep.ip}/{ep.port}"


def _affinity_set(sp: ServicePort, ep) -> str:
    return f"aff-{sp.id}__{ep.ip}/{ep.port}"


# How a packet goes: traffic to ClusterIP:port (from pods in prerouting, from the host in output) and
# to any local address:nodePort is looked up in a verdict map and sent to the port's chain, which picks a
# ready endpoint at random (`numgen random mod N`), or the one a client IP is pinned to (a dynamic set
# with a timeout per endpoint, refreshed by `update`), and DNATs to it. A packet is marked for masquerade
# when it does not come from a pod of this node (the host, another network), when it comes in through a
# NodePort, and when a pod reaches itself through its Service (hairpin), so replies come back through
# this node's conntrack. Ports without endpoints are rejected (TCP reset, ICMP port unreachable) before
# any NAT, so clients fail fast; addresses of the service range that nobody holds are dropped.
# A LoadBalancer address:port goes the NodePort's way (the "external" chain); anything else sent to a
# load-balancer address is dropped. With externalTrafficPolicy: Local, external traffic goes only to
# this node's endpoints and is not masqueraded, so the pod sees the client's address.
# loadBalancerSourceRanges, as kube-proxy's firewall chains: before anything else (endpoints check, DNAT),
# a new connection to a load-balancer address:port from a client outside the ranges is dropped.
def render(ports: list[ServicePort], node: NodeNetwork, host_ports: list[HostPort] = ()) -> Ruleset:
    rs = Ruleset()
    firewalled = [sp for sp in ports if sp.source_ranges is not None and sp.load_balancer_ips]
    _fixed(rs, node, firewall=bool(firewalled))
    for sp in firewalled:
        _firewall(rs, sp, node)
    for hp in host_ports:
        _host_port(rs, hp)
    cluster_ips = sorted({sp.cluster_ip for sp in ports}, key=lambda ip: tuple(int(x) for x in ip.split(".")))
    for ip in cluster_ips:
        rs.element(CLUSTER_IPS, ip)
    if any(sp.load_balancer_ips for sp in ports):
        _load_balancer_guard(rs, ports)
    for sp in ports:
        if sp.endpoints:
            _service_port(rs, sp, node)
        else:
            for ip in (sp.cluster_ip, *sp.load_balancer_ips):
                rs.element("no-endpoint-services", f"{ip} . {sp.protocol} . {sp.port} : goto reject-chain")
            if sp.node_port:
                rs.element("no-endpoint-nodeports", f"{sp.protocol} . {sp.node_port} : goto reject-chain")
    return rs


def _fixed(rs: Ruleset, node: NodeNetwork, firewall: bool = False) -> None:
    """The chains and maps every ruleset has, whatever the Services (the firewall's only when some
    Service restricts its sources, so other rulesets stay as they were)."""
    for name, (type_, hook, priority) in BASE_CHAINS.items():
        rs.chain(name, f"{{ type {type_} hook {hook} priority {priority} ; policy accept ; }}")
    for name, declaration in MAPS.items():
        rs.maps[name] = f"{{ {declaration} }}"
        rs.elements[name] = []
    rs.sets[CLUSTER_IPS] = "{ type ipv4_addr ; }"
    rs.elements[CLUSTER_IPS] = []
    for name in ("services", "endpoints-check", "cluster-ips-check", "reject-chain", "mark-for-masquerade",
                 "masquerading", "hostports"):
        rs.chain(name)
    if firewall:
        rs.maps[FIREWALL_IPS] = "{ type ipv4_addr . inet_proto . inet_service : verdict ; }"
        rs.elements[FIREWALL_IPS] = []
        rs.chain(FIREWALL_CHECK)
        rs.rule(FIREWALL_CHECK, f"ip daddr . meta l4proto . th dport vmap @{FIREWALL_IPS}")
        rs.rule("filter-prerouting", f"ct state new jump {FIREWALL_CHECK}")
        rs.rule("filter-output", f"ct state new jump {FIREWALL_CHECK}")
    rs.rule("filter-prerouting", "ct state new jump endpoints-check")
    rs.rule("filter-output", "ct state new jump endpoints-check")
    rs.rule("filter-forward", "ct state new jump cluster-ips-check")
    rs.rule("filter-output-post-dnat", "ct state new jump cluster-ips-check")
    rs.rule("nat-prerouting", "jump hostports")
    rs.rule("nat-output", "jump hostports")
    rs.rule("nat-prerouting", "jump services")
    rs.rule("nat-output", "jump services")
    rs.rule("nat-postrouting", "jump masquerading")
    rs.rule("endpoints-check", "ip daddr . meta l4proto . th dport vmap @no-endpoint-services")
    rs.rule("endpoints-check", f"{LOCAL} meta l4proto . th dport vmap @no-endpoint-nodeports")
    # After DNAT, a ClusterIP still in daddr means a port no Service has, or an address nobody holds.
    rs.rule("cluster-ips-check", f"ip daddr @{CLUSTER_IPS} reject")
    rs.rule("cluster-ips-check", f"ip daddr {node.service_cidr} drop")
    rs.rule("reject-chain", "meta l4proto tcp reject with tcp reset")
    rs.rule("reject-chain", "reject")
    rs.rule("services", "ip daddr . meta l4proto . th dport vmap @service-ips")
    rs.rule("services", f"{LOCAL} meta l4proto . th dport vmap @service-nodeports")
    rs.rule("mark-for-masquerade", f"meta mark set meta mark or {MASQ_MARK}")
    if node.cluster_cidr:
        rs.rule("masquerading", f"ip saddr {node.pod_cidr} ip daddr != {node.cluster_cidr} masquerade fully-random")
    rs.rule("masquerading", f"meta mark & {MASQ_MARK} == 0 return")
    rs.rule("masquerading", f"meta mark set meta mark xor {MASQ_MARK}")
    rs.rule("masquerading", "masquerade fully-random")


def _load_balancer_guard(rs: Ruleset, ports: list[ServicePort]) -> None:
    """Only added when some Service has a load-balancer address, so other rulesets stay as they were."""
    rs.sets[LB_IPS] = "{ type ipv4_addr ; }"
    rs.sets[LB_PORTS] = "{ type ipv4_addr . inet_proto . inet_service ; }"
    ips = sorted({ip for sp in ports for ip in sp.load_balancer_ips}, key=lambda ip: tuple(map(int, ip.split("."))))
    rs.elements[LB_IPS] = ips
    rs.elements[LB_PORTS] = [f"{ip} . {sp.protocol} . {sp.port}" for sp in ports for ip in sp.load_balancer_ips]
    rs.rule("endpoints-check", f"ip daddr @{LB_IPS} ip daddr . meta l4proto . th dport != @{LB_PORTS} drop")


def _firewall(rs: Ruleset, sp: ServicePort, node: NodeNetwork) -> None:
    """Drop clients outside the port's source ranges. As kube-proxy: when a range holds the node's own
    address, the load-balancer addresses are allowed as sources too, since the node reaching an address
    it holds itself sends from that address."""
    chain = rs.chain(_firewall_chain(sp))
    for ip in sp.load_balancer_ips:
        rs.element(FIREWALL_IPS, f"{ip} . {sp.protocol} . {sp.port} : goto {chain}")
    sources = [ipaddress.ip_network(r) for r in sp.source_ranges]
    if node.node_ip and any(ipaddress.ip_address(node.node_ip) in r for r in sources):
        sources += [ipaddress.ip_network(ip) for ip in sp.load_balancer_ips]
    # Merged: an address inside a range would be an overlapping interval, which nft refuses.
    allowed = ", ".join(str(n) for n in ipaddress.collapse_addresses(sources))
    rs.rule(chain, f"ip saddr != {{ {allowed} }} drop" if allowed else "drop")


def _host_port(rs: Ruleset, hp: HostPort) -> None:
    """hostPort, as the CNI portmap plugin does it: node address:port DNATed to the pod; a pod reaching
    itself that way is masqueraded so the reply comes back through the node."""
    chain = rs.chain(f"hp-{hp.id}")
    rs.rule("hostports", f"ip daddr {hp.host_ip} meta l4proto {hp.protocol} th dport {hp.port} goto {chain}")
    rs.rule(chain, f"ip saddr {hp.pod_ip} jump mark-for-masquerade")
    rs.rule(chain, f"meta l4proto {hp.protocol} dnat to {hp.pod_ip}:{hp.container_port}")


def _pick(rs: Ruleset, chain: str, targets: list[str]) -> None:
    """Go to one of `targets` at random (straight there when there is one)."""
    if len(targets) == 1:
        rs.rule(chain, f"goto {targets[0]}")
    else:
        choices = " , ".join(f"{i} : goto {c}" for i, c in enumerate(targets))
        rs.rule(chain, f"numgen random mod {len(targets)} vmap {{ {choices} }}")


def _external_local(rs: Ruleset, sp: ServicePort, node: NodeNetwork, ext: str, svc: str) -> None:
    """externalTrafficPolicy: Local. Traffic from this node's pods or the node itself is not external:
    it goes anywhere, as to the ClusterIP. Outside traffic goes to a local endpoint unmasqueraded (the
    reply leaves through this node anyway), or is dropped when this node has none, as kube-proxy does."""
    rs.rule(ext, f"ip saddr {node.pod_cidr} goto {svc}")
    rs.rule(ext, "fib saddr type local jump mark-for-masquerade")
    rs.rule(ext, f"fib saddr type local goto {svc}")
    local = [_endpoint_chain(sp, ep) for ep in sp.endpoints if ep.local]
    if local:
        _pick(rs, ext, local)
    else:
        rs.rule(ext, "drop")


def _service_port(rs: Ruleset, sp: ServicePort, node: NodeNetwork) -> None:
    svc, ext = _chain_names(sp)
    rs.chain(svc)
    rs.element("service-ips", f"{sp.cluster_ip} . {sp.protocol} . {sp.port} : goto {svc}")
    if sp.node_port or sp.load_balancer_ips:
        rs.chain(ext)
        if sp.node_port:
            rs.element("service-nodeports", f"{sp.protocol} . {sp.node_port} : goto {ext}")
        for ip in sp.load_balancer_ips:
            rs.element("service-ips", f"{ip} . {sp.protocol} . {sp.port} : goto {ext}")
        if sp.external_local:
            _external_local(rs, sp, node, ext, svc)
        else:
            rs.rule(ext, "jump mark-for-masquerade")  # the reply must come back through this node
            rs.rule(ext, f"goto {svc}")
    rs.rule(svc, f"ip saddr != {node.pod_cidr} jump mark-for-masquerade")
    chains = [_endpoint_chain(sp, ep) for ep in sp.endpoints]
    if sp.affinity_seconds:
        for ep, chain in zip(sp.endpoints, chains):
            rs.rule(svc, f"ip saddr @{_affinity_set(sp, ep)} goto {chain}")
    _pick(rs, svc, chains)
    for ep, chain in zip(sp.endpoints, chains):
        rs.chain(chain)
        rs.rule(chain, f"ip saddr {ep.ip} jump mark-for-masquerade")  # hairpin: a pod reaching itself
        if sp.affinity_seconds:
            aff = _affinity_set(sp, ep)
            rs.sets[aff] = f"{{ type ipv4_addr ; flags dynamic,timeout ; timeout {sp.affinity_seconds}s ; }}"
            rs.rule(chain, f"update @{aff} {{ ip saddr }}")
        rs.rule(chain, f"meta l4proto {sp.protocol} dnat to {ep.ip}:{ep.port}")
