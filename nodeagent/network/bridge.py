"""The node's pod bridge (`skiff0`): it holds the podCIDR's first address and is every pod's gateway.

`ensure_bridge` is idempotent; `host_netns` names the host's namespace (None: the calling thread's).
"""
from __future__ import annotations

import errno
from ipaddress import IPv4Interface

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError

from nodeagent.network import links, netns

DEFAULT_BRIDGE = "skiff0"


def ensure_bridge(name: str, gateway: IPv4Interface, host_netns: str | None = None) -> None:
    with netns.entered(host_netns), IPRoute(groups=0) as ipr:
        index = links.index_of(ipr, name)
        if index is None:
            try:
                ipr.link("add", ifname=name, kind="bridge")
            except NetlinkError as e:
                if e.code != errno.EEXIST:
                    raise OSError(f"cannot create bridge {name}: {e.args[1]}") from None
            index = links.index_of(ipr, name)
            # A bridge with a kernel-chosen MAC takes the lowest MAC of its ports, so the pods'
            # gateway MAC would change whenever a pod comes or goes; pinning it stops that.
            mac = ipr.get_links(index)[0].get("IFLA_ADDRESS")
            ipr.link("set", index=index, address=mac)
        links.set_only_address(ipr, index, gateway)
        ipr.link("set", index=index, state="up")
        # Cross-node pod traffic is routed by this namespace.
        netns.write_sysctl("net.ipv4.ip_forward", "1")
