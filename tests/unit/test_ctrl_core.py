"""The shared controller core: workqueue semantics and backoff, expectations, claims, pod ordering."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from api import meta, selectors
from api.retry import Backoff
from controlplane.controllers.core import ownership, podstate
from controlplane.controllers.core.expectations import Expectations
from controlplane.controllers.core.ratelimit import RateLimiter, TokenBucket
from controlplane.controllers.core.workqueue import ShutDown, WorkQueue
from controlplane.controllers.replicaset import plan
from tests.fixtures.objects import pod

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


def test_per_item_backoff_doubles_to_a_cap_and_forget_starts_over():
    limiter = RateLimiter(Backoff(base=0.01, cap=0.05), TokenBucket(rate=1000, burst=1000))
    assert [limiter.when("a") for _ in range(5)] == [0.01, 0.02, 0.04, 0.05, 0.05]
    assert limiter.when("b") == 0.01 and limiter.failures("a") == 5  # per item
    limiter.forget("a")
    assert limiter.when("a") == 0.01 and limiter.failures("a") == 1


def test_token_bucket_limits_retries_overall_after_the_burst():
    clock = [0.0]
    bucket = TokenBucket(rate=10, burst=2, clock=lambda: clock[0])
    assert [bucket.when() for _ in range(4)] == [0.0, 0.0, 0.1, 0.2]
    clock[0] = 10.0
    assert bucket.when() == 0.0


def test_rate_limiter_takes_the_longer_wait():
    limiter = RateLimiter(Backoff(base=1.0, cap=300.0), TokenBucket(rate=1, burst=1, clock=lambda: 0.0))
    assert limiter.when("a") == 1.0
    assert limiter.when("b") == 1.0  # bucket now empty
    assert limiter.failures("a") == 1


async def test_queue_holds_a_key_once_and_never_hands_it_to_two_workers():
    q = WorkQueue("t")
    q.add("a")
    q.add("a")
    q.add("b")
    assert len(q) == 2
    first = await q.get()
    q.add(first)  # changed while processed: not handed out again until done
    second = await q.get()
    assert (first, second) == ("a", "b") and len(q) == 0
    q.done(first)
    assert await asyncio.wait_for(q.get(), 1) == "a"


async def test_queue_rate_limited_add_waits_and_shutdown_releases_workers():
    q = WorkQueue("t", RateLimiter(Backoff(base=0.05, cap=300.0, jitter=0.0)))
    loop = asyncio.get_running_loop()
    start = loop.time()
    q.add_rate_limited("x")
    assert await asyncio.wait_for(q.get(), 1) == "x"
    assert loop.time() - start >= 0.04
    waiter = asyncio.create_task(q.get())
    await asyncio.sleep(0)
    q.shut_down()
    try:
        await asyncio.wait_for(waiter, 1)
        raise AssertionError("expected ShutDown")
    except ShutDown:
        pass


def test_expectations_hold_until_observed_or_expired():
    clock = [0.0]
    e = Expectations(clock=lambda: clock[0], ttl=10)
    e.expect_creations("rs", 2)
    assert not e.satisfied("rs")
    e.creation_observed("rs")
    e.creation_observed("rs")
    assert e.satisfied("rs")
    e.expect_deletions("rs", ["ns/a"])
    assert not e.satisfied("rs")
    clock[0] = 11
    assert e.satisfied("rs")


def test_claim_adopts_matching_orphans_and_releases_non_matching_own_pods():
    owner = pod("owner")
    owner.metadata.uid = "u1"
    mine = pod("mine", labels={"app": "web"})
    mine.metadata.owner_references.append(ownership.owner_reference(owner))
    relabelled = ownership.adopted(pod("relabelled", labels={"app": "x"}), owner)
    orphan = pod("orphan", labels={"app": "web"})
    others = ownership.adopted(pod("others", labels={"app": "web"}), pod("o2"))
    c = ownership.claim(owner, selectors.parse_label_selector("app=web"), [mine, relabelled, orphan, others])
    names = lambda objs: [o.metadata.name for o in objs]  # noqa: E731
    assert (names(c.owned), names(c.adopt), names(c.release)) == (["mine"], ["orphan"], ["relabelled"])
    assert not ownership.released(relabelled, "u1").metadata.owner_references


def test_controller_key_names_the_controlling_owner_of_the_asked_kind_only():
    owned = pod("web-1", owner_uid="rs-uid")  # controlled by ReplicaSet "rs"
    assert ownership.controller_key(owned, "ReplicaSet") == "default/rs"
    assert ownership.controller_key(owned, "Deployment") is None
    assert ownership.controller_key(pod("orphan"), "ReplicaSet") is None


def _pod(name, node="", phase="Running", ready=False, created="2025-01-01T00:00:00Z"):
    p = pod(name)
    p.spec.node_name = node
    p.status.phase = phase
    p.metadata.creation_timestamp = created
    if ready:
        meta.set_condition(p.status.conditions, "Ready", "True", moment=NOW)
    return p


def test_scale_down_deletes_unscheduled_then_pending_then_unready_then_newest():
    pods = [
        _pod("ready-old", node="n", ready=True, created="2025-01-01T00:00:00Z"),
        _pod("ready-new", node="n", ready=True, created="2025-01-01T00:00:09Z"),
        _pod("unready", node="n"),
        _pod("pending", node="n", phase="Pending"),
        _pod("unscheduled", phase="Pending"),
    ]
    order = [p.metadata.name for p in podstate.pods_to_delete(pods, 5)]
    assert order == ["unscheduled", "pending", "unready", "ready-new", "ready-old"]


def test_availability_waits_min_ready_seconds():
    p = _pod("a", ready=True)
    assert podstate.is_available(p, 0, NOW)
    assert not podstate.is_available(p, 10, NOW)
    assert podstate.seconds_until_available(p, 10, NOW) == 10


def test_creates_go_in_slow_start_batches():
    assert plan.slow_start_batches(10) == [1, 2, 4, 3]
    assert plan.slow_start_batches(0) == []
