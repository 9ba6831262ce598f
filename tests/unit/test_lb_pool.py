"""The load-balancer address pool as plain data: flag parsing, lowest-first allocation, requested
addresses, ownership across a restart, and MetalLB's wording when nothing fits."""
from __future__ import annotations

import pytest

from controlplane.controllers.loadbalancer.pool import AllocationFailed, Pool, PoolError, parse


def test_ranges_cidrs_and_single_addresses_parse_and_sort():
    assert Pool("10.250.0.200-10.250.0.202, 10.0.0.0/30,10.9.9.9").size() == 3 + 2 + 1
    assert parse("") == []


@pytest.mark.parametrize("spec", ["10.0.0.5-10.0.0.1", "nonsense", "10.0.0.1-::1", "10.0.0.0/33"])
def test_bad_pool_names_the_part_at_fault(spec):
    with pytest.raises(PoolError, match="--load-balancer-pool"):
        parse(spec)


def test_allocates_lowest_free_first_and_reuses_released():
    pool = Pool("10.250.0.200-10.250.0.201")
    assert pool.allocate("ns/a") == "10.250.0.200"
    assert pool.allocate("ns/b") == "10.250.0.201"
    with pytest.raises(AllocationFailed, match="no available IPs"):
        pool.allocate("ns/c")
    pool.release("10.250.0.200", "ns/a")
    assert pool.allocate("ns/c") == "10.250.0.200"


def test_empty_pool_has_no_addresses():
    with pytest.raises(AllocationFailed, match="no available IPs"):
        Pool("").allocate("ns/a")


def test_requested_address_is_honoured_when_in_pool_and_free():
    pool = Pool("10.250.0.200-10.250.0.210")
    assert pool.allocate("ns/a", "10.250.0.205") == "10.250.0.205"
    assert pool.allocate("ns/a", "10.250.0.205") == "10.250.0.205"  # asking again for one's own is fine
    with pytest.raises(AllocationFailed, match='"10.250.0.205" is already in use by "ns/a"'):
        pool.allocate("ns/b", "10.250.0.205")
    with pytest.raises(AllocationFailed, match='"10.9.9.9" is not allowed in config'):
        pool.allocate("ns/b", "10.9.9.9")


def test_occupied_addresses_from_statuses_are_not_handed_out_again():
    pool = Pool("10.250.0.200-10.250.0.201")
    assert pool.occupy("10.250.0.200", "ns/a")
    assert not pool.occupy("10.250.0.200", "ns/b")  # two statuses claiming one address: the first keeps it
    assert not pool.occupy("10.9.9.9", "ns/c")
    assert pool.allocate("ns/b") == "10.250.0.201"


def test_release_by_someone_else_keeps_the_owner():
    pool = Pool("10.250.0.200")
    pool.allocate("ns/a")
    pool.release("10.250.0.200", "ns/b")
    assert pool.holder("10.250.0.200") == "ns/a"
