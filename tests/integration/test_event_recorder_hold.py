"""The event recorder holding its writes back: events recorded while it is held reach the API server once
no one holds it, or once they have waited HOLD_MAX_S, whichever comes first."""
from __future__ import annotations

from api import events
from api.events import EventRecorder
from tests.fixtures.objects import from_yaml
from tests.fixtures.wait import eventually

POD = """
apiVersion: v1
kind: Pod
metadata: {name: held, namespace: default}
spec:
  containers: [{name: app, image: busybox:latest}]
"""


async def reasons(client) -> list[str]:
    return sorted(e.reason for e in (await client.list("Event", "default",
                                                       field_selector="involvedObject.name=held")).items)


async def test_events_recorded_while_held_are_written_when_the_hold_ends(client, monkeypatch):
    monkeypatch.setattr(events, "HOLD_MAX_S", 60.0)
    pod = await client.create(from_yaml(POD))
    recorder = EventRecorder(client, "test")
    recorder.start(writers=1)
    try:
        with recorder.held():
            with recorder.held():  # holds nest: the writes wait for the last one to end
                recorder.normal(pod, "Pulled", "pulled")
                recorder.normal(pod, "Created", "created")
            await eventually(lambda: recorder._queue.qsize() == 1, 10, what="the writer took the first event")
            assert await reasons(client) == []  # taken, and waiting for the hold to end
        assert await eventually(lambda: _all_of(client, ["Created", "Pulled"]), 10, what="both events written")
    finally:
        await recorder.stop()


async def test_an_event_waits_for_a_hold_at_most_hold_max_s(client, monkeypatch):
    monkeypatch.setattr(events, "HOLD_MAX_S", 0.2)
    pod = await client.create(from_yaml(POD))
    recorder = EventRecorder(client, "test")
    recorder.start(writers=1)
    try:
        with recorder.held():  # a hold that outlasts the wait: the event is written anyway
            recorder.normal(pod, "Started", "started")
            assert await eventually(lambda: _all_of(client, ["Started"]), 10, what="the event written while held")
    finally:
        await recorder.stop()


async def _all_of(client, expected: list[str]) -> bool:
    return await reasons(client) == expected
