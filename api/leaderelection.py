"""Leader election through a Lease object: several replicas run, one acts (as client-go's leaderelection).

The leader renews the lease every `retry_period`; others take it over once it has not been renewed for
`lease_duration`. A leader that cannot renew within `renew_deadline` stops leading; one stopped cleanly
gives the lease back. The components' `--leader-elect*` flags and the elector they ask for are made here
too, so every component has the same.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable
from datetime import timedelta

from api import errors, kinds, meta
from api.client import Client
from api.flagtypes import positive_seconds
from proto import types_pb2

log = logging.getLogger(__name__)

LEASE_NAMESPACE = "kube-system"  # where components keep their leases, as Kubernetes' do


RELEASE_TIMEOUT_S = 2.0  # a stopping leader gives the lease back only if the API answers this soon


def default_identity(component: str) -> str:
    """The same on every start of `component` on this host, so a leader restarted after a crash finds its
    own name on the lease and takes it back at once instead of waiting out the lease (client-go does the
    same when the holder is its own identity). One replica per host, as Kubernetes' control planes run."""
    return f"{socket.gethostname()}_{component}"


class LeaderElector:
    """`identity` defaults to default_identity(name). With `release_on_cancel` (client-go's ReleaseOnCancel)
    a leader that is stopped empties the lease's holder, so a standby or its own next start leads at once."""

    def __init__(self, client: Client, name: str, namespace: str = LEASE_NAMESPACE, identity: str = "",
                 lease_duration: float = 15.0, renew_deadline: float = 10.0, retry_period: float = 2.0,
                 release_on_cancel: bool = True):
        self.client = client
        self.name = name
        self.namespace = namespace
        self.identity = identity or default_identity(name)
        self.lease_duration = lease_duration
        self.renew_deadline = renew_deadline
        self.retry_period = retry_period
        self.release_on_cancel = release_on_cancel
        self.is_leader = False

    async def run(self, lead: Callable[[], Awaitable[None]]) -> None:
        """Wait to become leader, then run `lead()` until it returns or leadership is lost."""
        while not await self._try_acquire_or_renew():
            await asyncio.sleep(self.retry_period)
        self.is_leader = True
        log.info("%s: %s became leader", self.name, self.identity)
        leading = asyncio.create_task(lead(), name=f"leading-{self.name}")
        renewing = asyncio.create_task(self._keep_renewing(), name=f"renew-{self.name}")
        lost = False
        try:
            done, _ = await asyncio.wait({leading, renewing}, return_when=asyncio.FIRST_COMPLETED)
            if renewing in done:
                lost = True
                log.warning("%s: %s lost leadership", self.name, self.identity)
            for task in done:
                task.result()
        finally:
            self.is_leader = False
            for task in (leading, renewing):
                task.cancel()
            await asyncio.gather(leading, renewing, return_exceptions=True)
            if self.release_on_cancel and not lost:
                await self._release()

    async def _keep_renewing(self) -> None:
        loop = asyncio.get_running_loop()
        last_renewal = loop.time()
        while True:
            await asyncio.sleep(self.retry_period)
            if await self._try_acquire_or_renew():
                last_renewal = loop.time()
            elif loop.time() - last_renewal > self.renew_deadline:
                return

    async def _release(self) -> None:
        """Empty the holder if it is still us; a lease that cannot be given back soon simply expires."""
        try:
            async with asyncio.timeout(RELEASE_TIMEOUT_S):
                lease = await self.client.get("Lease", self.name, self.namespace)
                if lease.spec.holder_identity != self.identity:
                    return
                stamp = meta.format_micro_time(meta.now())
                # client-go's release: no holder, a one-second duration, transitions kept.
                lease.spec.holder_identity = ""
                lease.spec.lease_duration_seconds = 1
                lease.spec.acquire_time = lease.spec.renew_time = stamp
                await self.client.update(lease)
                log.info("%s: %s gave the lease back", self.name, self.identity)
        except (errors.ApiError, TimeoutError) as e:
            log.warning("%s: could not give the lease back (%s); it expires by itself", self.name, e)

    async def _try_acquire_or_renew(self) -> bool:
        now = meta.now()
        stamp = meta.format_micro_time(now)
        try:
            lease = await self.client.get("Lease", self.name, self.namespace)
        except errors.NotFound:
            lease = kinds.BY_NAME["Lease"].new(
                metadata=types_pb2.ObjectMeta(name=self.name, namespace=self.namespace),
                spec=types_pb2.LeaseSpec(holder_identity=self.identity,
                                         lease_duration_seconds=int(self.lease_duration),
                                         acquire_time=stamp, renew_time=stamp))
            try:
                await self.client.create(lease)
                return True
            except errors.ApiError:
                return False
        except errors.ApiError:
            return False
        spec = lease.spec
        if spec.holder_identity != self.identity:
            renewed = meta.parse_time(spec.renew_time)
            duration = spec.lease_duration_seconds or self.lease_duration
            if spec.holder_identity and renewed and renewed + timedelta(seconds=duration) > now:
                return False  # somebody else holds a live lease
            spec.holder_identity = self.identity
            spec.acquire_time = stamp
            spec.lease_transitions += 1
        spec.renew_time = stamp
        spec.lease_duration_seconds = int(self.lease_duration)
        try:
            await self.client.update(lease)  # carries the resourceVersion: a lost race is a Conflict
            return True
        except errors.ApiError:
            return False


def add_flags(parser: argparse.ArgumentParser) -> None:
    """--leader-elect and its timings, with client-go's names and defaults. Parsing then refuses
    timings that are not positive, and a renew deadline that is not shorter than the lease duration."""
    parser.add_argument("--leader-elect", default=True, action=argparse.BooleanOptionalAction,
                        help="act only while holding the lease, so several replicas can run and one acts "
                             "(default on)")
    parser.add_argument("--leader-elect-lease-duration", type=positive_seconds, default=15.0, metavar="SECONDS",
                        help="how long others wait after the leader's last renewal before taking over "
                             "(default %(default)s)")
    parser.add_argument("--leader-elect-renew-deadline", type=positive_seconds, default=10.0, metavar="SECONDS",
                        help="the leader steps down when it cannot renew for this long; shorter than the lease "
                             "duration (default %(default)s)")
    parser.add_argument("--leader-elect-retry-period", type=positive_seconds, default=2.0, metavar="SECONDS",
                        help="how often to renew or try to take the lease (default %(default)s)")
    _check_after_parsing(parser)


def elector_from_args(client: Client, lease_name: str, args: argparse.Namespace,
                      identity: str = "") -> LeaderElector | None:
    """The elector the flags of add_flags() ask for; None with --no-leader-elect."""
    if not args.leader_elect:
        return None
    return LeaderElector(client, lease_name, identity=identity, lease_duration=args.leader_elect_lease_duration,
                         renew_deadline=args.leader_elect_renew_deadline,
                         retry_period=args.leader_elect_retry_period)


def _check_after_parsing(parser: argparse.ArgumentParser) -> None:
    # argparse has no hook for a rule across two flags, and a check as each flag is read would see the
    # other's default; wrapping this parser's parse gives every caller of add_flags the rule.
    parse = parser.parse_known_args

    def parse_and_check(args=None, namespace=None):
        parsed, extras = parse(args, namespace)
        if parsed.leader_elect_renew_deadline >= parsed.leader_elect_lease_duration:
            parser.error("--leader-elect-renew-deadline must be shorter than --leader-elect-lease-duration")
        return parsed, extras

    parser.parse_known_args = parse_and_check
