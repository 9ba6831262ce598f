"""One watch cache per kind: a single etcd watch fanned out to any number of API watchers.

It keeps the current objects and a window of recent events (bounded in count and in bytes), so a watcher
can start from any resourceVersion inside the window; older ones get Expired ("too old") and must re-list.
"""
from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from google.protobuf.message import Message

from api import errors
from api.kinds import Kind
from api.tasks import cancel_and_wait
from controlplane.apiserver import storage as st

log = logging.getLogger(__name__)

HISTORY_EVENTS = 20_000
# The history's bound in stored (encoded) bytes, whatever the event count: a large object updated in a
# loop must not hold gigabytes of old versions.
HISTORY_BYTES = 16 * 1024 * 1024
# Live events waiting for one watcher; the initial state of a watch does not go through this queue.
WATCHER_QUEUE = 10_000
LIST_CHUNK = 1000
# etcd is asked where it stands this often: an idle kind's revision moves on, and reads waiting for it
# (wait_for_revision) are answered within that time.
PROGRESS_EVERY_S = 1.0
# Kubernetes' bookmark frequency: a watcher that asked for bookmarks gets one a minute, the first at the
# next progress tick (a new watch hears at once where it stands). A bookmark every tick to every watcher
# cost half a core with 10,000 idle watches.
BOOKMARK_EVERY_S = 60.0


@dataclass(frozen=True)
class Event:
    type: str  # ADDED, MODIFIED, DELETED, BOOKMARK
    revision: int
    obj: Message | None  # the object (for DELETED: its last state, stamped with the deleting revision)
    prev: Message | None = None  # the object before a MODIFIED or DELETED
    # The event's wire form, built once and shared by every watcher that is sent it.
    wire: dict = field(default_factory=dict, compare=False, repr=False)
    size: int = field(default=0, compare=False)  # bytes of the stored value, for the history's bound


Predicate = Callable[[Message], bool]


@dataclass(eq=False)
class Watcher:
    """One API watch: a queue of events that match its filter."""

    matches: Predicate
    namespace: str = ""
    bookmarks: bool = False
    # The value of its kind's trigger field (a pod's spec.nodeName) this watcher selects, if any.
    trigger: str | None = None
    # Events at or before this revision were already seen by the client.
    after: int = 0
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(WATCHER_QUEUE))
    # The state the watch starts from, sent before any queued change: as large as the kind is.
    initial: deque = field(default_factory=deque)
    closed: BaseException | None = None

    def offer(self, event: Event) -> None:
        out = self._filter(event)
        if out is None:
            return
        try:
            self.queue.put_nowait(out)
        except asyncio.QueueFull:
            # A watcher that cannot keep up is dropped and told to re-list: resuming from the last version
            # it saw would skip the changes that were dropped here.
            self.close(errors.Expired(
                f"too old resource version: the watcher fell more than {WATCHER_QUEUE} events behind; "
                f"re-list, then watch again"))

    def offer_initial(self, event: Event) -> None:
        out = self._filter(event)
        if out is not None:
            self.initial.append(out)

    async def next_event(self) -> Event:
        """The next event for the client: the initial state first, then changes; raises once closed."""
        if self.closed is not None:
            raise self.closed
        if self.initial:
            return self.initial.popleft()
        event = await self.queue.get()
        if event is None:
            raise self.closed
        return event

    def caught_up(self) -> bool:
        """Whether every event offered so far was taken (the cache's revision is then this watcher's)."""
        return not self.initial and self.queue.empty()

    def waiting(self, most: int, most_bytes: int) -> list[Event]:
        """The changes already queued, without waiting: what the next message can carry with the event just
        taken. At most `most` of them, and they stop once `most_bytes` of objects are taken (so a batch is
        at most that plus one object). None while the initial state is still being sent, so that nothing
        overtakes it, and none once closed."""
        events: list[Event] = []
        size = 0
        while (len(events) < most and size < most_bytes and not self.initial and self.closed is None
               and not self.queue.empty()):
            event = self.queue.get_nowait()
            if event is None:  # closed just now: what was taken goes out; the next next_event() raises
                break
            events.append(event)
            size += event.size
        return events

    def _filter(self, event: Event) -> Event | None:
        if event.type == "BOOKMARK":
            return event if self.bookmarks else None
        if event.revision <= self.after:
            return None
        if self.namespace and event.obj.metadata.namespace != self.namespace:
            return None
        new_ok = event.type != "DELETED" and self.matches(event.obj)
        old_ok = event.prev is not None and self.matches(event.prev)
        if event.type == "DELETED":
            return event if old_ok else None
        if new_ok and old_ok:
            return event
        if new_ok:
            return Event("ADDED", event.revision, event.obj, event.prev, size=event.size)
        if old_ok and event.type == "MODIFIED":
            # The object left this watcher's selection: to the watcher it is gone.
            gone = type(event.prev)()
            gone.CopyFrom(event.obj)
            return Event("DELETED", event.revision, gone, event.prev, size=event.size)
        return None

    def close(self, reason: BaseException | None = None) -> None:
        if self.closed is None:
            self.closed = reason or errors.Unavailable("watch closed")
            # Wake the reader: a None on the queue means "look at `closed`".
            try:
                self.queue.put_nowait(None)
            except asyncio.QueueFull:
                self.queue.get_nowait()
                self.queue.put_nowait(None)


class WatchCache:
    """The current objects of one kind and its recent history, kept from a single etcd watch."""

    def __init__(self, store: st.Storage, kind: Kind, prefix: bytes,
                 decode: Callable[[bytes, int], Message], history: int = HISTORY_EVENTS,
                 history_bytes: int = HISTORY_BYTES,
                 progress_every: float = PROGRESS_EVERY_S, bookmark_every: float = BOOKMARK_EVERY_S,
                 trigger: Callable[[Message], str] | None = None):
        self._storage = store
        self.kind = kind
        self._prefix = prefix
        self._decode = decode
        self._history: deque[Event] = deque()
        self._history_max = history
        self._history_max_bytes = history_bytes
        self._history_bytes = 0
        self._progress_every = progress_every
        self._bookmark_every = bookmark_every
        # When each watcher that asked for bookmarks is due its next one, earliest first (a heap of
        # (time, tie-breaker, watcher)): a tick touches only the watchers due, not every watcher.
        self._bookmarks_due: list[tuple[float, int, Watcher]] = []
        self._tie = itertools.count()
        # Routes events to the watchers indexed by this value (Kubernetes' watch-cache trigger).
        self._trigger = trigger
        self.objects: dict[bytes, Message] = {}
        self.revision = 0  # every change up to here is applied
        # Counts the changes to `objects` (a re-list included). Unlike `revision`, which etcd's progress
        # marks move every second, it says whether anything derived from the objects must be rebuilt.
        self.generation = 0
        self._oldest = 0  # the history holds every event after this revision
        self._watchers: set[Watcher] = set()
        self._by_trigger: dict[str, set[Watcher]] = {}
        self._plain: set[Watcher] = set()  # watchers without a trigger value
        self._synced = asyncio.Event()
        self._waiters: list[tuple[Callable[[], bool], asyncio.Future]] = []  # (condition, woken when it holds)
        self._task: asyncio.Task | None = None

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"watchcache-{self.kind.plural}")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        for w in list(self._watchers):
            w.close(errors.Unavailable("API server shutting down"))

    async def wait_synced(self, timeout: float | None = None) -> None:
        await asyncio.wait_for(self._synced.wait(), timeout)

    async def _run(self) -> None:
        backoff = 0.1
        need_list = True
        while True:
            try:
                if need_list:
                    await self._relist()
                    need_list = False
                async for item in self._storage.watch(self._prefix, self.revision + 1, self._progress_every):
                    backoff = 0.1
                    if isinstance(item, st.Progress):
                        await self._advance(item.revision)
                        self.send_bookmarks()
                    else:
                        self._apply(item)
            except errors.Expired as e:
                log.warning("%s watch expired (%s); re-listing", self.kind.plural, e)
                need_list = True
                for w in list(self._watchers):
                    w.close(errors.Expired(str(e)))
            except errors.ApiError as e:
                log.warning("%s watch interrupted: %s; retrying in %.1fs", self.kind.plural, e, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s watch cache failed; re-listing", self.kind.plural)
                need_list = True
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)

    async def _relist(self) -> None:
        objects: dict[bytes, Message] = {}
        start, revision = None, 0
        while True:
            items, read_at, more = await self._storage.list(self._prefix, start, LIST_CHUNK, revision)
            revision = revision or read_at
            for kv in items:
                objects[kv.key] = self._decode(kv.value, kv.mod_revision)
            if not more:
                break
            start = items[-1].key + b"\0"
        self.objects = objects
        self._history.clear()
        self._history_bytes = 0
        self.revision = self._oldest = revision
        self.generation += 1
        self._synced.set()
        await self._advance(revision)

    # ------------------------------------------------------------ events in

    def _apply(self, ev: st.WatchEvent) -> None:
        revision = ev.kv.mod_revision
        # The state before the event is the cache's own copy (it holds every key under its prefix since the
        # last list), so etcd is not asked to read each previous value back and send it along.
        prev = self.objects.get(ev.kv.key)
        if ev.type == "DELETE":
            self.objects.pop(ev.kv.key, None)
            if prev is None:
                return
            gone = type(prev)()
            gone.CopyFrom(prev)
            gone.metadata.resource_version = str(revision)
            event = Event("DELETED", revision, gone, prev, size=len(ev.kv.key) + prev.ByteSize())
        else:
            obj = self._decode(ev.kv.value, revision)
            self.objects[ev.kv.key] = obj
            event = Event("MODIFIED" if prev is not None else "ADDED", revision, obj, prev,
                          size=len(ev.kv.key) + len(ev.kv.value))
        self._remember(event)
        self.revision = max(self.revision, revision)
        self.generation += 1
        self._dispatch(event)
        self._notify_progress()

    def _remember(self, event: Event) -> None:
        """Add to the history, forgetting the oldest events beyond its count or byte bound."""
        self._history.append(event)
        self._history_bytes += event.size
        while self._history and (len(self._history) > self._history_max
                                 or self._history_bytes > self._history_max_bytes):
            dropped = self._history.popleft()
            self._history_bytes -= dropped.size
            self._oldest = dropped.revision

    @property
    def history_bytes(self) -> int:
        return self._history_bytes

    @property
    def oldest_revision(self) -> int:
        """Watches from before this revision get Expired."""
        return self._oldest

    async def _advance(self, revision: int) -> None:
        if revision > self.revision:
            self.revision = revision
        self._notify_progress()

    def _notify_progress(self) -> None:
        """Wake the waiters whose condition now holds (called after every change and progress mark)."""
        if not self._waiters:
            return
        still_waiting = []
        for holds, future in self._waiters:
            if holds():
                if not future.done():
                    future.set_result(None)
            else:
                still_waiting.append((holds, future))
        self._waiters = still_waiting

    async def _wait_until(self, holds: Callable[[], bool], timeout: float, not_yet: Callable[[], str]) -> None:
        """Wait until `holds()` is true of the cache; Timeout saying `not_yet()` after `timeout` seconds."""
        if holds():
            return
        future = asyncio.get_running_loop().create_future()
        self._waiters.append((holds, future))
        try:
            await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            raise errors.Timeout(f"watch cache for {self.kind.plural} {not_yet()}") from None

    async def wait_for_revision(self, revision: int, timeout: float = 3.0) -> None:
        """Wait until the cache has caught up with `revision` (a client just wrote or read it)."""
        await self._wait_until(lambda: self.revision >= revision, timeout,
                               lambda: f"has not reached resourceVersion {revision}")

    async def wait_for_objects(self, keys: list[bytes], timeout: float = 3.0) -> None:
        """Wait until the cache holds every one of `keys`. Reaching their revision is not proof: etcd before
        3.4.25 may send a progress mark past events it has not delivered yet (etcd issue 15220)."""
        def missing() -> list[bytes]:
            return [key for key in keys if key not in self.objects]
        await self._wait_until(lambda: not missing(), timeout,
                               lambda: f"does not hold {', '.join(k.decode() for k in missing())} yet")

    def send_bookmarks(self) -> None:
        """A bookmark (the cache's revision) to every watcher whose turn has come; its next turn a period on."""
        now = asyncio.get_running_loop().time()
        due = self._bookmarks_due
        if not due or due[0][0] > now:
            return
        bookmark = Event("BOOKMARK", self.revision, None)
        served = []
        while due and due[0][0] <= now:
            _, _, watcher = heapq.heappop(due)
            if watcher in self._watchers:  # a watch that ended leaves the heap here
                watcher.offer(bookmark)
                served.append(watcher)
        for watcher in served:
            heapq.heappush(due, (now + self._bookmark_every, next(self._tie), watcher))

    def _dispatch(self, event: Event) -> None:
        if self._trigger is None:
            targets = self._watchers
        else:
            # Watchers that select a trigger value (a node's pods) only see objects with that value.
            targets = set(self._plain)
            for obj in (event.obj, event.prev):
                if obj is not None:
                    targets |= self._by_trigger.get(self._trigger(obj), set())
        for w in list(targets):
            w.offer(event)

    # ------------------------------------------------------------ watchers

    def watch(self, resource_version: int | None, watcher: Watcher) -> Watcher:
        """Register a watcher, first replaying what it missed since `resource_version`.

        None means "from now, with every current object as ADDED first".
        """
        if resource_version is None:
            for obj in self.objects.values():
                watcher.offer_initial(Event("ADDED", self.revision, obj))
            watcher.after = self.revision
        else:
            watcher.after = resource_version
            if resource_version < self._oldest:
                raise errors.Expired(
                    f"too old resource version: {resource_version} ({self._oldest})")
            for event in self._history:
                if event.revision > resource_version:
                    watcher.offer(event)
        self._watchers.add(watcher)
        if watcher.bookmarks:
            heapq.heappush(self._bookmarks_due, (asyncio.get_running_loop().time(), next(self._tie), watcher))
        if watcher.trigger is not None:
            self._by_trigger.setdefault(watcher.trigger, set()).add(watcher)
        else:
            self._plain.add(watcher)
        return watcher

    def unwatch(self, watcher: Watcher) -> None:
        self._watchers.discard(watcher)
        self._plain.discard(watcher)
        if watcher.trigger is not None:
            group = self._by_trigger.get(watcher.trigger)
            if group is not None:
                group.discard(watcher)
                if not group:
                    del self._by_trigger[watcher.trigger]

    def history_len(self) -> int:
        return len(self._history)

    @property
    def watcher_count(self) -> int:
        return len(self._watchers)
