"""Losing one etcd member of three (quorum kept): writes through the API server in flight at that moment
are all acknowledged, and each of them is stored once."""
from __future__ import annotations

import asyncio

from tests.fixtures.apiserver import admin_client
from tests.fixtures.objects import pod
from tests.fixtures.wait import eventually

# How long the API server takes to serve again is the fault suite's figure (tests/perf/faults.py); this
# proves the behaviour: every write in flight when the member died is acknowledged, none fails with
# Unavailable (before, an attempt held by a dead leader used up the whole 5 s etcd request timeout), and
# each is stored once.


async def _leader(cluster):
    return await eventually(cluster.leader, timeout=20)


async def _writes_survive_losing(leader, endpoints: list[str], apiserver_factory) -> None:
    server = await apiserver_factory(endpoints)
    async with admin_client(server.address) as client:
        await client.create(pod("before"))
        leader.kill()
        names = [f"after-{i}" for i in range(10)]
        await asyncio.gather(*(client.create(pod(name)) for name in names))
        stored = sorted(p.metadata.name for p in (await client.list("Pod")).items)
        assert stored == sorted(["before", *names])


async def test_writes_complete_when_the_member_the_api_server_uses_dies(etcd_cluster, apiserver_factory):
    leader = await _leader(etcd_cluster)  # the worst member to lose: its connection and raft's leader at once
    others = [m.endpoint for m in etcd_cluster.members if m is not leader]
    await _writes_survive_losing(leader, [leader.endpoint, *others], apiserver_factory)


async def test_writes_complete_when_the_leader_dies_behind_the_member_in_use(etcd_cluster, apiserver_factory):
    leader = await _leader(etcd_cluster)
    followers = [m.endpoint for m in etcd_cluster.members if m is not leader]
    # The API server's member stays up; the writes it forwards to the dead leader are lost without a word.
    await _writes_survive_losing(leader, [*followers, leader.endpoint], apiserver_factory)
