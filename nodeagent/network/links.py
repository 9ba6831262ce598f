"""Small pyroute2 helpers shared by the bridge and pod modules: finding links and setting addresses.

Each takes an open IPRoute bound to the namespace the caller has entered.
"""
from __future__ import annotations

import errno
import socket
from ipaddress import IPv4Interface

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError


def index_of(ipr: IPRoute, name: str) -> int | None:
    found = ipr.link_lookup(ifname=name)
    return found[0] if found else None


def link_kind(link) -> str:
    info = link.get("IFLA_LINKINFO")
    return (info.get("IFLA_INFO_KIND") or "") if info else ""


def set_only_address(ipr: IPRoute, index: int, address: IPv4Interface) -> None:
    """Give the link exactly this IPv4 address (others removed), tolerating one already there."""
    have = [(a.get("IFA_ADDRESS"), a["prefixlen"]) for a in ipr.get_addr(index=index, family=socket.AF_INET)]
    for ip, prefix in have:
        if (ip, prefix) != (str(address.ip), address.network.prefixlen):
            ipr.addr("del", index=index, address=ip, prefixlen=prefix)
    if (str(address.ip), address.network.prefixlen) not in have:
        try:
            ipr.addr("add", index=index, address=str(address.ip), prefixlen=address.network.prefixlen)
        except NetlinkError as e:
            if e.code != errno.EEXIST:
                raise
