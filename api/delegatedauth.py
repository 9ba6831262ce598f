"""Who may read a program's own HTTPS endpoints (/metrics), decided as Kubernetes' components delegate it:
a client certificate the cluster CA signed names the caller, the API server's authorizer says yes or no.

The server answers from a thread; the question runs on the program's event loop, and answers are kept
10 s (Kubernetes' webhook authorizer cache defaults) so a scrape rarely waits for the loop.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

ALLOWED_TTL_S = 10.0
DENIED_TTL_S = 10.0
ASK_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Caller:
    """An authenticated caller: the certificate's CN is the user, its O entries the groups (as Kubernetes)."""

    user: str
    groups: tuple[str, ...] = ()


def caller_of(peer_cert: dict | None) -> Caller | None:
    """The caller a verified peer certificate (ssl's getpeercert() form) names; None: anonymous."""
    if not peer_cert:
        return None
    names, groups = [], []
    for rdn in peer_cert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                names.append(value)
            elif key == "organizationName":
                groups.append(value)
    return Caller(names[0], tuple(groups)) if names else None


def forbidden_text(caller: Caller, verb: str, path: str) -> str:
    """The API server's words for a refused non-resource request."""
    return f'forbidden: User "{caller.user}" cannot {verb} path "{path}"'


@dataclass
class DecisionCache:
    """Recent answers by (user, groups, verb, path), each until its time-to-live passes; pure (`now` given)."""

    allowed_ttl: float = ALLOWED_TTL_S
    denied_ttl: float = DENIED_TTL_S
    entries: dict[tuple, tuple[bool, float]] = field(default_factory=dict)  # key -> (allowed, expiry)

    def get(self, key: tuple, now: float) -> bool | None:
        hit = self.entries.get(key)
        if hit is None or hit[1] <= now:
            self.entries.pop(key, None)
            return None
        return hit[0]

    def put(self, key: tuple, allowed: bool, now: float) -> None:
        if len(self.entries) > 1000:  # callers are a handful of scrapers: anything more is stale
            self.entries = {k: v for k, v in self.entries.items() if v[1] > now}
        self.entries[key] = (allowed, now + (self.allowed_ttl if allowed else self.denied_ttl))


Review = Callable[[Caller, str, str], Awaitable[bool]]  # (caller, verb, path) -> allowed


class Authorizer:
    """Called from the server's threads: answers from the cache, else asks `review` on `loop` and waits."""

    def __init__(self, review: Review, loop: asyncio.AbstractEventLoop, clock: Callable[[], float] = time.monotonic):
        self.review = review
        self.loop = loop
        self.clock = clock
        self.cache = DecisionCache()

    def __call__(self, caller: Caller, verb: str, path: str) -> bool:
        key = (caller.user, caller.groups, verb, path)
        known = self.cache.get(key, self.clock())
        if known is not None:
            return known
        future = asyncio.run_coroutine_threadsafe(self.review(caller, verb, path), self.loop)
        try:
            allowed = bool(future.result(ASK_TIMEOUT_S))
        except Exception as e:  # the API server is away: refuse, and ask again next time
            future.cancel()
            log.warning("cannot ask the API server whether %s may %s %s: %s", caller.user, verb, path, e)
            return False
        self.cache.put(key, allowed, self.clock())
        return allowed


def review_through(client) -> Review:
    """Ask the API server (a SubjectAccessReview) with the program's own client."""
    from proto import api_pb2

    async def review(caller: Caller, verb: str, path: str) -> bool:
        status = await client.review_access(api_pb2.AccessReview(user=caller.user, groups=list(caller.groups),
                                                                 verb=verb, path=path))
        return status.allowed
    return review
