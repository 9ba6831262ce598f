"""The server's pure helpers: the --dns-upstream flag, UDP truncation, and what it refuses to parse."""
from __future__ import annotations

import dns.flags
import dns.message
import pytest

from nodeagent.dns.answer import respond
from nodeagent.dns.server import parse, parse_upstream, udp_wire
from nodeagent.dns.zone import Zone
from tests.fixtures.objects import endpoints, service


@pytest.mark.parametrize("text,expected", [
    ("", None), ("192.0.2.53:5353", ("192.0.2.53", 5353)), ("192.0.2.53", ("192.0.2.53", 53)),
    ("[2001:db8::1]:53", ("2001:db8::1", 53)), ("2001:db8::1", ("2001:db8::1", 53)),
])
def test_upstream_flag(text, expected):
    assert parse_upstream(text) == expected


@pytest.mark.parametrize("text", ["host:", "host:99999", ":53", "host:dns"])
def test_bad_upstream_flag_names_the_flag(text):
    with pytest.raises(ValueError, match="--dns-upstream"):
        parse_upstream(text)


def test_answer_too_big_for_udp_is_truncated_so_the_client_retries_on_tcp():
    ips = [f"10.244.{i // 250}.{i % 250 + 2}" for i in range(100)]
    zone = Zone.of([service("big", cluster_ip="None")], [endpoints("big", ready=ips)])
    query = dns.message.make_query("big.default.svc.cluster.local", "A", use_edns=False)
    wire = udp_wire(respond(query, zone, can_forward=False), query)
    response = dns.message.from_wire(wire)
    assert len(wire) <= 512 and response.flags & dns.flags.TC and not response.answer
    with_edns = dns.message.make_query("big.default.svc.cluster.local", "A", use_edns=0, payload=4096)
    full = dns.message.from_wire(udp_wire(respond(with_edns, zone, can_forward=False), with_edns))
    assert not full.flags & dns.flags.TC and len(full.answer[0]) == 100


def test_responses_and_garbage_are_not_answered():
    query = dns.message.make_query("web.default.svc.cluster.local", "A")
    assert parse(query.to_wire()) is not None
    assert parse(dns.message.make_response(query).to_wire()) is None
    assert parse(b"\x12\x34garbage") is None
