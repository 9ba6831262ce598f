"""The agent's NetworkPolicy enforcement: NetworkPolicy, Pod and Namespace informers feed coalesced syncs,
each deciding from the caches and replacing the `ip skiff-policy` table in one `nft -f -` when it changed.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from api.client import Client
from api.informer import Informer
from api.tasks import cancel_and_wait
from nodeagent.netpol import model, render
from nodeagent.proxy import nft
from nodeagent.proxy.coalesce import Coalescer
from proto import types_pb2

log = logging.getLogger(__name__)

PEERS_TIMEOUT = 30.0  # how long a first list of every pod may take before the sync says why it waits


def _pod_matters(old: types_pb2.Pod, new: types_pb2.Pod) -> bool:
    """Whether a pod update can change a decision: its address, labels, liveness or node."""
    return (old.status.pod_ip, old.status.phase, old.spec.node_name, dict(old.metadata.labels)) != \
        (new.status.pod_ip, new.status.phase, new.spec.node_name, dict(new.metadata.labels))


class PolicyEnforcer:
    def __init__(self, client: Client, node_name: str, host_netns: str | None = None, resync_period: float = 30.0,
                 dns_address: Callable[[], str] = str, dns_port: int = 53):
        self.node_name = node_name
        self.host_netns = host_netns
        self.dns_address = dns_address  # where this node's cluster DNS answers ("" : not yet)
        self.dns_port = dns_port
        self.policies = Informer(client, "NetworkPolicy")
        self.pods = Informer(client, "Pod")  # every pod: peers are anywhere in the cluster
        self.namespaces = Informer(client, "Namespace")
        for informer in (self.policies, self.namespaces):
            informer.add_handlers(lambda obj: self.request(), lambda old, new: self.request(),
                                  lambda obj: self.request())
        self.pods.add_handlers(lambda obj: self.request(),
                               lambda old, new: self.request() if _pod_matters(old, new) else None,
                               lambda obj: self.request())
        self.syncer = Coalescer(self.sync, f"network policy sync on {node_name}", resync_period=resync_period)
        self.synced = asyncio.Event()  # set after the first successful sync
        self._applied: str | None = None  # the transaction the table was last made with; None: unknown
        self._applied_at = 0.0
        self._watching_peers = False
        self.resync_period = resync_period
        self._task: asyncio.Task | None = None

    def request(self) -> None:
        self.syncer.request()

    async def start(self) -> None:
        self.policies.start()  # pods and namespaces are watched once there is a policy (see _peers_known)
        self._task = asyncio.create_task(self._run(), name=f"{self.node_name}-network-policy")

    async def stop(self, remove_table: bool = True) -> None:
        """Stop syncing; unless told otherwise remove the table (a clean stop leaves no rules behind)."""
        await cancel_and_wait(self._task)
        self._task = None
        for informer in (self.policies, self.pods, self.namespaces):
            await informer.stop()
        self._watching_peers = False
        if remove_table:
            try:
                await nft.apply(render.teardown(), self.host_netns)
            except nft.NftError as e:
                log.warning("removing the network policy table: %s", e)
            self._applied = None

    async def _run(self) -> None:
        await self.policies.wait_synced()
        self.request()
        await self.syncer.run()

    async def _peers_known(self) -> None:
        """Every pod and namespace in the caches, watched from the first policy on: a cluster without
        NetworkPolicies costs its agents no cluster-wide pod watch. Raises (the sync is retried, with the
        reason logged) when they cannot be listed, e.g. a narrowed network policy agent role."""
        if not self._watching_peers:
            self._watching_peers = True
            self.pods.start()
            self.namespaces.start()
        for informer in (self.pods, self.namespaces):
            try:
                await informer.wait_synced(PEERS_TIMEOUT)
            except asyncio.TimeoutError:
                raise RuntimeError(f"cannot list every {informer.kind.plural}: NetworkPolicies are not enforced "
                                   f"on {self.node_name} (see the API server's answer in this agent's log; the "
                                   f"ClusterRole system:skiff:network-policy-agent grants it)") from None

    def decision(self) -> model.Decision:
        address = self.dns_address()
        dns = model.dns_pod(address, self.dns_port) if address else None
        return model.decide(self.policies.list(), self.pods.list(), self.namespaces.list(), self.node_name, dns)

    async def sync(self) -> None:
        """Decide from the caches; replace the table when the decision changed, and once per resync
        period in any case (repairing a table changed behind our back)."""
        if len(self.policies):
            await self._peers_known()
        text = render.script(self.decision())
        stale = time.monotonic() - self._applied_at >= self.resync_period
        if text != self._applied or stale:
            try:
                await nft.apply(text, self.host_netns)
            except nft.NftError:
                self._applied = None
                raise
            self._applied, self._applied_at = text, time.monotonic()
            log.debug("network policies on %s: table replaced", self.node_name)
        self.synced.set()
