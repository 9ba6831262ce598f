"""Coalesced syncs: never two at once, a burst of requests during a run causes exactly one more run,
and a failed run is retried."""
from __future__ import annotations

import asyncio

from api.retry import Backoff
from api.tasks import cancel_and_wait
from nodeagent.proxy.coalesce import Coalescer
from tests.fixtures.wait import eventually


async def test_requests_during_a_run_cause_exactly_one_more():
    release = asyncio.Event()
    in_flight = 0
    most = 0
    calls = 0

    async def action():
        nonlocal in_flight, most, calls
        calls += 1
        in_flight += 1
        most = max(most, in_flight)
        if calls == 1:
            await release.wait()
        in_flight -= 1

    c = Coalescer(action, "test")
    task = asyncio.create_task(c.run())
    try:
        c.request()
        await eventually(lambda: calls == 1)
        for _ in range(50):
            c.request()
        release.set()
        await eventually(lambda: c.runs == 2)
        assert (calls, most, c.pending) == (2, 1, False)  # the burst made one run, and nothing is left
    finally:
        await cancel_and_wait(task)


async def test_a_failed_run_is_retried_and_an_idle_resync_runs_anyway():
    outcomes = [RuntimeError("nft failed"), None]

    async def action():
        outcome = outcomes.pop(0) if outcomes else None
        if outcome is not None:
            raise outcome

    c = Coalescer(action, "test", backoff=Backoff(0.01, 0.02), resync_period=0.05)
    task = asyncio.create_task(c.run())
    try:
        c.request()
        await eventually(lambda: c.runs >= 1, timeout=5)
        assert c.failures == 1
        await eventually(lambda: c.runs >= 3, timeout=5)  # no requests: the resync period still runs it
    finally:
        await cancel_and_wait(task)
