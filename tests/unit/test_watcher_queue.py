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
