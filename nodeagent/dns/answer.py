"""The answer to one DNS question from the zone (pure): records, NODATA or NXDOMAIN with the SOA for
cluster names; other names go upstream, or are REFUSED without one, so a pod's lookup never hangs.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from nodeagent.dns.zone import Zone, ptr


@dataclass
class Reply:
    """What to answer; `forward` means the name is not ours and an upstream should answer it."""

    rcode: int = dns.rcode.NOERROR
    answer: list[dns.rrset.RRset] = field(default_factory=list)
    authority: list[dns.rrset.RRset] = field(default_factory=list)
    additional: list[dns.rrset.RRset] = field(default_factory=list)
    authoritative: bool = False
    forward: bool = False


def answer(qname: dns.name.Name, rdtype: int, zone: Zone) -> Reply:
    if zone.in_zone(qname):
        return _cluster_answer(qname, rdtype, zone)
    target = zone.reverse(qname)
    if target is not None:  # a ClusterIP's PTR: ours, whatever the upstream says
        if rdtype in (dns.rdatatype.PTR, dns.rdatatype.ANY):
            return Reply(answer=[ptr(qname, target)], authoritative=True)
        return Reply(authoritative=True)
    return Reply(forward=True)


def _cluster_answer(qname: dns.name.Name, rdtype: int, zone: Zone) -> Reply:
    records = zone.lookup(qname)
    if records is None:
        return Reply(rcode=dns.rcode.NXDOMAIN, authority=[zone.soa()], authoritative=True)
    if rdtype == dns.rdatatype.SOA and qname == zone.origin:
        return Reply(answer=[zone.soa()], authoritative=True)
    if rdtype == dns.rdatatype.ANY:
        found = list(records.values())
    elif dns.rdatatype.CNAME in records and rdtype != dns.rdatatype.CNAME:
        return Reply(answer=_alias_chain(_as_asked(records[dns.rdatatype.CNAME], qname), rdtype, zone),
                     authoritative=True)
    else:
        found = [records[rdtype]] if rdtype in records else []
    if not found:  # the name exists, not with this type (AAAA of an IPv4 Service): NODATA
        return Reply(authority=[zone.soa()], authoritative=True)
    return Reply(answer=[_as_asked(rrset, qname) for rrset in found], additional=_srv_targets(found, zone),
                 authoritative=True)


def _alias_chain(cname: dns.rrset.RRset, rdtype: int, zone: Zone, hops: int = 8) -> list[dns.rrset.RRset]:
    """An ExternalName's CNAME, then what its target holds of `rdtype` when the target is in the cluster
    zone (another Service), followed a few hops at most; an outside target is the client's resolver's to
    look up, as it follows any CNAME."""
    chain = [cname]
    target = cname[0].target
    while hops and zone.in_zone(target):
        records = zone.lookup(target) or {}
        if dns.rdatatype.CNAME in records:
            chain.append(records[dns.rdatatype.CNAME])
            target, hops = records[dns.rdatatype.CNAME][0].target, hops - 1
            continue
        if rdtype in records:
            chain.append(records[rdtype])
        break
    return chain


def _as_asked(rrset: dns.rrset.RRset, qname: dns.name.Name) -> dns.rrset.RRset:
    """The stored set, or a copy owned by the name spelt as the client spelt it (0x20 case randomisation)."""
    if rrset.name.labels == qname.labels:
        return rrset
    copy = dns.rrset.RRset(qname, rrset.rdclass, rrset.rdtype)
    copy.update(rrset)
    return copy


def _srv_targets(found: list[dns.rrset.RRset], zone: Zone) -> list[dns.rrset.RRset]:
    """The addresses of SRV targets, so a client needs no second query (CoreDNS sends them too)."""
    targets = dict.fromkeys(r.target for rrset in found if rrset.rdtype == dns.rdatatype.SRV for r in rrset)
    extra = []
    for target in targets:
        records = zone.lookup(target) or {}
        extra += [records[t] for t in (dns.rdatatype.A, dns.rdatatype.AAAA) if t in records]
    return extra


def respond(query: dns.message.Message, zone: Zone, can_forward: bool) -> dns.message.Message | None:
    """The response to a query, or None when it should be forwarded (only if `can_forward`)."""
    if query.opcode() != dns.opcode.QUERY or len(query.question) != 1:
        return error(query, dns.rcode.NOTIMP if query.opcode() != dns.opcode.QUERY else dns.rcode.FORMERR)
    question = query.question[0]
    if question.rdclass not in (dns.rdataclass.IN, dns.rdataclass.ANY):
        return error(query, dns.rcode.REFUSED)
    reply = answer(question.name, question.rdtype, zone)
    if reply.forward:
        return None if can_forward else error(query, dns.rcode.REFUSED)
    response = dns.message.make_response(query)
    response.set_rcode(reply.rcode)
    response.flags |= dns.flags.RA
    if reply.authoritative:
        response.flags |= dns.flags.AA
    response.answer = reply.answer
    response.authority = reply.authority
    response.additional = reply.additional
    return response


def error(query: dns.message.Message, rcode: int) -> dns.message.Message:
    """A response with this rcode and no records (REFUSED, SERVFAIL, FORMERR ...)."""
    response = dns.message.make_response(query)
    response.set_rcode(rcode)
    response.flags |= dns.flags.RA
    return response
