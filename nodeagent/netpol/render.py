"""The `ip skiff-policy` nftables table as a pure function of what policies allow this node's pods; one
`nft -f -` transaction replaces the whole table, so a packet never meets half of a ruleset.
"""
from __future__ import annotations

from nodeagent.netpol.model import Allow, Decision, Isolation

FAMILY = "ip"
TABLE = "skiff-policy"
T = f"{FAMILY} {TABLE}"


def _match(allow: Allow, side: str) -> str:
    parts = []
    if allow.peers is not None:
        parts.append(f"ip {side} {{ {', '.join(allow.peers)} }}")
    if allow.protocol is not None:
        parts.append(f"meta l4proto {allow.protocol}")
        if allow.ports is not None:
            first, last = allow.ports
            parts.append(f"th dport {first}" if first == last else f"th dport {first}-{last}")
    return " ".join(parts)


def _chain(name: str, isolation: Isolation, side: str, verdict: str) -> list[str]:
    # "A pod cannot block access to itself" (Kubernetes' docs): reaching itself through its Service passes.
    lines = [f"add chain {T} {name}", f"add rule {T} {name} ip {side} {isolation.ip} {verdict}"]
    for allow in isolation.allows:
        lines.append(f"add rule {T} {name} {_match(allow, side)} {verdict}".replace("  ", " "))
    lines.append(f"add rule {T} {name} drop")  # isolated: what no rule allows goes no further
    return lines


# Where packets are judged: pod to pod (on one node across the bridge, br_netfilter making bridged packets
# pass the ip hooks, or routed between nodes) and pod to anywhere else go through `forward`; a pod reaching
# its own node (DNS at the bridge address, a NodePort) goes through `input`. Both hooks come after
# prerouting's DNAT, so a connection to a Service is judged by the backend pod it was sent to. Each node
# judges the egress of its own pods (by source address) and the ingress of its own pods (by destination),
# so a connection between nodes is judged by the sender's node for egress and the receiver's for ingress.
# Replies of an allowed connection pass (`ct state established,related`). The node's own traffic to its pods
# (probes, port-forward) leaves through `output`, which is not filtered: always allowed, as Kubernetes
# requires. A verdict map sends each isolated pod's packets to its chain: an egress chain returns what
# it allows (the receiver may still be judged), an ingress chain accepts it; anything else is dropped.
def script(decision: Decision) -> str:
    """The transaction that makes the table say `decision` (removes it when no pod is isolated)."""
    lines = [f"add table {T}", f"delete table {T}"]
    if not decision.ingress and not decision.egress:
        return "\n".join(lines) + "\n"
    lines += [f"add table {T}",
              f"add chain {T} forward {{ type filter hook forward priority 0 ; policy accept ; }}",
              f"add chain {T} input {{ type filter hook input priority 0 ; policy accept ; }}",
              f"add map {T} ingress-pods {{ type ipv4_addr : verdict ; }}",
              f"add map {T} egress-pods {{ type ipv4_addr : verdict ; }}"]
    elements = []
    for isolation in decision.egress:
        name = f"egress-{isolation.namespace}/{isolation.name}"
        lines += _chain(name, isolation, "daddr", "return")
        elements.append(("egress-pods", f"{isolation.ip} : jump {name}"))
    for isolation in decision.ingress:
        name = f"ingress-{isolation.namespace}/{isolation.name}"
        lines += _chain(name, isolation, "saddr", "accept")
        elements.append(("ingress-pods", f"{isolation.ip} : jump {name}"))
    lines += [f"add element {T} {m} {{ {e} }}" for m, e in elements]
    lines += [f"add rule {T} forward ct state established,related accept",
              f"add rule {T} forward ip saddr vmap @egress-pods",
              f"add rule {T} forward ip daddr vmap @ingress-pods",
              f"add rule {T} input ct state established,related accept",
              f"add rule {T} input ip saddr vmap @egress-pods"]
    return "\n".join(lines) + "\n"


def teardown() -> str:
    return f"add table {T}\ndelete table {T}\n"
