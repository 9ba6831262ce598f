"""The cluster zone a node answers from: every Service's record sets in one name table, plus the SOA and
ClusterIPs' reverse names. Updated one Service at a time, so an event costs that Service, not the zone.
"""
from __future__ import annotations

import ipaddress
from collections import Counter

import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.reversename
import dns.rrset
from dns.rdtypes.ANY.PTR import PTR
from dns.rdtypes.ANY.SOA import SOA
from dns.rdtypes.IN.A import A

from nodeagent.dns.records import Records, records_for

TTL = 5


class Zone:
    def __init__(self, domain: str = "cluster.local"):
        self.origin = dns.name.from_text(domain)
        self.serial = 1
        self._by_service: dict[str, Records] = {}
        self._names: dict[dns.name.Name, dict[int, dns.rrset.RRset]] = {}
        self._ancestors: Counter[dns.name.Name] = Counter()  # empty non-terminals: they exist too
        self._reverse: dict[dns.name.Name, dns.name.Name] = {}
        self._pod_suffix = dns.name.Name(("pod",)).concatenate(self.origin)
        self._soa: dns.rrset.RRset | None = None

    @classmethod
    def of(cls, services, endpoints=(), domain: str = "cluster.local") -> "Zone":
        """A zone holding these Services (Endpoints matched by namespace/name): for tests and benchmarks."""
        zone = cls(domain)
        by_key = {(e.metadata.namespace, e.metadata.name): e for e in endpoints}
        for svc in services:
            zone.set_service(svc, by_key.get((svc.metadata.namespace, svc.metadata.name)))
        return zone

    # ------------------------------------------------------------ updates

    def set_service(self, svc, endpoints=None) -> None:
        key = f"{svc.metadata.namespace}/{svc.metadata.name}"
        self._replace(key, records_for(svc, endpoints, self.origin))

    def remove_service(self, key: str) -> None:
        self._replace(key, {})

    def _replace(self, key: str, records: Records) -> None:
        old = self._by_service.pop(key, {})
        for name in old:
            self._names.pop(name, None)
            self._count_ancestors(name, -1)
            self._unindex_reverse(name, old[name])
        if records:
            self._by_service[key] = records
        for name, rdatas in records.items():
            # Built once here, not per query: answering is then a dictionary look-up.
            self._names[name] = {t: rrset(name, t, items) for t, items in rdatas.items() if items}
            self._count_ancestors(name, +1)
            self._index_reverse(name, rdatas)
        self.serial += 1
        self._soa = None

    def _count_ancestors(self, name: dns.name.Name, delta: int) -> None:
        parent = name.parent()
        while parent != self.origin and parent.is_subdomain(self.origin):
            self._ancestors[parent] += delta
            if self._ancestors[parent] <= 0:
                del self._ancestors[parent]
            parent = parent.parent()

    def _index_reverse(self, name: dns.name.Name, rdatas) -> None:
        if len(name) != len(self.origin) + 3:  # only <svc>.<ns>.svc names own a ClusterIP
            return
        for rdata in rdatas.get(dns.rdatatype.A, []) + rdatas.get(dns.rdatatype.AAAA, []):
            self._reverse[dns.reversename.from_address(rdata.address)] = name

    def _unindex_reverse(self, name: dns.name.Name, rdatas) -> None:
        for rdata in rdatas.get(dns.rdatatype.A, []) + rdatas.get(dns.rdatatype.AAAA, []):
            reverse = dns.reversename.from_address(rdata.address)
            if self._reverse.get(reverse) == name:
                del self._reverse[reverse]

    # ------------------------------------------------------------ reads

    def __len__(self) -> int:
        return len(self._by_service)

    def in_zone(self, name: dns.name.Name) -> bool:
        return name.is_subdomain(self.origin)

    def lookup(self, name: dns.name.Name) -> dict[int, dns.rrset.RRset] | None:
        """The record sets at `name` by type; {} for a name that exists without records; None: no such name."""
        found = self._names.get(name)
        if found is not None:
            return found
        if name == self.origin or name in self._ancestors or name == self._pod_suffix:
            return {}
        return self._pod_address(name)

    def _pod_address(self, name: dns.name.Name) -> dict[int, dns.rrset.RRset] | None:
        """`1-2-3-4.<ns>.pod.<domain>` → 1.2.3.4, for any namespace, as CoreDNS's `pods insecure` answers."""
        if len(name) != len(self._pod_suffix) + 2 or not name.is_subdomain(self._pod_suffix):
            return None
        try:
            ip = ipaddress.IPv4Address(name.labels[0].decode().replace("-", "."))
        except ValueError:
            return None
        return {dns.rdatatype.A: rrset(name, dns.rdatatype.A, [A(dns.rdataclass.IN, dns.rdatatype.A, str(ip))])}

    def reverse(self, name: dns.name.Name) -> dns.name.Name | None:
        """The Service name owning the address of an `in-addr.arpa`/`ip6.arpa` name, if one does."""
        return self._reverse.get(name)

    def soa(self) -> dns.rrset.RRset:
        """As CoreDNS's kubernetes plugin publishes it; the minimum (negative-caching TTL) is the TTL."""
        if self._soa is None:
            self._soa = rrset(self.origin, dns.rdatatype.SOA, [SOA(
                dns.rdataclass.IN, dns.rdatatype.SOA, dns.name.Name(("ns", "dns")).concatenate(self.origin),
                dns.name.Name(("hostmaster",)).concatenate(self.origin), self.serial, 7200, 1800, 86400, TTL)])
        return self._soa


def rrset(name: dns.name.Name, rdtype: int, rdatas) -> dns.rrset.RRset:
    result = dns.rrset.RRset(name, dns.rdataclass.IN, rdtype)
    for rdata in rdatas:
        result.add(rdata, TTL)
    return result


def ptr(owner: dns.name.Name, target: dns.name.Name) -> dns.rrset.RRset:
    return rrset(owner, dns.rdatatype.PTR, [PTR(dns.rdataclass.IN, dns.rdatatype.PTR, target)])
