"""The simulated pod network (hollow nodes, the fake runtime): addresses from the podCIDR, in memory only."""
from __future__ import annotations

from nodeagent.podnetwork import SimulatedNetwork


async def test_pods_get_no_address_until_the_node_has_a_pod_cidr():
    network = SimulatedNetwork()
    await network.start("")
    assert await network.setup("u1", 0) == ""


async def test_each_pod_keeps_its_own_address_and_gone_pods_give_theirs_back():
    network = SimulatedNetwork()
    await network.start("10.244.3.0/24")
    first, second = await network.setup("u1", 0), await network.setup("u2", 0)
    assert first != second and first.startswith("10.244.3.") and await network.setup("u1", 0) == first
    assert await network.retain_only({"u2"}) == ["u1"]
    assert await network.setup("u2", 0) == second
