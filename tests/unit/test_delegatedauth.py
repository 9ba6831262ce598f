"""Who may read a program's /metrics: the caller a verified certificate names, the API server's answer
asked from the server's thread on the program's loop, and answers kept for their time to live."""
from __future__ import annotations

import asyncio
import threading

import pytest

from api.delegatedauth import Authorizer, Caller, DecisionCache, caller_of, forbidden_text

PEER = {"subject": ((("organizationName", "system:monitoring"),), (("commonName", "skiff:prometheus"),)),
        "issuer": ((("commonName", "skiff-ca"),),)}


def test_the_certificate_names_the_user_and_its_groups():
    assert caller_of(PEER) == Caller("skiff:prometheus", ("system:monitoring",))


@pytest.mark.parametrize("peer", [None, {}, {"subject": ((("organizationName", "devs"),),)}])
def test_no_verified_certificate_or_no_common_name_is_anonymous(peer):
    assert caller_of(peer) is None


def test_the_refusal_reads_as_the_api_servers():
    assert forbidden_text(Caller("alice"), "get", "/metrics") == 'forbidden: User "alice" cannot get path "/metrics"'


def test_answers_are_kept_until_their_time_to_live_passes():
    cache = DecisionCache(allowed_ttl=10, denied_ttl=5)
    cache.put(("a",), True, now=100)
    cache.put(("b",), False, now=100)
    assert (cache.get(("a",), 109.9), cache.get(("b",), 104.9)) == (True, False)
    assert (cache.get(("a",), 110), cache.get(("b",), 105)) == (None, None)
    assert cache.get(("c",), 100) is None


@pytest.fixture
def loop_thread():
    """A program's event loop, running in its own thread as the server's requests see it."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield loop
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


def test_the_api_server_is_asked_once_per_time_to_live(loop_thread):
    asked = []
    now = [0.0]

    async def review(caller, verb, path):
        asked.append((caller.user, verb, path))
        return caller.groups == ("system:monitoring",)
    authorize = Authorizer(review, loop_thread, clock=lambda: now[0])
    prometheus, alice = Caller("skiff:prometheus", ("system:monitoring",)), Caller("alice")
    assert authorize(prometheus, "get", "/metrics") and authorize(prometheus, "get", "/metrics")
    assert not authorize(alice, "get", "/metrics")
    assert asked == [("skiff:prometheus", "get", "/metrics"), ("alice", "get", "/metrics")]
    now[0] = 11.0
    assert authorize(prometheus, "get", "/metrics")
    assert len(asked) == 3


def test_an_unanswered_question_refuses_and_is_asked_again(loop_thread):
    calls = []

    async def review(caller, verb, path):
        calls.append(1)
        raise ConnectionError("the API server is away")
    authorize = Authorizer(review, loop_thread)
    assert not authorize(Caller("skiff:prometheus"), "get", "/metrics")
    assert not authorize(Caller("skiff:prometheus"), "get", "/metrics")
    assert len(calls) == 2
