"""Recording Events (Scheduled, Pulled, Killing, ...) so `skiff describe` can tell an object's story.

Recording never blocks the caller: events queue up and one task writes them, folding repeats into a count.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from google.protobuf.message import Message

from api import errors, kinds, meta
from api.client import Client
from api.tasks import cancel_and_wait
from proto import types_pb2

log = logging.getLogger(__name__)

NORMAL, WARNING = "Normal", "Warning"
QUEUE_SIZE = 10_000
WRITERS = 4
FOLD_WINDOW_S = 600  # repeats within ten minutes bump the count of one Event, as Kubernetes does
HOLD_MAX_S = 1.0  # the longest an event waits for the work holding the writes back (`held`)


def reference(obj: Message) -> types_pb2.ObjectReference:
    kind = kinds.of(obj)
    m = obj.metadata
    return types_pb2.ObjectReference(kind=kind.name, api_version=kind.api_version, namespace=m.namespace,
                                     name=m.name, uid=m.uid, resource_version=m.resource_version)


class EventRecorder:
    def __init__(self, client: Client, component: str, host: str = ""):
        self.client = client
        self.component = component
        self.host = host
        self._queue: asyncio.Queue = asyncio.Queue(QUEUE_SIZE)
        self._recent: dict[tuple, tuple[types_pb2.Event, float]] = {}
        self._tasks: list[asyncio.Task] = []
        self._holds = 0
        self._unheld = asyncio.Event()
        self._unheld.set()

    def start(self, writers: int = WRITERS) -> None:
        # a few writers in parallel, so one API round trip per event does not cap the rate
        self._tasks = [asyncio.create_task(self._run(), name=f"events-{self.component}-{i}")
                       for i in range(writers)]

    async def stop(self, flush_timeout: float = 2.0) -> None:
        """Write what is queued (for at most `flush_timeout` s), then stop."""
        if not self._tasks:
            return
        try:
            await asyncio.wait_for(self._queue.join(), flush_timeout)
        except asyncio.TimeoutError:
            pass
        for task in self._tasks:
            await cancel_and_wait(task)
        self._tasks = []

    @contextlib.contextmanager
    def held(self):
        """Events recorded meanwhile wait to be written (each at most HOLD_MAX_S) until no one holds them: on a
        busy node, writing a pod's Pulled, Created and Started events (the API server's and etcd's work too)
        would share the CPU with the very container starts the pod waits for."""
        self._holds += 1
        self._unheld.clear()
        try:
            yield
        finally:
            self._holds -= 1
            if self._holds == 0:
                self._unheld.set()

    def normal(self, obj: Message, reason: str, message: str) -> None:
        self.record(obj, NORMAL, reason, message)

    def warning(self, obj: Message, reason: str, message: str) -> None:
        self.record(obj, WARNING, reason, message)

    def signed(self, component: str) -> "SignedRecorder":
        """This recorder's writers, with events signed by `component` (each controller of the manager, as
        Kubernetes' deployment-controller, replicaset-controller...)."""
        return SignedRecorder(self, component)

    def record(self, obj: Message, type_: str, reason: str, message: str, component: str = "") -> None:
        try:
            self._queue.put_nowait((time.monotonic(), reference(obj), type_, reason, message, meta.now(),
                                    component or self.component))
        except asyncio.QueueFull:
            log.warning("event queue full; dropping %s %s for %s", type_, reason, obj.metadata.name)

    async def _run(self) -> None:
        while True:
            queued_at, *item = await self._queue.get()
            try:
                if not self._unheld.is_set():
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(self._unheld.wait(), HOLD_MAX_S - (time.monotonic() - queued_at))
                await self._write(*item)
            except asyncio.CancelledError:
                raise
            except errors.ApiError as e:
                log.debug("could not record event %s: %s", item[2], e)
            except Exception:
                log.exception("could not record event %s", item[2])
            finally:
                self._queue.task_done()

    async def _write(self, ref, type_, reason, message, moment, component) -> None:
        stamp = meta.format_time(moment)
        fold_key = (ref.uid, ref.name, type_, reason, message, component)
        folded = self._recent.get(fold_key)
        if folded is not None and time.monotonic() - folded[1] < FOLD_WINDOW_S:
            event = folded[0]
            event.count += 1
            event.last_timestamp = stamp
            try:
                event = await self.client.update(event)
                self._recent[fold_key] = (event, time.monotonic())
                return
            except (errors.NotFound, errors.Conflict):
                pass  # fall through and write a fresh event
        namespace = ref.namespace or "default"
        event = kinds.BY_NAME["Event"].new(
            metadata=types_pb2.ObjectMeta(name=f"{ref.name}.{time.time_ns():x}", namespace=namespace),
            involved_object=ref, reason=reason, message=message, type=type_, count=1,
            first_timestamp=stamp, last_timestamp=stamp, event_time=meta.format_micro_time(moment),
            source=types_pb2.EventSource(component=component, host=self.host),
            reporting_component=component, reporting_instance=self.host)
        event = await self.client.create(event)
        if len(self._recent) > 4096:
            self._recent.clear()
        self._recent[fold_key] = (event, time.monotonic())


class SignedRecorder:
    """An EventRecorder's queue and writers under another component's name."""

    def __init__(self, recorder: EventRecorder, component: str):
        self.recorder, self.component = recorder, component

    def normal(self, obj: Message, reason: str, message: str) -> None:
        self.recorder.record(obj, NORMAL, reason, message, self.component)

    def warning(self, obj: Message, reason: str, message: str) -> None:
        self.recorder.record(obj, WARNING, reason, message, self.component)

    def record(self, obj: Message, type_: str, reason: str, message: str) -> None:
        self.recorder.record(obj, type_, reason, message, self.component)
