"""Node-local pod IP allocation from the node's podCIDR, kept on disk.

The decision (which address is next) is pure; `PodIPAM` adds persistence so a restarted agent never hands out an IP twice.
"""
from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import tempfile
import threading
from ipaddress import IPv4Address, IPv4Interface, IPv4Network


class IPAMExhausted(Exception):
    """No free address is left in the podCIDR."""


def gateway_of(network: IPv4Network) -> IPv4Interface:
    """The bridge's address: the first host of the podCIDR, with the CIDR's prefix."""
    return IPv4Interface(f"{network.network_address + 1}/{network.prefixlen}")


def assignable(network: IPv4Network) -> tuple[int, int]:
    """The [first, last] addresses (as ints) pods may get: not network, gateway, broadcast."""
    return int(network.network_address) + 2, int(network.broadcast_address) - 1


def next_free(network: IPv4Network, taken: set[IPv4Address], last: IPv4Address | None) -> IPv4Address | None:
    """The first free address after `last`, wrapping around; None when every one is taken.

    Round-robin rather than lowest-first, so a just-released address (still in peers' conntrack
    and endpoints) is the last one reused.
    """
    first, final = assignable(network)
    if final < first:
        return None
    start = int(last) + 1 if last is not None and first <= int(last) < final else first
    size = final - first + 1
    for step in range(size):
        candidate = IPv4Address(first + (start - first + step) % size)
        if candidate not in taken:
            return candidate
    return None


class PodIPAM:
    """Allocations of one podCIDR, one address per pod uid, persisted to `state_file`."""

    def __init__(self, pod_cidr: str, state_file: str):
        self.network = IPv4Network(pod_cidr)
        self.state_file = state_file
        self._lock = threading.Lock()
        self._by_uid: dict[str, IPv4Address] = {}
        self._last: IPv4Address | None = None
        self._load()

    def allocate(self, pod_uid: str) -> IPv4Interface:
        with self._lock:
            ip = self._by_uid.get(pod_uid)
            if ip is None:
                ip = next_free(self.network, set(self._by_uid.values()), self._last)
                if ip is None:
                    raise IPAMExhausted(
                        f"no free pod IP in podCIDR {self.network} ({len(self._by_uid)} in use)")
                self._by_uid[pod_uid] = ip
                self._last = ip
                self._save()
            return IPv4Interface(f"{ip}/{self.network.prefixlen}")

    def release(self, pod_uid: str) -> None:
        with self._lock:
            if self._by_uid.pop(pod_uid, None) is not None:
                self._save()

    def allocations(self) -> dict[str, IPv4Address]:
        with self._lock:
            return dict(self._by_uid)

    def retain_only(self, uids) -> list[str]:
        """Release every allocation whose uid is not in `uids`; returns the released uids."""
        keep = set(uids)
        with self._lock:
            gone = [uid for uid in self._by_uid if uid not in keep]
            for uid in gone:
                del self._by_uid[uid]
            if gone:
                self._save()
            return gone

    def _load(self) -> None:
        try:
            with open(self.state_file) as f:
                state = json.load(f)
        except FileNotFoundError:
            return
        except (OSError, ValueError) as e:
            raise OSError(f"cannot read pod IP allocations from {self.state_file}: {e}") from None
        for uid, text in state.get("allocations", {}).items():
            ip = ipaddress.ip_address(text)
            # A changed podCIDR leaves the old addresses meaningless; they cannot collide with new ones.
            if ip in self.network:
                self._by_uid[uid] = ip
        last = state.get("last")
        self._last = ipaddress.ip_address(last) if last else None

    def _save(self) -> None:
        state = {
            "podCIDR": str(self.network),
            "allocations": {uid: str(ip) for uid, ip in sorted(self._by_uid.items())},
            "last": str(self._last) if self._last else None,
        }
        directory = os.path.dirname(os.path.abspath(self.state_file))
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".ipam-")
        try:
            with os.fdopen(fd, "w") as f:
                json.dump(state, f, indent=1)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.state_file)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
