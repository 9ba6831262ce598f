"""Bookmarks as Kubernetes sends them: only to watchers that asked, the first at the next progress tick,
then one per period (a minute), not one per tick to every watcher."""
from __future__ import annotations

from api import kinds
from controlplane.apiserver.watchcache import WatchCache, Watcher


def _cache(bookmark_every: float) -> WatchCache:
    cache = WatchCache(None, kinds.lookup("Pod"), b"/registry/pods/", decode=None, bookmark_every=bookmark_every)
    cache.revision = 42
    return cache


def _bookmarks(w: Watcher) -> list[int]:
    got = []
    while not w.queue.empty():
        event = w.queue.get_nowait()
        assert event.type == "BOOKMARK"
        got.append(event.revision)
    return got


async def test_a_new_watcher_that_asked_gets_a_bookmark_at_the_next_tick_then_none_until_its_period():
    cache = _cache(bookmark_every=60)
    asking, plain = Watcher(lambda p: True, bookmarks=True), Watcher(lambda p: True)
    cache.watch(42, asking)
    cache.watch(42, plain)
    cache.send_bookmarks()
    cache.send_bookmarks()
    assert _bookmarks(asking) == [42]
    assert _bookmarks(plain) == []


async def test_a_watcher_gets_a_bookmark_each_period_with_the_cache_revision():
    cache = _cache(bookmark_every=0)  # every tick is a period
    w = Watcher(lambda p: True, bookmarks=True)
    cache.watch(42, w)
    cache.send_bookmarks()
    cache.revision = 50
    cache.send_bookmarks()
    assert _bookmarks(w) == [42, 50]


async def test_a_watch_that_ended_gets_no_more_bookmarks():
    cache = _cache(bookmark_every=0)
    w = Watcher(lambda p: True, bookmarks=True)
    cache.watch(42, w)
    cache.unwatch(w)
    cache.send_bookmarks()
    assert _bookmarks(w) == []
