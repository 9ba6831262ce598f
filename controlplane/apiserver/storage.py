"""The only code that speaks to etcd: keys, reads, compare-and-swap writes and watches.

Every failure leaves as a typed API error (NotFound, AlreadyExists, Conflict, Expired, Unavailable,
StorageFull).
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import aetcd
import grpc
from aetcd import rpc

from api import errors
from api.tasks import cancel_and_wait
from controlplane.apiserver import etcdclient, metrics
from controlplane.apiserver.encryption import DecryptError, Transformer
from controlplane.apiserver.etcdclient import EtcdTLS

log = logging.getLogger(__name__)

REQUEST_TIMEOUT_S = 5.0
# Sort and compare constants of etcd's API, named for reading.
_EQUAL = rpc.Compare.CompareResult.Value("EQUAL")
_MOD = rpc.Compare.CompareTarget.Value("MOD")
_CREATE = rpc.Compare.CompareTarget.Value("CREATE")
_PUT, _DELETE = 0, 1
# etcd's defaults: --max-txn-ops 128 and a 1.5 MiB request; stay inside both.
MAX_TXN_OPS = 128
MAX_TXN_BYTES = 1024 * 1024
# Reconnect within a second of etcd's return (gRPC's default backoff grows to 120 s), and notice a dead
# member by keepalive within seconds. etcd accepts pings every 5 s (--grpc-keepalive-min-time) and only
# while a call is open: a ping on an idle connection earns a GOAWAY "too_many_pings" that cuts every watch.
CHANNEL_OPTIONS = {
    "grpc.max_receive_message_length": -1,  # a range of large objects can exceed 4 MiB; pages are cut above us
    "grpc.initial_reconnect_backoff_ms": 100,
    # Also the time one connection attempt may last: at gRPC's 20 s default the API server's watch on etcd
    # stayed dead after a lost quorum came back (the fault suite's watch missed every later event).
    "grpc.min_reconnect_backoff_ms": 100,
    "grpc.max_reconnect_backoff_ms": 800,  # with gRPC's 20% jitter: under 1 s
    "grpc.keepalive_time_ms": 10_000,
    "grpc.keepalive_timeout_ms": 3_000,
    "grpc.keepalive_permit_without_calls": 0,
}
NO_SPACE = "database space exceeded"
STORAGE_FULL_HELP = (
    "etcd is over its space quota (mvcc: database space exceeded) and refuses every write; reads still "
    "work. Free space: compact etcd's history, defragment every member, then disarm the NOSPACE alarm "
    "(in the lab: `python -m deploy.lab defrag`; elsewhere: `etcdctl defrag --cluster && etcdctl alarm "
    "disarm`), or raise etcd's --quota-backend-bytes")
LIST_PAGE = 500
# A write on a member whose raft leader just died waits for the request's deadline: cut every attempt but
# the last after this long, longer than etcd's election (1 to 2 s at its default --election-timeout 1000).
ATTEMPT_TIMEOUT_S = 2.0
# What etcd says (as UNKNOWN) to a write arriving while its members elect a leader: try another member.
PROPOSAL_DROPPED = "raft proposal dropped"


def prefix_end(prefix: bytes) -> bytes:
    """The end of the key range that holds every key starting with `prefix`."""
    end = bytearray(prefix)
    for i in reversed(range(len(end))):
        if end[i] < 0xFF:
            end[i] += 1
            return bytes(end[: i + 1])
    return b"\0"


@dataclass(frozen=True)
class KeyValue:
    key: bytes
    value: bytes
    mod_revision: int
    create_revision: int


@dataclass(frozen=True)
class WatchEvent:
    type: str  # "PUT" or "DELETE"
    kv: KeyValue  # for DELETE: key and the deleting revision, empty value
    prev: KeyValue | None  # asked with prev_kv: the value before the event (set for DELETE unless compacted)


class TxnFailed(errors.Conflict):
    """A multi-key transaction lost: `present` maps each of its keys that exists to its revision."""

    def __init__(self, present: dict[bytes, int]):
        super().__init__("the transaction's preconditions no longer hold")
        self.present = present


@dataclass(eq=False)
class _Write:
    """A put guarded by a compare (the key is new / still at a revision), waiting for a transaction."""

    key: bytes
    value: bytes
    compare: object
    intent: str  # "create" or "update": what a failed compare means
    future: asyncio.Future | None = None
    # An attempt went unanswered (a member died under it) and was tried again: that attempt may have been
    # applied, so finding these very bytes in the key reads as this write's success, not a lost race.
    maybe_applied: bool = False


@dataclass(frozen=True)
class Progress:
    """Everything up to `revision` has been delivered on this watch."""

    revision: int


class Storage:
    """A key-value store on etcd with the operations an API server needs."""

    def __init__(self, endpoints: list[str], timeout: float = REQUEST_TIMEOUT_S,
                 transformers: dict[bytes, Transformer] | None = None, tls: EtcdTLS | None = None):
        """`transformers`: key prefix -> encryption at rest for the values under it (Secrets); `tls`: the
        CA and client certificate etcd is spoken to with (None: plain gRPC)."""
        if not endpoints:
            raise ValueError("at least one etcd endpoint is needed")
        self._endpoints = endpoints
        self._timeout = timeout
        self._current = 0
        self._client: aetcd.Client | None = None
        self._pending: list[_Write] = []
        self._retired: list[tuple[aetcd.Client, float]] = []  # connections left after a failover
        self._flusher: asyncio.Task | None = None
        self._transformers = dict(transformers or {})
        self._tls = tls

    # ------------------------------------------------------------ values at rest

    def _transformer(self, key: bytes) -> Transformer | None:
        for prefix, transformer in self._transformers.items():
            if key.startswith(prefix):
                return transformer
        return None

    def _seal(self, key: bytes, value: bytes) -> bytes:
        """The value as stored: encrypted when its key is under a configured prefix (the key is bound in)."""
        transformer = self._transformer(key)
        return value if transformer is None else transformer.to_storage(value, key)

    def _open(self, kv) -> KeyValue:
        value = kv.value
        transformer = self._transformer(kv.key) if value else None
        if transformer is not None:
            try:
                value, _stale = transformer.from_storage(value, kv.key)
            except DecryptError as e:
                raise errors.Internal(f"{kv.key.decode()}: {e}") from None
        return KeyValue(kv.key, value, kv.mod_revision, kv.create_revision)

    @property
    def endpoint(self) -> str:
        return self._endpoints[self._current]

    async def start(self) -> None:
        await self._connect()

    async def close(self) -> None:
        await cancel_and_wait(self._flusher)
        for write in self._pending:
            if not write.future.done():
                write.future.set_exception(errors.Unavailable("the API server is shutting down"))
        self._pending.clear()
        await self._disconnect()
        for client, _ in self._retired:
            await client.close()
        self._retired.clear()

    async def _disconnect(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.close()

    def _retire(self) -> None:
        """Stop using the connection; it is closed later, once the calls still on it have ended (closing a
        channel under calls in flight can leave them waiting forever)."""
        if self._client is not None:
            self._retired.append((self._client, time.monotonic()))
            self._client = None

    async def _close_retired(self) -> None:
        keep = []
        for client, since in self._retired:
            if time.monotonic() - since > 2 * self._timeout:  # every call on it has timed out by now
                await client.close()
            else:
                keep.append((client, since))
        self._retired = keep

    async def _connect(self) -> aetcd.Client:
        client = self._client
        if client is None:
            client = self._client = etcdclient.client(self.endpoint, self._tls, self._timeout, dict(CHANNEL_OPTIONS))
            await client.connect()
            await self._close_retired()
        return client

    async def _failover(self, failed: aetcd.Client | None = None) -> None:
        """Move to the next endpoint after one stopped answering.

        `failed` is the connection the failure came on: when several calls fail together (every watch of a
        lost member), only the first moves on, instead of each of them skipping one more endpoint.
        """
        if failed is not None and failed is not self._client:
            return
        if len(self._endpoints) > 1:
            # Move first, then close: a call connecting while the old connection closes goes to the next.
            # Only the connection: the group-commit task may be the caller, and keeps running.
            self._current = (self._current + 1) % len(self._endpoints)
            self._retire()

    async def _call(self, method: str, request, unanswered: Callable[[], None] | None = None):
        """One request, tried on each member at most once until one answers, within the request timeout.

        A member that is down refuses at once; one whose leader died holds a write until the deadline (etcd
        drops the proposal it forwarded and does not say so), so every attempt but the last is cut after
        ATTEMPT_TIMEOUT_S, by when a new leader is elected. Trying again is safe because every write skiff
        sends is guarded by a compare: a first attempt that was applied after all makes the second fail
        its compare (read as our own write by `_write_one`, else as Conflict/AlreadyExists/NotFound),
        never a second write. `unanswered` is called before such a second attempt.
        """
        deadline = time.monotonic() + self._timeout
        for attempt in range(len(self._endpoints), 0, -1):
            client = await self._connect()
            left = deadline - time.monotonic()
            timeout = left if attempt == 1 else min(ATTEMPT_TIMEOUT_S, left)
            started = time.perf_counter()
            try:
                return await getattr(client.kvstub, method)(request, timeout=timeout)
            except grpc.aio.AioRpcError as e:
                error = await self._translate(e, client)
                if attempt == 1 or not isinstance(error, errors.Unavailable) or deadline - time.monotonic() <= 0:
                    raise error from None
                log.info("etcd %s failed (%s); trying the next member", method, error)
                if unanswered is not None:
                    unanswered()
            finally:
                metrics.etcd_observe(*_operation(method, request), time.perf_counter() - started)

    async def _translate(self, e: grpc.aio.AioRpcError, client: aetcd.Client | None = None) -> errors.ApiError:
        code = e.code()
        if code == grpc.StatusCode.OUT_OF_RANGE or "compacted" in (e.details() or ""):
            return errors.Expired(f"too old resource version: {e.details()}")
        if (code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED)
                or PROPOSAL_DROPPED in (e.details() or "")):
            endpoint = self.endpoint
            await self._failover(client)
            return errors.Unavailable(f"etcd is unavailable at {endpoint}: {e.details()}")
        if NO_SPACE in (e.details() or ""):
            return errors.StorageFull(STORAGE_FULL_HELP)
        if code == grpc.StatusCode.INVALID_ARGUMENT and "request is too large" in (e.details() or ""):
            return errors.TooLarge(f"object too large for etcd: {e.details()}")
        return errors.Internal(f"etcd error {code.name}: {e.details()}")

    # ------------------------------------------------------------ reads

    async def get(self, key: bytes) -> KeyValue:
        response = await self._call("Range", rpc.RangeRequest(key=key))
        if not response.kvs:
            raise errors.NotFound(key.decode())
        return self._open(response.kvs[0])

    async def list(self, prefix: bytes, start: bytes | None = None, limit: int = 0,
                   revision: int = 0) -> tuple[list[KeyValue], int, bool]:
        """Keys under `prefix` from `start` on, at `revision` (0: now): (items, revision read at, more)."""
        request = rpc.RangeRequest(key=start or prefix, range_end=prefix_end(prefix),
                                   limit=limit, revision=revision)
        response = await self._call("Range", request)
        return [self._open(kv) for kv in response.kvs], response.header.revision, response.more

    async def current_revision(self) -> int:
        response = await self._call("Range", rpc.RangeRequest(key=b"\0", count_only=True))
        return response.header.revision

    # ------------------------------------------------------------ writes

    async def create(self, key: bytes, value: bytes) -> int:
        """Write a new key; AlreadyExists if it is there. Returns the new revision."""
        compare = rpc.Compare(key=key, target=_CREATE, result=_EQUAL, create_revision=0)
        return await self._submit(_Write(key, self._seal(key, value), compare, "create"))

    async def update(self, key: bytes, value: bytes, expected_revision: int) -> int:
        """Replace a key only if it is still at `expected_revision`; Conflict (or NotFound) if not."""
        compare = rpc.Compare(key=key, target=_MOD, result=_EQUAL, mod_revision=expected_revision)
        return await self._submit(_Write(key, self._seal(key, value), compare, "update"))

    # Group commit: writes that arrive while a transaction is in flight share the next one. A shared
    # transaction succeeds only if every compare holds; otherwise each write is retried on its own,
    # so every caller still gets its own answer (AlreadyExists, Conflict, or its revision).

    async def _submit(self, write: "_Write") -> int:
        write.future = asyncio.get_running_loop().create_future()
        self._pending.append(write)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="etcd-group-commit")
        return await write.future

    async def _flush(self) -> None:
        while self._pending:
            batch = take_batch(self._pending, MAX_TXN_OPS, MAX_TXN_BYTES)
            try:
                await self._commit(batch)
            except BaseException as e:
                # every waiting writer gets an answer, whatever happened to the transaction
                failure = e if isinstance(e, errors.ApiError) else errors.Unavailable(f"etcd write failed: {e!r}")
                for write in batch:
                    if not write.future.done():
                        write.future.set_exception(failure)
                if not isinstance(e, Exception):
                    raise  # cancellation: stop flushing

    async def _commit(self, batch: list["_Write"]) -> None:
        metrics.GROUP_COMMIT.observe(len(batch))
        if len(batch) > 1:
            request = rpc.TxnRequest(
                compare=[w.compare for w in batch],
                success=[rpc.RequestOp(request_put=rpc.PutRequest(key=w.key, value=w.value)) for w in batch])
            response = await self._call("Txn", request, unanswered=lambda: _mark_maybe_applied(batch))
            if response.succeeded:
                for write in batch:
                    if not write.future.done():
                        write.future.set_result(response.header.revision)
                return
        results = await asyncio.gather(*(self._write_one(w) for w in batch), return_exceptions=True)
        for write, result in zip(batch, results):
            if write.future.done():
                continue
            if isinstance(result, BaseException):
                write.future.set_exception(result)
            else:
                write.future.set_result(result)

    async def _write_one(self, write: "_Write") -> int:
        request = rpc.TxnRequest(
            compare=[write.compare],
            success=[rpc.RequestOp(request_put=rpc.PutRequest(key=write.key, value=write.value))],
            failure=[rpc.RequestOp(request_range=rpc.RangeRequest(key=write.key))],
        )
        response = await self._call("Txn", request, unanswered=lambda: _mark_maybe_applied([write]))
        if response.succeeded:
            return response.header.revision
        current = response.responses[0].response_range.kvs
        if write.maybe_applied and current and current[0].value == write.value:
            # Our own bytes after an attempt whose answer was lost: that attempt was applied (see _call).
            # Only then: two writers making the same change from the same version write the same bytes,
            # and the second of them lost the race (reading it as success would lose an update).
            return current[0].mod_revision
        if write.intent == "create":
            raise errors.AlreadyExists(write.key.decode())
        raise self._lost_race(write.key, response)

    async def transact(self, creates: dict[bytes, bytes] | None = None,
                       updates: dict[bytes, tuple[bytes, int]] | None = None,
                       deletes: dict[bytes, int | None] | None = None) -> int:
        """Several keys in one transaction: new keys, keys still at a revision, keys to remove.

        All or nothing; when a compare fails, TxnFailed says which of the keys exist now.
        """
        creates = {k: self._seal(k, v) for k, v in (creates or {}).items()}
        updates = {k: (self._seal(k, v), rev) for k, (v, rev) in (updates or {}).items()}
        deletes = deletes or {}
        compares = [rpc.Compare(key=k, target=_CREATE, result=_EQUAL, create_revision=0) for k in creates]
        compares += [rpc.Compare(key=k, target=_MOD, result=_EQUAL, mod_revision=rev)
                     for k, (_, rev) in updates.items()]
        compares += [rpc.Compare(key=k, target=_MOD, result=_EQUAL, mod_revision=rev)
                     for k, rev in deletes.items() if rev is not None]
        success = [rpc.RequestOp(request_put=rpc.PutRequest(key=k, value=v)) for k, v in creates.items()]
        success += [rpc.RequestOp(request_put=rpc.PutRequest(key=k, value=v)) for k, (v, _) in updates.items()]
        success += [rpc.RequestOp(request_delete_range=rpc.DeleteRangeRequest(key=k)) for k in deletes]
        watched = [*creates, *updates, *(k for k, rev in deletes.items() if rev is not None)]
        failure = [rpc.RequestOp(request_range=rpc.RangeRequest(key=k)) for k in watched]
        response = await self._call("Txn", rpc.TxnRequest(compare=compares, success=success, failure=failure))
        if response.succeeded:
            return response.header.revision
        present = {}
        for op in response.responses:
            for kv in op.response_range.kvs:
                present[kv.key] = kv.mod_revision
        raise TxnFailed(present)

    async def delete(self, key: bytes, expected_revision: int) -> int:
        """Remove a key only if it is still at `expected_revision`. Returns the deleting revision."""
        request = rpc.TxnRequest(
            compare=[rpc.Compare(key=key, target=_MOD, result=_EQUAL, mod_revision=expected_revision)],
            success=[rpc.RequestOp(request_delete_range=rpc.DeleteRangeRequest(key=key))],
            failure=[rpc.RequestOp(request_range=rpc.RangeRequest(key=key))],
        )
        response = await self._call("Txn", request)
        if not response.succeeded:
            raise self._lost_race(key, response)
        return response.header.revision

    @staticmethod
    def _lost_race(key: bytes, response) -> errors.ApiError:
        current = response.responses[0].response_range.kvs
        if not current:
            return errors.NotFound(key.decode())
        return errors.Conflict(
            f"the object has been modified; please apply your changes to the latest version "
            f"(resourceVersion {current[0].mod_revision}) and try again")

    # ------------------------------------------------------------ watch

    async def watch(self, prefix: bytes, start_revision: int, progress_every: float = 1.0,
                    prev_kv: bool = False) -> AsyncIterator[WatchEvent | Progress]:
        """Changes under `prefix` from `start_revision` on, with a Progress mark every `progress_every` s.
        `prev_kv`: each event carries the value before it too, which etcd reads back for every change and
        sends along: only for a watcher that keeps no copy of the values (the watch cache keeps them).

        Raises Expired when that revision was compacted, Unavailable when etcd goes away.
        """
        client = await self._connect()
        stub = rpc.WatchStub(client.channel)
        stop = asyncio.Event()

        async def requests():
            yield rpc.WatchRequest(create_request=rpc.WatchCreateRequest(
                key=prefix, range_end=prefix_end(prefix), start_revision=start_revision, prev_kv=prev_kv))
            while not stop.is_set():
                try:
                    await asyncio.wait_for(stop.wait(), progress_every)
                except asyncio.TimeoutError:
                    yield rpc.WatchRequest(progress_request=rpc.WatchProgressRequest())

        call = stub.Watch(requests())
        try:
            async for response in call:
                if response.compact_revision:
                    raise errors.Expired(
                        f"too old resource version: {start_revision} (compacted to {response.compact_revision})")
                if response.canceled:
                    raise errors.Unavailable(f"etcd cancelled the watch: {response.cancel_reason}")
                for event in response.events:
                    prev = self._open(event.prev_kv) if event.HasField("prev_kv") else None
                    kind = "DELETE" if event.type == _DELETE else "PUT"
                    yield WatchEvent(kind, self._open(event.kv), prev)
                if not response.events and not response.created:
                    yield Progress(response.header.revision)
        except grpc.aio.AioRpcError as e:
            raise await self._translate(e, client) from None
        finally:
            stop.set()
            call.cancel()

    # ------------------------------------------------------------ upkeep
    async def rewrite_stale(self, prefix: bytes) -> int:
        """Write again every value under `prefix` that the first provider did not write (key rotation:
        add a new first key, then rewrite). A value changed meanwhile is skipped. Returns how many."""
        transformer = self._transformer(prefix)
        if transformer is None:
            return 0
        rewritten, start = 0, None
        while True:
            response = await self._call("Range", rpc.RangeRequest(key=start or prefix, range_end=prefix_end(prefix),
                                                                  limit=LIST_PAGE))
            for kv in response.kvs:
                try:
                    plain, stale = transformer.from_storage(kv.value, kv.key)
                except DecryptError as e:
                    log.error("cannot rewrite %s: %s", kv.key.decode(), e)
                    continue
                if not stale:
                    continue
                request = rpc.TxnRequest(
                    compare=[rpc.Compare(key=kv.key, target=_MOD, result=_EQUAL, mod_revision=kv.mod_revision)],
                    success=[rpc.RequestOp(request_put=rpc.PutRequest(key=kv.key, value=self._seal(kv.key, plain)))])
                if (await self._call("Txn", request)).succeeded:
                    rewritten += 1
            if not response.more:
                return rewritten
            start = response.kvs[-1].key + b"\0"

    async def compact(self, revision: int) -> None:
        """Drop every superseded value older than `revision` (watches from before it get Expired)."""
        await self._call("Compact", rpc.CompactionRequest(revision=revision, physical=True))

    async def put_if_version(self, key: bytes, value: bytes, version: int) -> tuple[bool, int, int]:
        """Write `key` only if it has been written `version` times (0: absent).

        Returns (written, the key's version now, the store's revision), as kube-apiserver's compaction
        lease needs it.
        """
        request = rpc.TxnRequest(
            compare=[rpc.Compare(key=key, target=rpc.Compare.CompareTarget.Value("VERSION"),
                                 result=_EQUAL, version=version)],
            success=[rpc.RequestOp(request_put=rpc.PutRequest(key=key, value=value))],
            failure=[rpc.RequestOp(request_range=rpc.RangeRequest(key=key))])
        response = await self._call("Txn", request)
        if response.succeeded:
            return True, version + 1, response.header.revision
        kvs = response.responses[0].response_range.kvs
        return False, (kvs[0].version if kvs else 0), response.header.revision

    async def db_size(self) -> int:
        """Bytes of the answering member's database file (what the space quota is compared with)."""
        client = await self._connect()
        try:
            response = await client.maintenancestub.Status(rpc.StatusRequest(), timeout=self._timeout)
        except grpc.aio.AioRpcError as e:
            raise await self._translate(e) from None
        return response.dbSize

    async def defragment(self) -> None:
        """Give the answering member's free pages back to the file system (it pauses while doing so)."""
        client = await self._connect()
        try:
            await client.maintenancestub.Defragment(rpc.DefragmentRequest(), timeout=max(self._timeout, 60))
        except grpc.aio.AioRpcError as e:
            raise await self._translate(e) from None

    async def disarm_alarms(self) -> int:
        """Clear every alarm (NOSPACE after space was freed); returns how many were raised."""
        client = await self._connect()
        try:
            raised = await client.maintenancestub.Alarm(rpc.AlarmRequest(
                action=rpc.AlarmRequest.AlarmAction.Value("GET"), memberID=0,
                alarm=rpc.AlarmType.Value("NONE")), timeout=self._timeout)
            for alarm in raised.alarms:
                await client.maintenancestub.Alarm(rpc.AlarmRequest(
                    action=rpc.AlarmRequest.AlarmAction.Value("DEACTIVATE"), memberID=alarm.memberID,
                    alarm=alarm.alarm), timeout=self._timeout)
        except grpc.aio.AioRpcError as e:
            raise await self._translate(e) from None
        return len(raised.alarms)


def _operation(method: str, request) -> tuple[str, str]:
    """(operation, type) labels of etcd_request_duration_seconds: get/list/txn/delete and the resource."""
    if method == "Range":
        key, operation = request.key, ("list" if request.range_end else "get")
    elif method == "Txn":
        key, operation = (request.compare[0].key if request.compare else b""), "txn"
    else:
        key, operation = getattr(request, "key", b""), method.lower()
    parts = key.split(b"/", 3)
    return operation, parts[2].decode(errors="replace") if len(parts) > 2 and parts[1] == b"registry" else ""


def _mark_maybe_applied(writes: list[_Write]) -> None:
    for write in writes:
        write.maybe_applied = True


def take_batch(pending: list, max_ops: int, max_bytes: int) -> list:
    """Take writes off the front of `pending` for one transaction: distinct keys, within etcd's limits."""
    batch, keys, size = [], set(), 0
    while pending and len(batch) < max_ops:
        key, value = pending[0].key, pending[0].value
        if key in keys or (batch and size + len(key) + len(value) > max_bytes):
            break
        batch.append(pending.pop(0))
        keys.add(key)
        size += len(key) + len(value)
    return batch

