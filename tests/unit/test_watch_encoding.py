"""Watch events go out encoded once, whatever the number of watchers: a single event as its WatchEvent, a
batch as the join of its elements, which parses as one WatchEvent carrying every event in order."""
from __future__ import annotations

from api import kinds
from controlplane.apiserver.service import _batch_element, _watch_event
from controlplane.apiserver.watchcache import Event
from proto import api_pb2
from tests.fixtures.objects import pod


def _event(name: str, revision: int, type_: str = "ADDED") -> Event:
    obj = pod(name)
    obj.metadata.resource_version = str(revision)
    return Event(type_, revision, obj)


def test_a_single_event_parses_as_its_watch_event():
    sent = api_pb2.WatchEvent.FromString(_watch_event(_event("a", 7, "MODIFIED")))
    assert (sent.type, sent.resource_version, kinds.unwrap(sent.object).metadata.name) == ("MODIFIED", "7", "a")
    bookmark = api_pb2.WatchEvent.FromString(_watch_event(Event("BOOKMARK", 9, None)))
    assert (bookmark.type, bookmark.resource_version, bookmark.HasField("object")) == ("BOOKMARK", "9", False)


def test_a_batch_parses_as_one_watch_event_with_every_event_in_order():
    events = [_event("a", 5), _event("b", 6, "MODIFIED"), Event("BOOKMARK", 6, None), _event("c", 8, "DELETED")]
    batch = api_pb2.WatchEvent.FromString(b"".join(_batch_element(e) for e in events))
    assert [(e.type, e.resource_version) for e in batch.events] == [
        ("ADDED", "5"), ("MODIFIED", "6"), ("BOOKMARK", "6"), ("DELETED", "8")]
    assert [kinds.unwrap(e.object).metadata.name for e in batch.events if e.HasField("object")] == ["a", "b", "c"]
    assert not batch.type and not batch.HasField("object")


def test_an_event_is_encoded_once_for_every_watcher():
    event = _event("a", 5)
    assert _watch_event(event) is _watch_event(event)
    assert _batch_element(event) is _batch_element(event)
