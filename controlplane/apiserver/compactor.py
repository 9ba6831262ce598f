"""Periodic etcd compaction, as kube-apiserver does it: every interval, compact to the revision seen one
interval ago, so etcd keeps one interval of history and several API servers compact only once a turn.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from api import errors
from api.tasks import cancel_and_wait
from controlplane.apiserver.storage import Storage

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_S = 300.0  # kube-apiserver's --etcd-compaction-interval
# The key whose version counts compaction turns; the same key kube-apiserver uses.
COMPACT_KEY = b"compact_rev_key"


@dataclass(frozen=True)
class Turn:
    """Where the compaction lease stands after one attempt."""

    version: int  # how many turns were taken, cluster-wide (the key's version)
    revision: int  # the store's revision when this turn was looked at: the next turn compacts to it
    compact_to: int  # the revision to compact to now (0: nothing, or another API server took the turn)


def next_turn(seen_version: int, previous_revision: int, won: bool, version_now: int, revision_now: int) -> Turn:
    """Decide one turn: only the API server that advanced the lease compacts, to last turn's revision.

    A loser learns the current version and compacts nothing, so N API servers compact once per interval.
    """
    if not won:
        return Turn(version_now, revision_now, 0)
    return Turn(seen_version + 1, revision_now, previous_revision)


class Compactor:
    """Runs the turns on a period, for as long as the API server runs."""

    def __init__(self, storage: Storage, interval: float = DEFAULT_INTERVAL_S):
        self._storage = storage
        self.interval = interval
        self._version = 0
        self._revision = 0
        self.compacted_to = 0  # the last revision this API server compacted to
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        if self.interval > 0:
            self._task = asyncio.create_task(self._run(), name="etcd-compactor")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.turn()
            except errors.ApiError as e:
                log.warning("etcd compaction skipped this interval: %s", e)

    async def turn(self) -> Turn:
        """Take (or lose) one compaction turn now."""
        won, version_now, revision_now = await self._storage.put_if_version(
            COMPACT_KEY, str(self._revision).encode(), self._version)
        turn = next_turn(self._version, self._revision, won, version_now, revision_now)
        self._version, self._revision = turn.version, turn.revision
        if turn.compact_to:
            try:
                await self._storage.compact(turn.compact_to)
            except errors.Expired:
                pass  # someone compacted past it already: the goal is reached
            else:
                self.compacted_to = turn.compact_to
                log.info("compacted etcd to revision %d", turn.compact_to)
        return turn
