"""A watcher that falls behind is told to re-list (Expired), never to resume past what it missed; its
initial state does not count against the queue."""
import asyncio

import pytest

from api import errors
from controlplane.apiserver import watchcache
from controlplane.apiserver.watchcache import Event, Watcher
from tests.fixtures.objects import pod


def _event(i: int, kind: str = "ADDED") -> Event:
    obj = pod(f"p{i}")
    obj.metadata.resource_version = str(i)
    return Event(kind, i, obj)


async def test_watcher_falling_behind_is_told_to_relist():
    w = Watcher(lambda obj: True)
    for i in range(1, watchcache.WATCHER_QUEUE + 2):
        w.offer(_event(i))
    with pytest.raises(errors.Expired) as expired:
        while True:
            await asyncio.wait_for(w.next_event(), 1)
    assert "re-list" in expired.value.message and "too old resource version" in expired.value.message


async def test_initial_state_larger_than_the_queue_is_delivered_before_changes():
    w = Watcher(lambda obj: True)
    for i in range(1, watchcache.WATCHER_QUEUE * 2):
        w.offer_initial(_event(i))
    w.offer(_event(10 ** 6, "MODIFIED"))
    revisions = [(await w.next_event()).revision for _ in range(watchcache.WATCHER_QUEUE * 2)]
    assert revisions == [*range(1, watchcache.WATCHER_QUEUE * 2), 10 ** 6]
    assert w.closed is None


async def test_events_waiting_behind_one_go_out_together_in_order_and_bounded():
    w = Watcher(lambda obj: True)
    for i in range(1, 8):
        w.offer(Event("ADDED", i, pod(f"p{i}"), size=100))
    first = await w.next_event()
    assert [e.revision for e in w.waiting(3, 10_000)] == [2, 3, 4]  # at most 3
    assert [e.revision for e in w.waiting(10, 150)] == [5, 6]  # stops once 150 bytes are taken
    assert first.revision == 1 and [e.revision for e in w.waiting(10, 10_000)] == [7]
    assert w.waiting(10, 10_000) == []  # nothing waits: no wait either


async def test_no_change_overtakes_the_initial_state_and_a_closed_watcher_yields_nothing_more():
    w = Watcher(lambda obj: True)
    w.offer_initial(_event(1))
    w.offer(_event(2, "MODIFIED"))
    assert w.waiting(10, 10_000) == []
    assert (await w.next_event()).revision == 1
    assert [e.revision for e in w.waiting(10, 10_000)] == [2]
    w.offer(_event(3, "MODIFIED"))
    w.close(errors.Expired("gone"))
    assert w.waiting(10, 10_000) == []
    with pytest.raises(errors.Expired):
        await w.next_event()
