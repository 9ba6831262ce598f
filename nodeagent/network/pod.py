"""Wiring a pod's network namespace to the bridge: a veth pair, `eth0` inside with the pod IP.

The pod namespace is the pause container's (`/proc/<pid>/ns/net`); `host_netns` names the host's (None: the calling thread's).
"""
from __future__ import annotations

import hashlib
import re
from ipaddress import IPv4Address, IPv4Interface

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError

from nodeagent.network import links, netns

POD_IFNAME = "eth0"
_VETH_NAME = re.compile(r"^veth[0-9a-f]{11}$")  # Docker's own are veth + 7 hex: never confused
BRPORT_MODE_HAIRPIN = 1


class PodNetworkError(Exception):
    """The pod's network could not be wired; the message says which step and why."""


def host_veth_name(pod_uid: str) -> str:
    """15 characters at most (IFNAMSIZ), stable for a pod uid."""
    return "veth" + hashlib.sha256(pod_uid.encode()).hexdigest()[:11]


def attach(pid: int, pod_uid: str, address: IPv4Interface, gateway: IPv4Address,
           bridge: str = "skiff0", host_netns: str | None = None) -> str:
    """Connect the namespace of `pid` to `bridge` with `address`; idempotent; returns the host veth."""
    host = host_veth_name(pod_uid)
    pod_ns = netns.pid_ns(pid)
    try:
        with netns.entered(host_netns):
            with IPRoute(groups=0) as ipr:
                bridge_index = links.index_of(ipr, bridge)
                if bridge_index is None:
                    raise PodNetworkError(f"bridge {bridge} does not exist")
                index = links.index_of(ipr, host)
                if index is None or _pod_peer_index(pod_ns) != index:
                    index = _create_pair(ipr, host, index, pid, pod_ns)
                ipr.link("set", index=index, master=bridge_index, state="up")
                # Hairpin lets a pod reach itself through a Service address that DNATs back to it.
                ipr.brport("set", index=index, mode=BRPORT_MODE_HAIRPIN)
            with netns.entered(pod_ns):
                _configure_inside(address, gateway)
    except NetlinkError as e:
        raise PodNetworkError(f"wiring pod {pod_uid} (pid {pid}) to {bridge}: {e.args[1]}") from None
    except OSError as e:
        raise PodNetworkError(f"wiring pod {pod_uid} (pid {pid}) to {bridge}: {e}") from None
    return host


def detach(pod_uid: str, host_netns: str | None = None) -> None:
    """Delete the pod's host veth (its peer goes with it); a missing one is fine."""
    with netns.entered(host_netns), IPRoute(groups=0) as ipr:
        index = links.index_of(ipr, host_veth_name(pod_uid))
        if index is not None:
            try:
                ipr.link("del", index=index)
            except NetlinkError as e:
                if e.code != 19:  # ENODEV: gone meanwhile, as its namespace died
                    raise


def list_pod_veths(host_netns: str | None = None) -> list[str]:
    """Host veths that skiff made (by their name pattern), so the agent can remove orphans."""
    with netns.entered(host_netns), IPRoute(groups=0) as ipr:
        names = (link.get("IFLA_IFNAME") for link in ipr.get_links() if links.link_kind(link) == "veth")
        return sorted(name for name in names if name and _VETH_NAME.match(name))


def _pod_peer_index(pod_ns: str) -> int | None:
    """The host-side ifindex that the pod's eth0 is paired with, or None without an eth0."""
    with netns.entered(pod_ns), IPRoute(groups=0) as ipr:
        index = links.index_of(ipr, POD_IFNAME)
        if index is None:
            return None
        return ipr.get_links(index)[0].get("IFLA_LINK")


def _create_pair(ipr: IPRoute, host: str, stale_index: int | None, pid: int, pod_ns: str) -> int:
    """A fresh veth pair, replacing a stale host end (from an earlier sandbox) or pod end."""
    if stale_index is not None:
        ipr.link("del", index=stale_index)
    with netns.entered(pod_ns), IPRoute(groups=0) as inside:
        old = links.index_of(inside, POD_IFNAME)
        if old is not None:
            inside.link("del", index=old)
    ipr.link("add", ifname=host, kind="veth", peer={"ifname": POD_IFNAME, "net_ns_pid": pid})
    return links.index_of(ipr, host)


def _configure_inside(address: IPv4Interface, gateway: IPv4Address) -> None:
    with IPRoute(groups=0) as ipr:
        lo = links.index_of(ipr, "lo")
        ipr.link("set", index=lo, state="up")
        index = links.index_of(ipr, POD_IFNAME)
        links.set_only_address(ipr, index, address)
        ipr.link("set", index=index, state="up")
        ipr.route("replace", dst="0.0.0.0/0", gateway=str(gateway), oif=index)
