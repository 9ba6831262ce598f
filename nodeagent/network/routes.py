"""Host-gw routing between nodes: a route `podCIDR via nodeIP` for every other node.

`desired_routes` decides from Node objects (pure); `sync_routes` makes the kernel match, touching only routes marked as skiff's.
"""
from __future__ import annotations

import ipaddress
import socket

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError

from nodeagent.network import netns

# The routing protocol number marking skiff's routes (`ip route show proto 95`), so a sync never
# removes a route someone else made.
RTPROT_SKIFF = 0x5F
MAIN_TABLE = 254


class RouteSyncError(Exception):
    """Some routes could not be programmed; the message names each and the kernel's reason."""


def internal_ip(node) -> str:
    for address in node.status.addresses:
        if address.type == "InternalIP" and address.address:
            return address.address
    return ""


def desired_routes(nodes, self_name: str) -> dict[str, str]:
    """podCIDR -> InternalIP of every other node that has both."""
    routes: dict[str, str] = {}
    for node in nodes:
        if node.metadata.name == self_name or not node.spec.pod_cidr:
            continue
        ip = internal_ip(node)
        if ip:
            routes[str(ipaddress.ip_network(node.spec.pod_cidr, strict=False))] = ip
    return routes


def plan(desired: dict[str, str], current: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """(routes to add or replace, destinations to delete) turning `current` into `desired`."""
    upsert = {dst: gw for dst, gw in desired.items() if current.get(dst) != gw}
    delete = sorted(dst for dst in current if dst not in desired)
    return upsert, delete


def current_routes(ipr: IPRoute) -> dict[str, str]:
    """skiff's routes in the main table: destination CIDR -> gateway."""
    found: dict[str, str] = {}
    for route in ipr.get_routes(family=socket.AF_INET, table=MAIN_TABLE):
        if route["proto"] != RTPROT_SKIFF:
            continue
        dst = f"{route.get('RTA_DST') or '0.0.0.0'}/{route['dst_len']}"
        found[dst] = route.get("RTA_GATEWAY") or ""
    return found


def sync_routes(desired: dict[str, str], host_netns: str | None = None) -> None:
    """Make skiff's routes equal `desired`; `host_netns` names the host namespace (None: this thread's)."""
    failures: list[str] = []
    with netns.entered(host_netns), IPRoute(groups=0) as ipr:
        upsert, delete = plan(desired, current_routes(ipr))
        for dst, gateway in sorted(upsert.items()):
            try:
                ipr.route("replace", dst=dst, gateway=gateway, proto=RTPROT_SKIFF, table=MAIN_TABLE)
            except NetlinkError as e:
                failures.append(f"route {dst} via {gateway}: {e.args[1] if len(e.args) > 1 else e}")
        for dst in delete:
            try:
                ipr.route("del", dst=dst, proto=RTPROT_SKIFF, table=MAIN_TABLE)
            except NetlinkError as e:
                failures.append(f"delete route {dst}: {e.args[1] if len(e.args) > 1 else e}")
    if failures:
        raise RouteSyncError("cannot program pod routes: " + "; ".join(failures))
