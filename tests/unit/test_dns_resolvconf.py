"""A pod's resolv.conf from dnsPolicy and dnsConfig, rendered as the kubelet does."""
from __future__ import annotations

from nodeagent.dns import resolvconf
from nodeagent.dns.resolvconf import DnsConfig
from tests.fixtures.objects import pod

HOST = """# written by the host
nameserver 192.0.2.53
nameserver 192.0.2.54 ; second
search example.org
options timeout:2 edns0
"""


def render(p, host=HOST):
    return resolvconf.pod_resolv_conf(p, "cluster.local", "10.244.1.1", host)


def test_cluster_first_is_the_default_and_points_at_the_node():
    assert render(pod("p", namespace="shop"), host="") == (
        "search shop.svc.cluster.local svc.cluster.local cluster.local\n"
        "nameserver 10.244.1.1\n"
        "options ndots:5\n")


def test_cluster_first_appends_host_search_domains_like_the_kubelet():
    assert render(pod("p")).splitlines()[0] == (
        "search default.svc.cluster.local svc.cluster.local cluster.local example.org")


def test_default_copies_the_host_file():
    assert render(pod("p", dnsPolicy="Default")) == (
        "search example.org\nnameserver 192.0.2.53\nnameserver 192.0.2.54\noptions timeout:2 edns0\n")


def test_host_network_cluster_first_falls_back_to_default():
    assert "nameserver 192.0.2.53" in render(pod("p", hostNetwork=True))
    assert "nameserver 10.244.1.1" in render(pod("p", hostNetwork=True, dnsPolicy="ClusterFirstWithHostNet"))


def test_none_uses_only_dns_config():
    p = pod("p", dnsPolicy="None", dnsConfig={"nameservers": ["1.2.3.4"], "searches": ["a.example"],
                                               "options": [{"name": "ndots", "value": "2"}, {"name": "rotate"}]})
    assert render(p) == "search a.example\nnameserver 1.2.3.4\noptions ndots:2 rotate\n"


def test_dns_config_merges_into_cluster_first():
    p = pod("p", dnsConfig={"nameservers": ["1.2.3.4", "10.244.1.1"], "searches": ["extra.example"],
                            "options": [{"name": "ndots", "value": "2"}, {"name": "edns0"}]})
    assert render(p, host="") == (
        "search extra.example default.svc.cluster.local svc.cluster.local cluster.local\n"
        "nameserver 10.244.1.1\nnameserver 1.2.3.4\n"
        "options ndots:2 edns0\n")


def test_at_most_three_nameservers_and_32_searches():
    p = pod("p", dnsPolicy="None", dnsConfig={"nameservers": [f"1.1.1.{i}" for i in range(5)],
                                               "searches": [f"d{i}.example" for i in range(40)]})
    cfg = resolvconf.for_pod(p, "cluster.local", "10.244.1.1", DnsConfig())
    assert cfg.nameservers == ("1.1.1.0", "1.1.1.1", "1.1.1.2")
    assert len(cfg.searches) == 32


def test_parse_last_search_line_wins_and_comments_are_ignored():
    cfg = resolvconf.parse("search a.example b.example.\n#nameserver 9.9.9.9\nsearch c.example\n")
    assert cfg == DnsConfig((), ("c.example",), ())


def test_write_replaces_the_file(tmp_path):
    path = tmp_path / "pod" / "resolv.conf"
    resolvconf.write(str(path), "nameserver 1.1.1.1\n")
    resolvconf.write(str(path), "nameserver 2.2.2.2\n")
    assert path.read_text() == "nameserver 2.2.2.2\n"
    assert [p.name for p in path.parent.iterdir()] == ["resolv.conf"]
