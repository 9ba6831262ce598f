"""The lab's underlay: namespaces joined by a switch namespace, unreachable routes, a root nftables guard.

The bridge lives in its own namespace because Docker sets FORWARD to DROP in the root namespace and
br_netfilter would send bridged underlay frames through it.
"""
from __future__ import annotations

import ipaddress
import json

from deploy.lab import plan as P
from deploy.lab.shell import LabError, ok, run


def namespaces() -> list[str]:
    out = run(["ip", "-j", "netns", "list"], check=False).strip()
    return [n["name"] for n in json.loads(out or "[]")]


def links(netns: str | None = None) -> list[str]:
    argv = ["ip", "-j"] + (["-n", netns] if netns else []) + ["link", "show"]
    return [link["ifname"] for link in json.loads(run(argv).strip() or "[]")]


def ensure_netns(name: str) -> bool:
    """Create the namespace with loopback up; False when it already existed."""
    if name in namespaces():
        return False
    run(["ip", "netns", "add", name])
    run(["ip", "-n", name, "link", "set", "lo", "up"])
    return True


def ensure_switch() -> None:
    if P.SWITCH_BRIDGE not in links(P.SWITCH_NETNS):
        run(["ip", "-n", P.SWITCH_NETNS, "link", "add", P.SWITCH_BRIDGE, "type", "bridge"])
    run(["ip", "-n", P.SWITCH_NETNS, "link", "set", P.SWITCH_BRIDGE, "up"])


def ensure_root_leg(address: str, prefixlen: int) -> None:
    """The root namespace's `skiff-lab0`, so the CLI and the control plane reach the hosts."""
    if P.ROOT_LINK not in links():
        run(["ip", "link", "add", P.ROOT_LINK, "type", "veth", "peer", "name", P.ROOT_PORT,
             "netns", P.SWITCH_NETNS])
    run(["ip", "addr", "replace", f"{address}/{prefixlen}", "dev", P.ROOT_LINK])
    run(["ip", "link", "set", P.ROOT_LINK, "up"])
    _plug(P.ROOT_PORT)


def ensure_root_address(address: str, prefixlen: int) -> None:
    """One more address on `skiff-lab0` (another API server's); it goes with the link at `down`."""
    run(["ip", "addr", "replace", f"{address}/{prefixlen}", "dev", P.ROOT_LINK])


def ensure_member_leg(member: P.Member, prefixlen: int) -> None:
    """A veth from the member's namespace (`eth0`) to a switch port, addressed on the underlay."""
    if P.HOST_LINK not in links(member.netns):
        if member.port in links(P.SWITCH_NETNS):  # half made: a port left without its peer
            run(["ip", "-n", P.SWITCH_NETNS, "link", "del", member.port])
        run(["ip", "-n", P.SWITCH_NETNS, "link", "add", member.port, "type", "veth",
             "peer", "name", P.HOST_LINK, "netns", member.netns])
    run(["ip", "-n", member.netns, "addr", "replace", f"{member.ip}/{prefixlen}", "dev", P.HOST_LINK])
    run(["ip", "-n", member.netns, "link", "set", P.HOST_LINK, "up"])
    _plug(member.port)


def _plug(port: str) -> None:
    run(["ip", "-n", P.SWITCH_NETNS, "link", "set", port, "master", P.SWITCH_BRIDGE, "up"])


def drop_announced(member: P.Member) -> None:
    """A powered-off host answers no ARP: take away the load-balancer addresses its agent announced
    (labelled by nodeagent.loadbalancer.addresses), so another node's announcement is the only one."""
    run(["ip", "-n", member.netns, "-4", "addr", "flush", "dev", P.HOST_LINK, "label", f"{P.HOST_LINK}:lb"],
        check=False)


def set_port(member: P.Member, up: bool) -> None:
    """Cut or restore a member's cable to the switch (a network partition)."""
    run(["ip", "-n", P.SWITCH_NETNS, "link", "set", member.port, "up" if up else "down"])


def port_is_up(member: P.Member) -> bool:
    out = run(["ip", "-j", "-n", P.SWITCH_NETNS, "link", "show", member.port], check=False)
    data = json.loads(out.strip() or "[]")
    return bool(data) and "UP" in data[0].get("flags", [])


def ensure_isolated_routes(netns: str, prefixes: list[str]) -> None:
    """In a lab namespace: nothing but the underlay is reachable, no default route, the CIDRs unreachable."""
    base = ["ip", "-n", netns, "route", "replace"]
    for prefix in prefixes:
        run(base + ["unreachable", prefix])
    run(base + ["unreachable", "default"])
    # The agent routes between podCIDRs through this namespace; it enables forwarding too.
    run(["ip", "netns", "exec", netns, "sysctl", "-qw", "net.ipv4.ip_forward=1"])


def root_unreachable_routes(prefixes: list[str]) -> list[str]:
    """Add the root namespace's unreachable routes that are not there yet; return those added.

    A route for the same prefix made by someone else stays untouched, and is not ours to delete.
    """
    existing = {r.get("dst") for r in json.loads(run(["ip", "-j", "route", "show"]).strip() or "[]")}
    added = []
    for prefix in prefixes:
        if prefix not in existing:
            run(["ip", "route", "add", "unreachable", prefix, "proto", str(P.ROUTE_PROTO)])
            added.append(prefix)
    return added


def check_underlay_free(underlay: str) -> None:
    """Refuse an underlay subnet that the machine already routes somewhere else."""
    net = ipaddress.IPv4Network(underlay)
    for r in json.loads(run(["ip", "-j", "route", "show"]).strip() or "[]"):
        dst = r.get("dst", "")
        if dst in ("default", "") or r.get("dev") == P.ROOT_LINK:
            continue
        try:
            other = ipaddress.IPv4Network(dst if "/" in dst else f"{dst}/32", strict=False)
        except ValueError:
            continue
        if other.overlaps(net):
            raise LabError(f"underlay {net} overlaps the machine's route to {dst} "
                           f"(dev {r.get('dev', '?')}); pick another with --underlay")


def ensure_root_guard() -> None:
    """Nothing is forwarded between the underlay and the machine's other interfaces."""
    family, table = P.NFT_TABLE
    ruleset = (f"table {family} {table} {{}}\n"
               f"delete table {family} {table}\n"
               f"table {family} {table} {{\n"
               f"  chain forward {{\n"
               f"    type filter hook forward priority -10; policy accept;\n"
               f"    iifname \"{P.ROOT_LINK}\" drop\n"
               f"    oifname \"{P.ROOT_LINK}\" drop\n"
               f"  }}\n"
               f"}}\n")
    run(["nft", "-f", "-"], input=ruleset)


# -- removal ---------------------------------------------------------------------------------------

def delete_netns(name: str) -> None:
    run(["ip", "netns", "del", name], check=False)


def delete_root_leftovers() -> list[str]:
    """The root leg, any stray lab port, the lab's routes and nftables table; returns what went."""
    removed = []
    for link in links():
        if link == P.ROOT_LINK or link.startswith(P.PORT_PREFIX):
            if ok(["ip", "link", "del", link]):
                removed.append(f"link {link}")
    routes = json.loads(run(["ip", "-j", "route", "show", "proto", str(P.ROUTE_PROTO)]).strip() or "[]")
    for r in routes:
        if ok(["ip", "route", "del", r.get("type", "unicast"), r["dst"], "proto", str(P.ROUTE_PROTO)]):
            removed.append(f"route {r.get('type', '')} {r['dst']}".replace("  ", " "))
    family, table = P.NFT_TABLE
    if ok(["nft", "list", "table", family, table]) and ok(["nft", "delete", "table", family, table]):
        removed.append(f"nftables table {family} {table}")
    return removed


def lab_routes_in_root() -> list[str]:
    routes = json.loads(run(["ip", "-j", "route", "show", "proto", str(P.ROUTE_PROTO)]).strip() or "[]")
    return [r["dst"] for r in routes]


def nft_table_exists() -> bool:
    return ok(["nft", "list", "table", *P.NFT_TABLE])


def require_root() -> None:
    import os
    if os.geteuid() != 0:
        raise LabError("the lab needs root (network namespaces, routes, nftables): run it with sudo")
