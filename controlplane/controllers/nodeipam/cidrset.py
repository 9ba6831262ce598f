"""The pure allocator behind node IPAM: the cluster CIDR cut into equal subnets, handed out in
order, marked used when found on an existing node, and free again when its node goes.
"""
from __future__ import annotations

import ipaddress


class CidrSetError(ValueError):
    """A CIDR that is not one of this set's subnets, or a set that cannot be cut as asked."""


class CidrsExhausted(Exception):
    """Every subnet of the cluster CIDR is in use."""


class CidrSet:
    def __init__(self, cluster_cidr: str, mask_size: int):
        try:
            self.network = ipaddress.ip_network(cluster_cidr, strict=False)
        except ValueError as e:
            raise CidrSetError(f"--cluster-cidr {cluster_cidr!r}: {e}") from None
        if not self.network.prefixlen <= mask_size <= self.network.max_prefixlen:
            raise CidrSetError(f"--node-cidr-mask-size {mask_size} must lie between the cluster CIDR's prefix "
                               f"/{self.network.prefixlen} and /{self.network.max_prefixlen}")
        self.mask_size = mask_size
        self.count = 2 ** (mask_size - self.network.prefixlen)
        self._shift = self.network.max_prefixlen - mask_size
        self._used: set[int] = set()
        self._next = 0

    def __len__(self) -> int:
        return len(self._used)

    def _index(self, cidr: str) -> int:
        try:
            subnet = ipaddress.ip_network(cidr, strict=False)
        except ValueError as e:
            raise CidrSetError(f"{cidr!r}: {e}") from None
        if subnet.prefixlen != self.mask_size or not subnet.subnet_of(self.network):
            raise CidrSetError(f"{cidr} is not a /{self.mask_size} inside {self.network}")
        return (int(subnet.network_address) - int(self.network.network_address)) >> self._shift

    def _cidr(self, index: int) -> str:
        address = self.network.network_address + (index << self._shift)
        return f"{address}/{self.mask_size}"

    def occupy(self, cidr: str) -> None:
        self._used.add(self._index(cidr))

    def release(self, cidr: str) -> None:
        self._used.discard(self._index(cidr))

    def in_use(self, cidr: str) -> bool:
        return self._index(cidr) in self._used

    def allocate(self) -> str:
        """The next free subnet after the last one handed out (so a released one is reused last)."""
        for step in range(self.count):
            index = (self._next + step) % self.count
            if index not in self._used:
                self._used.add(index)
                self._next = (index + 1) % self.count
                return self._cidr(index)
        raise CidrsExhausted(f"no /{self.mask_size} left in {self.network}: all {self.count} are in use")
