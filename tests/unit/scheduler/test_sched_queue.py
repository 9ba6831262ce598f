import asyncio

from controlplane.scheduler.queue import ACTIVE, BACKOFF, IN_FLIGHT, UNSCHEDULABLE, SchedulingQueue


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def make():
    clock = FakeClock()
    return SchedulingQueue(clock), clock


def with_unschedulable_pod():
    """A queue holding pod "p" after one attempt found no node."""
    q, clock = make()
    q.add("p")
    q.pop_nowait()
    q.requeue_unschedulable("p")
    return q, clock


def test_pops_higher_priority_then_older_first():
    q, _ = make()
    q.add("new", 0, "2026-01-01T00:00:02Z")
    q.add("old", 0, "2026-01-01T00:00:01Z")
    q.add("urgent", 10, "2026-01-01T00:00:03Z")
    assert [q.pop_nowait() for _ in range(3)] == ["urgent", "old", "new"]
    assert q.pop_nowait() is None


def test_backoff_doubles_from_one_second_to_ten():
    q, _ = make()
    assert [q.backoff_duration(n) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]


def test_failed_pod_waits_out_its_backoff():
    q, clock = make()
    q.add("p")
    for attempt, wait in ((1, 1.0), (2, 2.0), (3, 4.0)):
        assert q.pop_nowait() == "p"
        q.requeue_backoff("p")
        assert q.where("p") == BACKOFF
        clock.now += wait - 0.01
        q.flush_backoff()
        assert q.pop_nowait() is None
        clock.now += 0.02
        q.flush_backoff()
        assert q.where("p") == ACTIVE


def test_unschedulable_pod_waits_for_a_cluster_change_not_for_time():
    q, clock = with_unschedulable_pod()
    clock.now += 3600
    q.flush_backoff()
    assert q.where("p") == UNSCHEDULABLE and q.pop_nowait() is None
    q.move_all_to_active("NodeAdd")
    assert q.pop_nowait() == "p"


def test_cluster_change_during_backoff_moves_to_backoff_not_active():
    q, clock = with_unschedulable_pod()
    clock.now += 0.5
    q.move_all_to_active("NodeAdd")
    assert q.where("p") == BACKOFF
    clock.now += 0.6
    q.flush_backoff()
    assert q.pop_nowait() == "p"


def test_change_while_deciding_is_not_lost():
    q, clock = make()
    q.add("p")
    q.pop_nowait()
    q.move_all_to_active("NodeAdd")  # arrives while "p" is in flight
    q.requeue_unschedulable("p")
    assert q.where("p") == BACKOFF


def test_updated_unschedulable_pod_is_retried():
    q, clock = with_unschedulable_pod()
    clock.now += 5
    q.add("p", 0, "")
    assert q.pop_nowait() == "p"


def test_done_and_delete_forget_the_pod():
    q, _ = make()
    q.add("a")
    q.add("b")
    assert q.pop_nowait() == "a"
    assert q.where("a") == IN_FLIGHT
    q.done("a")
    q.delete("b")
    assert len(q) == 0 and q.pop_nowait() is None


async def test_pop_waits_for_an_arrival():
    q = SchedulingQueue()
    popping = asyncio.create_task(q.pop())
    await asyncio.sleep(0)
    assert not popping.done()
    q.add("p")
    assert await asyncio.wait_for(popping, 1) == "p"


async def test_pop_wakes_when_a_backoff_expires():
    q = SchedulingQueue(initial_backoff=0.05)
    q.add("p")
    assert await q.pop() == "p"
    q.requeue_backoff("p")
    assert await asyncio.wait_for(q.pop(), 1) == "p"
