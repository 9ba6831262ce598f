"""What the proxy needs of the host outside its own table: bridged pod traffic seen by netfilter, and
Docker's FORWARD drop policy opened for pod traffic through its DOCKER-USER chain.
"""
from __future__ import annotations

import asyncio
import logging

from nodeagent.network import netns
from nodeagent.proxy import nft

log = logging.getLogger(__name__)

DOCKER_CHAIN = ("ip", "filter", "DOCKER-USER")
COMMENT = "skiff: pod traffic"
BRIDGE_NF = "net.bridge.bridge-nf-call-iptables"


def docker_user_rules(cluster_cidr: str) -> list[str]:
    return [f"ip saddr {cluster_cidr} accept", f"ip daddr {cluster_cidr} accept"]


def missing_rules(listing: str, cluster_cidr: str) -> list[str]:
    """The accept rules not yet in the chain `listing` (as `nft list chain` prints it)."""
    return [r for r in docker_user_rules(cluster_cidr) if r not in listing]


async def ensure_docker_user(cluster_cidr: str, host_netns: str | None = None) -> list[str]:
    """Insert what is missing when DOCKER-USER exists; returns the rules added (none without Docker).

    Docker sets the FORWARD policy of its `ip filter` table to DROP. An accept in skiff's table cannot
    override a drop in another table (every base chain on a hook must let a packet through), so pod
    traffic is accepted in the chain Docker keeps for its users, once, whoever started first."""
    family, table, chain = DOCKER_CHAIN
    try:
        listing = await nft.run(["list", "chain", family, table, chain], host_netns)
    except nft.NftError:
        return []  # no Docker here (or not its iptables): nothing drops pod traffic
    added = missing_rules(listing, cluster_cidr)
    for rule in reversed(added):  # inserted at the top, so they end up in order
        await nft.run(["insert", "rule", family, table, chain, *rule.split(), "comment", f'"{COMMENT}"'],
                      host_netns)
    if added:
        log.info("accepted pod traffic (%s) in Docker's %s chain", cluster_cidr, chain)
    return added


def _bridge_netfilter_on(host_netns: str | None) -> bool:
    with netns.entered(host_netns):
        try:
            if netns.read_sysctl(BRIDGE_NF) != "1":
                netns.write_sysctl(BRIDGE_NF, "1")
        except FileNotFoundError:
            return False
    return True


async def ensure_bridge_netfilter(host_netns: str | None = None) -> None:
    """Pods of one node answer each other across the bridge; without br_netfilter those replies skip
    conntrack and a Service reply from a same-node endpoint would not be un-DNATed."""
    if not await asyncio.to_thread(_bridge_netfilter_on, host_netns):
        log.warning("br_netfilter is not loaded (no %s): a pod reaching a Service whose endpoint is on the "
                    "same node will fail; load it with `modprobe br_netfilter`", BRIDGE_NF)
