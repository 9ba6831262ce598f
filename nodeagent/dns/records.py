"""The DNS records one Service publishes (with its Endpoints), as the Kubernetes DNS spec names them.

Pure: a Service and its Endpoints in, a table name → {type: [rdata]} out; the zone keeps the tables.
"""
from __future__ import annotations

import ipaddress

import dns.name
import dns.rdataclass
import dns.rdatatype
from dns.rdata import Rdata
from dns.rdtypes.IN.A import A
from dns.rdtypes.ANY.CNAME import CNAME
from dns.rdtypes.IN.AAAA import AAAA
from dns.rdtypes.IN.SRV import SRV

from proto import types_pb2

Records = dict[dns.name.Name, dict[int, list[Rdata]]]

HEADLESS = "None"


def service_name(service: str, namespace: str, origin: dns.name.Name) -> dns.name.Name:
    """`<svc>.<ns>.svc.<domain>.`"""
    return dns.name.Name((service, namespace, "svc")).concatenate(origin)


def address_rdata(ip: str) -> Rdata | None:
    """An A or AAAA record for an address; None when the text is not an address."""
    try:
        parsed = ipaddress.ip_address(ip)
    except ValueError:
        return None
    if parsed.version == 4:
        return A(dns.rdataclass.IN, dns.rdatatype.A, str(parsed))
    return AAAA(dns.rdataclass.IN, dns.rdatatype.AAAA, str(parsed))


def is_headless(svc: types_pb2.Service) -> bool:
    return svc.spec.cluster_ip == HEADLESS


def ready_addresses(svc: types_pb2.Service, endpoints: types_pb2.Endpoints | None):
    """(address, subset) pairs DNS publishes: ready ones, plus not-ready ones when the Service asks."""
    if endpoints is None:
        return []
    result = []
    for subset in endpoints.subsets:
        chosen = list(subset.addresses)
        if svc.spec.publish_not_ready_addresses:
            chosen += list(subset.not_ready_addresses)
        result += [(a, subset) for a in chosen]
    return result


def endpoint_label(address: types_pb2.EndpointAddress) -> str:
    """The endpoint's own name under a headless Service: its hostname, else its IP with dashes (CoreDNS)."""
    return address.hostname or address.ip.replace(".", "-").replace(":", "-")


def records_for(svc: types_pb2.Service, endpoints: types_pb2.Endpoints | None,
                origin: dns.name.Name) -> Records:
    """Every record the Service publishes under the cluster domain `origin`."""
    name = service_name(svc.metadata.name, svc.metadata.namespace, origin)
    table: Records = {}

    def add(owner: dns.name.Name, rdata: Rdata | None) -> None:
        if rdata is not None:
            table.setdefault(owner, {}).setdefault(rdata.rdtype, []).append(rdata)

    table[name] = {}  # the name exists even while it has no address (headless without endpoints)
    if is_headless(svc):
        addresses = ready_addresses(svc, endpoints)
        for address, _ in addresses:
            add(name, address_rdata(address.ip))
            add(dns.name.Name((endpoint_label(address),)).concatenate(name), address_rdata(address.ip))
        # SRV per named port: one target per endpoint, each with its own port (the Endpoints' port).
        weight = max(1, 100 // len(addresses)) if addresses else 100
        for address, subset in addresses:
            target = dns.name.Name((endpoint_label(address),)).concatenate(name)
            for port in subset.ports:
                srv = SRV(dns.rdataclass.IN, dns.rdatatype.SRV, 0, weight, port.port, target)
                add(name, srv)
                if port.name:
                    add(_port_name(port.name, port.protocol, name), srv)
    elif svc.spec.type == "ExternalName":  # an alias: CoreDNS answers with a CNAME to the external name
        if svc.spec.external_name:
            add(name, CNAME(dns.rdataclass.IN, dns.rdatatype.CNAME, dns.name.from_text(svc.spec.external_name)))
    elif svc.spec.cluster_ip:
        for ip in list(svc.spec.cluster_ips) or [svc.spec.cluster_ip]:
            add(name, address_rdata(ip))
        for port in svc.spec.ports:
            srv = SRV(dns.rdataclass.IN, dns.rdatatype.SRV, 0, 100, port.port, name)
            add(name, srv)
            if port.name:
                add(_port_name(port.name, port.protocol, name), srv)
    for rdatas in table.values():  # duplicates (two ports, one address) would repeat in answers
        for rdtype, items in rdatas.items():
            rdatas[rdtype] = list(dict.fromkeys(items))
    return table


def _port_name(port: str, protocol: str, service: dns.name.Name) -> dns.name.Name:
    """`_<port>._<proto>.<service name>`, protocol lower-case as CoreDNS publishes it."""
    return dns.name.Name((f"_{port}", f"_{(protocol or 'TCP').lower()}")).concatenate(service)
