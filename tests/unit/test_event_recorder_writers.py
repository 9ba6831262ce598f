"""The event recorder writes as many events at once as it has writers, so a component that records one event
per operation (the scheduler: Scheduled, per binding) keeps up however long each API round trip takes."""
from __future__ import annotations

import asyncio

from api.events import EventRecorder
from controlplane.controllers.core.controller import event_source
from tests.fixtures.objects import pod
from tests.fixtures.wait import eventually


class SlowApi:
    """A client whose every create waits until released: a loaded API server."""

    def __init__(self):
        self.in_flight = 0
        self.written = 0
        self.release = asyncio.Event()

    async def create(self, event):
        self.in_flight += 1
        await self.release.wait()
        self.in_flight -= 1
        self.written += 1
        return event


async def test_a_recorder_has_as_many_writes_in_flight_as_writers():
    api = SlowApi()
    recorder = EventRecorder(api, "test")
    recorder.start(writers=16)
    try:
        for i in range(40):
            recorder.normal(pod(f"p{i}"), "Scheduled", f"assigned p{i}")
        await eventually(lambda: api.in_flight == 16, 10, what="16 events in flight")
        api.release.set()
        await eventually(lambda: api.written == 40, 10, what="every event written")
    finally:
        api.release.set()
        await recorder.stop()


class RecordingApi:
    def __init__(self):
        self.events = []

    async def create(self, event):
        self.events.append(event)
        return event


async def test_a_signed_recorder_writes_through_the_same_writers_under_its_own_component():
    api = RecordingApi()
    recorder = EventRecorder(api, "controller-manager")
    recorder.start(writers=1)
    try:
        recorder.signed("deployment-controller").normal(pod("a"), "ScalingReplicaSet", "up")
        recorder.normal(pod("b"), "Other", "x")
        await eventually(lambda: len(api.events) == 2, 10, what="both events written")
    finally:
        await recorder.stop()
    assert [(e.source.component, e.reporting_component) for e in api.events] == [
        ("deployment-controller", "deployment-controller"), ("controller-manager", "controller-manager")]


def test_controllers_sign_events_as_kubernetes_controllers_do():
    assert [event_source(n) for n in ("deployment", "replicaset", "replicationcontroller", "disruption")] == [
        "deployment-controller", "replicaset-controller", "replication-controller", "controllermanager"]
