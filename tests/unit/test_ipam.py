"""Pod IP allocation: pure choice of the next address, and the persisted PodIPAM."""
from __future__ import annotations

import json
from ipaddress import IPv4Address, IPv4Interface, IPv4Network

import pytest

from nodeagent.network.ipam import IPAMExhausted, PodIPAM, gateway_of, next_free


def test_gateway_is_first_host_with_cidr_prefix():
    assert gateway_of(IPv4Network("10.244.3.0/24")) == IPv4Interface("10.244.3.1/24")


def test_next_free_skips_network_gateway_and_broadcast():
    net = IPv4Network("10.244.1.0/30")  # .0 network, .1 gateway, .2 pod, .3 broadcast
    assert next_free(net, set(), None) == IPv4Address("10.244.1.2")
    assert next_free(net, {IPv4Address("10.244.1.2")}, None) is None


def test_next_free_goes_round_robin_after_the_last_and_wraps():
    net = IPv4Network("10.244.1.0/29")  # pods .2 - .6
    assert next_free(net, set(), IPv4Address("10.244.1.4")) == IPv4Address("10.244.1.5")
    assert next_free(net, set(), IPv4Address("10.244.1.6")) == IPv4Address("10.244.1.2")
    assert next_free(net, {IPv4Address("10.244.1.2")}, IPv4Address("10.244.1.6")) == IPv4Address("10.244.1.3")


def test_allocate_is_idempotent_per_uid(tmp_path):
    ipam = PodIPAM("10.244.1.0/24", str(tmp_path / "ipam.json"))
    first = ipam.allocate("uid-a")
    assert ipam.allocate("uid-a") == first
    assert first == IPv4Interface("10.244.1.2/24")


def test_never_hands_out_an_address_twice(tmp_path):
    ipam = PodIPAM("10.244.1.0/28", str(tmp_path / "ipam.json"))
    ips = [ipam.allocate(f"uid-{i}") for i in range(13)]  # .2 - .14
    assert len(set(ips)) == 13
    assert all(ip.ip not in (IPv4Address("10.244.1.0"), IPv4Address("10.244.1.1"), IPv4Address("10.244.1.15"))
               for ip in ips)


def test_released_address_is_reused_last(tmp_path):
    ipam = PodIPAM("10.244.1.0/24", str(tmp_path / "ipam.json"))
    a = ipam.allocate("a")
    ipam.release("a")
    assert ipam.allocate("b") != a


def test_allocations_survive_a_new_ipam_on_the_same_file(tmp_path):
    path = str(tmp_path / "state" / "ipam.json")
    before = PodIPAM("10.244.1.0/24", path)
    a = before.allocate("a")
    b = before.allocate("b")
    after = PodIPAM("10.244.1.0/24", path)
    assert after.allocations() == {"a": a.ip, "b": b.ip}
    assert after.allocate("a") == a
    assert after.allocate("c").ip not in (a.ip, b.ip)
    assert json.loads(open(path).read())["allocations"]["c"] == str(after.allocate("c").ip)


def test_exhaustion_raises_naming_the_cidr(tmp_path):
    ipam = PodIPAM("10.244.1.0/30", str(tmp_path / "ipam.json"))
    ipam.allocate("a")
    with pytest.raises(IPAMExhausted, match="10.244.1.0/30"):
        ipam.allocate("b")
    ipam.release("a")
    assert ipam.allocate("b") == IPv4Interface("10.244.1.2/30")


def test_retain_only_releases_every_other_uid(tmp_path):
    path = str(tmp_path / "ipam.json")
    ipam = PodIPAM("10.244.1.0/24", path)
    for uid in ("a", "b", "c"):
        ipam.allocate(uid)
    assert sorted(ipam.retain_only(["b", "unknown"])) == ["a", "c"]
    assert list(ipam.allocations()) == ["b"]
    assert list(PodIPAM("10.244.1.0/24", path).allocations()) == ["b"]


def test_addresses_outside_a_changed_pod_cidr_are_dropped(tmp_path):
    path = str(tmp_path / "ipam.json")
    PodIPAM("10.244.1.0/24", path).allocate("a")
    assert PodIPAM("10.244.7.0/24", path).allocations() == {}
