"""How the watch cache turns one stream of changes into what each filtered watcher sees."""
from __future__ import annotations

from controlplane.apiserver.watchcache import Event, Watcher
from tests.fixtures.objects import pod


def web_only(p):
    return p.metadata.labels.get("app") == "web"


def test_object_entering_a_selection_is_added():
    w = Watcher(web_only)
    w.offer(Event("MODIFIED", 5, pod("p", labels={"app": "web"}), pod("p", labels={"app": "db"})))
    assert w.queue.get_nowait().type == "ADDED"


def test_object_leaving_a_selection_is_deleted():
    w = Watcher(web_only)
    w.offer(Event("MODIFIED", 5, pod("p", labels={"app": "db"}), pod("p", labels={"app": "web"})))
    assert w.queue.get_nowait().type == "DELETED"


def test_unrelated_changes_are_not_sent():
    w = Watcher(web_only)
    w.offer(Event("MODIFIED", 5, pod("p", labels={"app": "db"}), pod("p", labels={"app": "db"})))
    assert w.queue.empty()


def test_namespace_limits_a_watcher():
    w = Watcher(lambda p: True, namespace="prod")
    w.offer(Event("ADDED", 5, pod("p", namespace="dev")))
    assert w.queue.empty()


def test_events_already_seen_are_skipped():
    w = Watcher(lambda p: True, after=7)
    w.offer(Event("ADDED", 7, pod("p")))
    w.offer(Event("ADDED", 8, pod("q")))
    assert w.queue.get_nowait().obj.metadata.name == "q"
    assert w.queue.empty()


def test_bookmarks_only_for_watchers_that_asked():
    plain, asking = Watcher(lambda p: True), Watcher(lambda p: True, bookmarks=True)
    for w in (plain, asking):
        w.offer(Event("BOOKMARK", 9, None))
    assert plain.queue.empty() and asking.queue.get_nowait().revision == 9
