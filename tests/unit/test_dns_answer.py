"""The pure DNS answer function over a zone built from Services and Endpoints."""
from __future__ import annotations

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import pytest

from nodeagent.dns.answer import answer, respond
from nodeagent.dns.zone import TTL, Zone
from tests.fixtures.objects import endpoints, service


@pytest.fixture
def zone():
    return Zone.of([service("web"), service("db", cluster_ip="None", ports=(("pg", 5432),)),
                    service("api", cluster_ip="10.96.0.30", namespace="prod", ports=(("", 443),))],
                   [endpoints("db", ready=["10.244.1.5", "10.244.2.7"], not_ready=["10.244.1.9"],
                              ports=(("pg", 5432),))])


def ask(name, rdtype, zone):
    return answer(dns.name.from_text(name), dns.rdatatype.from_text(rdtype), zone)


def texts(reply, section="answer"):
    return sorted(r.to_text() for rrset in getattr(reply, section) for r in rrset)


def test_service_full_name_gets_its_cluster_ip(zone):
    reply = ask("web.default.svc.cluster.local", "A", zone)
    assert reply.rcode == dns.rcode.NOERROR and reply.authoritative
    assert texts(reply) == ["10.96.0.20"]
    assert reply.answer[0].ttl == TTL


def test_names_are_case_insensitive(zone):
    assert texts(ask("WEB.Default.SVC.cluster.LOCAL", "A", zone)) == ["10.96.0.20"]


def test_named_port_gets_srv_as_coredns_answers(zone):
    reply = ask("_http._tcp.web.default.svc.cluster.local", "SRV", zone)
    assert texts(reply) == ["0 100 80 web.default.svc.cluster.local."]
    assert texts(reply, "additional") == ["10.96.0.20"]  # the target's address, no second query


def test_srv_of_service_name_lists_every_port(zone):
    assert texts(ask("api.prod.svc.cluster.local", "SRV", zone)) == ["0 100 443 api.prod.svc.cluster.local."]


def test_headless_service_returns_ready_pod_ips(zone):
    reply = ask("db.default.svc.cluster.local", "A", zone)
    assert texts(reply) == ["10.244.1.5", "10.244.2.7"]  # not the not-ready 10.244.1.9


def test_headless_srv_targets_each_endpoint(zone):
    reply = ask("_pg._tcp.db.default.svc.cluster.local", "SRV", zone)
    assert texts(reply) == ["0 50 5432 10-244-1-5.db.default.svc.cluster.local.",
                            "0 50 5432 10-244-2-7.db.default.svc.cluster.local."]
    assert texts(ask("10-244-2-7.db.default.svc.cluster.local", "A", zone)) == ["10.244.2.7"]


def test_headless_publish_not_ready_addresses_includes_them():
    zone = Zone.of([service("db", cluster_ip="None", publishNotReadyAddresses=True)],
                   [endpoints("db", ready=["10.244.1.5"], not_ready=["10.244.1.9"])])
    assert texts(ask("db.default.svc.cluster.local", "A", zone)) == ["10.244.1.5", "10.244.1.9"]


def test_headless_without_endpoints_exists_with_no_address():
    zone = Zone.of([service("db", cluster_ip="None")])
    reply = ask("db.default.svc.cluster.local", "A", zone)
    assert reply.rcode == dns.rcode.NOERROR and reply.answer == []


def test_unknown_cluster_name_is_nxdomain_with_soa(zone):
    reply = ask("nope.default.svc.cluster.local", "A", zone)
    assert reply.rcode == dns.rcode.NXDOMAIN and reply.answer == []
    assert reply.authority[0].rdtype == dns.rdatatype.SOA
    assert reply.authority[0].name == dns.name.from_text("cluster.local")


def test_existing_name_with_other_type_is_empty_noerror(zone):
    reply = ask("web.default.svc.cluster.local", "AAAA", zone)
    assert reply.rcode == dns.rcode.NOERROR and reply.answer == []
    assert reply.authority[0].rdtype == dns.rdatatype.SOA


@pytest.mark.parametrize("name", ["default.svc.cluster.local", "svc.cluster.local", "cluster.local",
                                  "_tcp.web.default.svc.cluster.local"])
def test_names_between_domain_and_services_exist(zone, name):
    assert ask(name, "A", zone).rcode == dns.rcode.NOERROR


def test_soa_of_the_domain(zone):
    assert ask("cluster.local", "SOA", zone).answer[0].rdtype == dns.rdatatype.SOA


@pytest.mark.parametrize("queried,rcode", [
    # busybox nslookup `web` with `search default.svc.cluster.local svc.cluster.local cluster.local`
    ("web.default.svc.cluster.local", dns.rcode.NOERROR),
    # `web.default`: first tries the namespace's search domain, then svc.<domain>
    ("web.default.default.svc.cluster.local", dns.rcode.NXDOMAIN),
    ("web.default.svc.cluster.local", dns.rcode.NOERROR),
    # the full name under ndots:5 is tried with every search domain first
    ("web.default.svc.cluster.local.default.svc.cluster.local", dns.rcode.NXDOMAIN),
    ("web.default.svc.cluster.local.svc.cluster.local", dns.rcode.NXDOMAIN),
    ("web.default.svc.cluster.local.cluster.local", dns.rcode.NXDOMAIN),
    ("web.cluster.local", dns.rcode.NXDOMAIN),
    ("web.svc.cluster.local", dns.rcode.NXDOMAIN),
])
def test_search_path_names_as_busybox_queries_them(zone, queried, rcode):
    assert ask(queried, "A", zone).rcode == rcode


def test_deleted_service_gives_nxdomain(zone):
    zone.remove_service("default/web")
    assert ask("web.default.svc.cluster.local", "A", zone).rcode == dns.rcode.NXDOMAIN
    assert ask("_http._tcp.web.default.svc.cluster.local", "SRV", zone).rcode == dns.rcode.NXDOMAIN
    assert ask("default.svc.cluster.local", "A", zone).rcode == dns.rcode.NOERROR  # db is still there


def test_changed_service_answers_its_new_address(zone):
    zone.set_service(service("web", cluster_ip="10.96.0.99"))
    assert texts(ask("web.default.svc.cluster.local", "A", zone)) == ["10.96.0.99"]
    assert texts(ask("99.0.96.10.in-addr.arpa", "PTR", zone)) == ["web.default.svc.cluster.local."]
    assert ask("20.0.96.10.in-addr.arpa", "PTR", zone).forward


def test_pod_names_by_dashed_ip(zone):
    assert texts(ask("10-244-3-4.any.pod.cluster.local", "A", zone)) == ["10.244.3.4"]
    assert ask("not-an-ip.any.pod.cluster.local", "A", zone).rcode == dns.rcode.NXDOMAIN


def test_other_cluster_domain():
    zone = Zone.of([service("web")], domain="skiff.test")
    assert texts(ask("web.default.svc.skiff.test", "A", zone)) == ["10.96.0.20"]
    assert ask("web.default.svc.cluster.local", "A", zone).forward


def test_outside_names_are_refused_without_upstream(zone):
    query = dns.message.make_query("example.com", "A")
    response = respond(query, zone, can_forward=False)
    assert response.rcode() == dns.rcode.REFUSED and response.id == query.id


def test_outside_names_are_forwarded_with_upstream(zone):
    assert respond(dns.message.make_query("example.com", "A"), zone, can_forward=True) is None


def test_response_echoes_question_and_is_authoritative(zone):
    query = dns.message.make_query("web.default.svc.cluster.local", "A")
    response = respond(query, zone, can_forward=False)
    assert response.id == query.id and response.question == query.question
    assert response.flags & dns.flags.AA and response.flags & dns.flags.QR
    assert [r.to_text() for r in response.answer[0]] == ["10.96.0.20"]


def _external(name: str, target: str):
    svc = service(name)
    svc.spec.type, svc.spec.cluster_ip, svc.spec.external_name = "ExternalName", "", target
    del svc.spec.cluster_ips[:]
    return svc


def test_an_external_name_service_answers_with_a_cname_to_its_target():
    zone = Zone.of([_external("db", "my.database.example.com")])
    reply = ask("db.default.svc.cluster.local", "A", zone)
    assert reply.rcode == dns.rcode.NOERROR and texts(reply) == ["my.database.example.com."]
    assert reply.answer[0].rdtype == dns.rdatatype.CNAME


def test_a_cname_to_another_service_carries_that_service_s_address():
    zone = Zone.of([service("web"), _external("alias", "web.default.svc.cluster.local.")])
    reply = ask("alias.default.svc.cluster.local", "A", zone)
    assert texts(reply) == ["10.96.0.20", "web.default.svc.cluster.local."]
