"""Group commit: which pending creates share one etcd transaction."""
from __future__ import annotations

from controlplane.apiserver.storage import _Write, take_batch


def pending(*keys, size=10):
    return [_Write(k.encode(), b"x" * size, None, "create") for k in keys]


def test_batch_takes_distinct_keys_in_order():
    queue = pending("a", "b", "c")
    assert [w.key for w in take_batch(queue, 128, 10_000)] == [b"a", b"b", b"c"]
    assert queue == []


def test_a_repeated_key_waits_for_the_next_transaction():
    queue = pending("a", "b", "a", "c")
    assert [w.key for w in take_batch(queue, 128, 10_000)] == [b"a", b"b"]
    assert [w.key for w in queue] == [b"a", b"c"]


def test_batch_respects_the_operation_and_byte_limits():
    queue = pending(*"abcdef")
    assert len(take_batch(queue, 4, 10_000)) == 4
    queue = pending(*"abcdef", size=100)
    assert len(take_batch(queue, 128, 250)) == 2
    big = pending("huge", size=5000)
    assert len(take_batch(big, 128, 250)) == 1  # one oversized create still goes, alone
