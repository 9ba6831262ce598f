"""The pure address pool behind LoadBalancer Services: ranges and CIDRs parsed from a flag, addresses
handed out lowest first, a requested one honoured when it is in the pool and free, released on demand.
"""
from __future__ import annotations

import ipaddress

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class PoolError(ValueError):
    """A pool flag that does not parse: says which part and why."""


class AllocationFailed(Exception):
    """No address for this Service; the text is what the Warning event says after "Failed to allocate IP"."""


def parse(spec: str) -> list[tuple[int, int]]:
    """`--load-balancer-pool`: comma-separated `A-B` ranges (inclusive) or CIDRs; "" is an empty pool.
    A CIDR's network and broadcast addresses are left out (nobody can answer ARP for them usefully)."""
    ranges: list[tuple[int, int]] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        try:
            if "/" in part:
                net = ipaddress.ip_network(part, strict=False)
                first, last = int(net.network_address), int(net.broadcast_address)
                if net.num_addresses > 2:
                    first, last = first + 1, last - 1
            elif "-" in part:
                a, b = (ipaddress.ip_address(x.strip()) for x in part.split("-", 1))
                if a.version != b.version:
                    raise ValueError("both ends must be of the same IP version")
                first, last = int(a), int(b)
                if first > last:
                    raise ValueError(f"{a} comes after {b}")
            else:
                first = last = int(ipaddress.ip_address(part))
        except ValueError as e:
            raise PoolError(f"--load-balancer-pool: {part!r} is not a range A-B, a CIDR or an address: {e}") from None
        ranges.append((first, last))
    return sorted(ranges)


class Pool:
    """Which pool addresses are taken and by whom (a Service key); all decisions, no I/O."""

    def __init__(self, spec: str = ""):
        self.ranges = parse(spec)
        self.owner: dict[int, str] = {}  # address -> service key

    def __bool__(self) -> bool:
        return bool(self.ranges)

    def size(self) -> int:
        return sum(last - first + 1 for first, last in self.ranges)

    def contains(self, ip: str) -> bool:
        value = _value(ip)
        return value is not None and any(first <= value <= last for first, last in self.ranges)

    def holder(self, ip: str) -> str | None:
        value = _value(ip)
        return self.owner.get(value) if value is not None else None

    def occupy(self, ip: str, key: str) -> bool:
        """Mark an address found in a Service's status as that Service's; False if someone else has it."""
        value = _value(ip)
        if value is None or not self.contains(ip):
            return False
        if self.owner.setdefault(value, key) != key:
            return False
        return True

    def release(self, ip: str, key: str) -> None:
        value = _value(ip)
        if value is not None and self.owner.get(value) == key:
            del self.owner[value]

    def allocate(self, key: str, requested: str = "") -> str:
        """`requested` if given (it must be in the pool and free or already this key's), else the lowest
        free address; raises AllocationFailed with MetalLB's wording otherwise."""
        if requested:
            if not self.contains(requested):
                raise AllocationFailed(f'"{requested}" is not allowed in config')
            holder = self.holder(requested)
            if holder not in (None, key):
                raise AllocationFailed(f'"{requested}" is already in use by "{holder}"')
            self.occupy(requested, key)
            return requested
        for first, last in self.ranges:
            for value in range(first, last + 1):
                if value not in self.owner:
                    self.owner[value] = key
                    return str(ipaddress.ip_address(value))
        raise AllocationFailed("no available IPs")


def _value(ip: str) -> int | None:
    try:
        return int(ipaddress.ip_address(ip))
    except ValueError:
        return None
