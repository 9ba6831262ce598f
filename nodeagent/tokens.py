"""ServiceAccount tokens for pods' projected volumes, as the kubelet's token manager: each requested from
the API server bound to its pod (TokenRequest), kept until 80% of its life is gone, then requested again.
"""
from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from api import errors
from api.client import Client
from nodeagent.projection import ProjectionError
from proto import types_pb2

log = logging.getLogger(__name__)

REFRESH_AT = 0.8  # of a token's life, as the kubelet
MAX_AGE_S = 24 * 3600  # a token older than a day is replaced whatever its expiry
RETRY_S = 5.0  # after a failed request
# (the pod's projection) -> the token; raises ProjectionError when it could not be had.
Tokens = Callable[[types_pb2.ServiceAccountTokenProjection], bytes]
Key = tuple[str, str, str, int]  # (pod uid, account, audience, expirationSeconds)


@dataclass(frozen=True)
class Held:
    token: str
    fetched: float
    expires: float


def refresh_at(held: Held) -> float:
    """When to request a held token again (Unix time)."""
    return min(held.fetched + REFRESH_AT * (held.expires - held.fetched), held.fetched + MAX_AGE_S)


def projections(pod: types_pb2.Pod) -> list[types_pb2.ServiceAccountTokenProjection]:
    return [s.service_account_token for v in pod.spec.volumes for s in v.projected.sources
            if s.HasField("service_account_token")]


def _key(pod: types_pb2.Pod, p: types_pb2.ServiceAccountTokenProjection) -> Key:
    return (pod.metadata.uid, pod.spec.service_account_name or "default", p.audience, p.expiration_seconds)


def _expiry(stamp: str, fallback: float) -> float:
    try:
        return datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc).timestamp()
    except ValueError:
        return fallback


class PodTokens:
    """`await prepare(pod)` requests what is missing or due; `lookup_for(pod)` then answers at once."""

    def __init__(self, client: Client, clock: Callable[[], float] = time.time):
        self._client = client
        self._clock = clock
        self._held: dict[Key, Held] = {}
        self._failed: dict[Key, str] = {}

    async def prepare(self, pod: types_pb2.Pod) -> None:
        now = self._clock()
        for p in projections(pod):
            key = _key(pod, p)
            held = self._held.get(key)
            if held is not None and now < refresh_at(held):
                continue
            try:
                reply = await self._client.create_token(
                    key[1], pod.metadata.namespace, [p.audience] if p.audience else None, p.expiration_seconds,
                    bound_pod=pod)
            except errors.ApiError as e:
                self._failed[key] = str(e)
                if held is None or now >= held.expires:
                    self._held.pop(key, None)
                log.info("token for pod %s/%s: %s", pod.metadata.namespace, pod.metadata.name, e)
                continue
            self._failed.pop(key, None)
            self._held[key] = Held(reply.token, now, _expiry(reply.expiration_timestamp, now + p.expiration_seconds))

    def lookup_for(self, pod: types_pb2.Pod) -> Tokens:
        def token(p: types_pb2.ServiceAccountTokenProjection) -> bytes:
            held = self._held.get(_key(pod, p))
            if held is None:
                raise ProjectionError(f"failed to fetch token: {self._failed.get(_key(pod, p), 'not requested')}")
            return held.token.encode()
        return token

    def refresh_in(self, pod: types_pb2.Pod) -> float | None:
        """Seconds until one of the pod's tokens is due again (soon after a failure); None without any."""
        due = [refresh_at(self._held[k]) - self._clock() if k in self._held and k not in self._failed else RETRY_S
               for k in (_key(pod, p) for p in projections(pod))]
        return max(min(due), 0.0) if due else None

    def forget(self, uid: str) -> None:
        for key in [k for k in (*self._held, *self._failed) if k[0] == uid]:
            self._held.pop(key, None)
            self._failed.pop(key, None)
