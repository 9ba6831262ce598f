"""Leader election recovers without waiting out the lease: a crashed leader restarted under its own identity
takes its lease back at once, and a leader stopped cleanly gives the lease to a standby at once."""
from __future__ import annotations

import asyncio
import contextlib

from api.leaderelection import LEASE_NAMESPACE, LeaderElector, default_identity
from tests.fixtures.wait import eventually

LEASE = "skiff-test-component"
# Far longer than any wait below: a takeover seen within the test's deadlines did not wait for expiry.
LONG_LEASE = dict(lease_duration=120.0, renew_deadline=100.0, retry_period=0.2)
WAIT = 20.0


@contextlib.asynccontextmanager
async def campaigning(client, identity: str, release_on_cancel: bool = True):
    """An elector campaigning for LEASE and leading (doing nothing) once it wins; cancelled at the end."""
    elector = LeaderElector(client, LEASE, identity=identity, release_on_cancel=release_on_cancel, **LONG_LEASE)
    task = asyncio.create_task(elector.run(asyncio.Event().wait))
    try:
        yield elector
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def holder(client) -> str:
    return (await client.get("Lease", LEASE, LEASE_NAMESPACE)).spec.holder_identity


async def test_a_crashed_leader_restarted_under_its_identity_leads_at_once(client):
    async with campaigning(client, "host-a_component", release_on_cancel=False) as crashed:
        await eventually(lambda: crashed.is_leader, WAIT)
    assert await holder(client) == "host-a_component"  # a crash gives nothing back
    async with campaigning(client, "host-b_component") as standby:
        async with campaigning(client, "host-a_component") as restarted:
            await eventually(lambda: restarted.is_leader, WAIT, what="the restarted leader leads again")
            assert not standby.is_leader
            lease = await client.get("Lease", LEASE, LEASE_NAMESPACE)
            assert (lease.spec.holder_identity, lease.spec.lease_transitions) == ("host-a_component", 0)


async def test_a_leader_stopped_cleanly_hands_over_at_once(client):
    async with contextlib.AsyncExitStack() as stack:
        leader = await stack.enter_async_context(campaigning(client, "host-a_component"))
        await eventually(lambda: leader.is_leader, WAIT)
        async with campaigning(client, "host-b_component") as standby:
            await stack.aclose()  # the leader stops (cancelled, as on SIGTERM)
            await eventually(lambda: standby.is_leader, WAIT, what="the standby leads before the lease expires")
            lease = await client.get("Lease", LEASE, LEASE_NAMESPACE)
            assert (lease.spec.holder_identity, lease.spec.lease_transitions) == ("host-b_component", 1)


def test_the_default_identity_is_the_same_on_every_start():
    assert default_identity("skiff-scheduler") == default_identity("skiff-scheduler")
    assert default_identity("skiff-scheduler") != default_identity("skiff-controller-manager")
