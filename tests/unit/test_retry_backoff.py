"""The one backoff: base doubling to the cap, per key (crash loops: reset after a long run) or as one
retry sequence with jittered sleeps."""
from api.retry import Backoff


def test_first_restart_is_immediate_then_the_delay_doubles_to_the_cap():
    b = Backoff(base=10, cap=40)
    assert b.remaining("c", since=0, now=0) == 0
    assert [b.next("c", now=t) for t in (0, 1, 2, 3, 4)] == [10, 20, 40, 40, 40]


def test_remaining_counts_from_the_finish_time():
    b = Backoff(base=10, cap=300)
    b.next("c", now=100)
    assert b.remaining("c", since=105, now=108) == 7
    assert b.remaining("c", since=105, now=116) == 0


def test_a_quiet_period_resets_the_delay_to_base():
    b = Backoff(base=10, cap=300, reset_after=600)
    for t in range(4):
        b.next("c", now=t)
    assert b.current("c") == 80
    assert b.next("c", now=3 + 601) == 10


def test_keys_are_independent_and_a_pod_can_be_forgotten():
    b = Backoff(base=1, cap=8)
    b.next(("pod1", "a"), now=0)
    b.next(("pod1", "a"), now=0)
    b.next(("pod2", "a"), now=0)
    assert b.current(("pod1", "a")) == 2 and b.current(("pod2", "a")) == 1
    b.forget_prefix("pod1")
    assert b.current(("pod1", "a")) == 0 and b.current(("pod2", "a")) == 1


def test_a_retry_sequence_sleeps_base_then_doubles_within_the_jitter_and_a_reset_starts_over():
    b = Backoff(base=1, cap=4, jitter=0.2)
    delays = [b.next_delay() for _ in range(4)]
    for delay, exact in zip(delays, (1, 2, 4, 4)):
        assert exact * 0.8 <= delay <= exact * 1.2
    b.reset()
    assert 0.8 <= b.next_delay() <= 1.2


def test_without_reset_after_a_key_is_never_forgiven_by_time_alone():
    b = Backoff(base=1, cap=8)
    b.next("c", now=0)
    assert b.next("c", now=10_000) == 2
