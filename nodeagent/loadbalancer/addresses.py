"""The kernel side of announcing: load-balancer addresses held as /32s on the node's interface (labelled
so leftovers are found again) and gratuitous ARP so neighbours learn the new owner at once.
"""
from __future__ import annotations

import errno
import ipaddress
import socket
import struct

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError

from nodeagent.network import netns
from nodeagent.network.links import index_of

LABEL_SUFFIX = ":lb"  # `ip addr` shows ours as e.g. "eth0:lb"; the kernel allows 15 characters
ETH_P_ARP = 0x0806
BROADCAST = b"\xff" * 6


def label(interface: str) -> str:
    return (interface + LABEL_SUFFIX)[:15]


def garp_frame(mac: bytes, ip: str) -> bytes:
    """A gratuitous ARP request (sender and target both `ip`) broadcast from `mac`, as `arping -U` sends."""
    addr = ipaddress.IPv4Address(ip).packed
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac, addr, BROADCAST, addr)
    return BROADCAST + mac + struct.pack("!H", ETH_P_ARP) + arp


def interface_of(node_ip: str, host_netns: str | None) -> str:
    """The interface holding `node_ip` (when --interface was not given)."""
    with netns.entered(host_netns), IPRoute(groups=0) as ipr:
        for a in ipr.get_addr(family=socket.AF_INET, address=node_ip):
            link = ipr.get_links(a["index"])[0]
            return link.get("IFLA_IFNAME")
    raise OSError(f"no interface holds the node IP {node_ip}")


def held(interface: str, host_netns: str | None) -> set[str]:
    """The load-balancer addresses we put on `interface` (found by their label)."""
    with netns.entered(host_netns), IPRoute(groups=0) as ipr:
        index = index_of(ipr, interface)
        if index is None:
            return set()
        return {a.get("IFA_ADDRESS") for a in ipr.get_addr(index=index, family=socket.AF_INET)
                if a.get("IFA_LABEL") == label(interface) and a["prefixlen"] == 32}


def add(interface: str, ip: str, host_netns: str | None) -> None:
    """Hold `ip`/32 on `interface` and tell the segment with a gratuitous ARP."""
    with netns.entered(host_netns):
        with IPRoute(groups=0) as ipr:
            index = index_of(ipr, interface)
            if index is None:
                raise OSError(f"no interface {interface}")
            try:
                ipr.addr("add", index=index, address=ip, prefixlen=32, label=label(interface))
            except NetlinkError as e:
                if e.code != errno.EEXIST:
                    raise
            mac = bytes.fromhex(ipr.get_links(index)[0].get("IFLA_ADDRESS").replace(":", ""))
        _send(interface, garp_frame(mac, ip))


def remove(interface: str, ip: str, host_netns: str | None) -> None:
    with netns.entered(host_netns), IPRoute(groups=0) as ipr:
        index = index_of(ipr, interface)
        if index is None:
            return
        try:
            ipr.addr("del", index=index, address=ip, prefixlen=32)
        except NetlinkError as e:
            if e.code not in (errno.EADDRNOTAVAIL, errno.ENOENT, errno.ESRCH):
                raise


def _send(interface: str, frame: bytes) -> None:
    # The socket belongs to the namespace current when it is made: the caller has entered the host's.
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP)) as s:
        s.bind((interface, ETH_P_ARP))
        s.send(frame)
