"""The `kubernetes` Service in `default` and its Endpoints: the API servers alive now, so pods reach the API
at the service range's first address (Kubernetes' bootstrap controller and lease endpoint reconciler).
"""
from __future__ import annotations

import asyncio
import ipaddress
import logging
from datetime import datetime, timedelta

from api import errors, kinds, meta
from api.tasks import cancel_and_wait
from controlplane.apiserver.registry import Registry
from proto import types_pb2

log = logging.getLogger(__name__)

SERVICE = "kubernetes"
PORT_NAME = "https"
# Each API server renews a Lease in kube-system labelled as Kubernetes labels its API server identities.
IDENTITY_LABEL = "apiserver.kubernetes.io/identity"
IDENTITY = "kube-apiserver"
LEASE_SECONDS = 15
RESYNC_S = 5.0


def lease_name(address: str) -> str:
    """`apiserver-10-250-0-1-6443` for 10.250.0.1:6443: a valid name, one per API server."""
    return "apiserver-" + address.replace(".", "-").replace(":", "-")


def live_addresses(leases: list, now: datetime) -> list[str]:
    """The IPs of the API servers whose lease has not run out, sorted (so every server writes the same)."""
    live = set()
    for lease in leases:
        renewed = meta.parse_time(lease.spec.renew_time)
        duration = lease.spec.lease_duration_seconds or LEASE_SECONDS
        if renewed and renewed + timedelta(seconds=duration) > now and lease.spec.holder_identity:
            live.add(lease.spec.holder_identity.rpartition(":")[0])
    return sorted(live, key=ipaddress.ip_address)


def desired_subsets(addresses: list[str], port: int) -> list[types_pb2.EndpointSubset]:
    if not addresses:
        return []
    return [types_pb2.EndpointSubset(
        addresses=[types_pb2.EndpointAddress(ip=ip) for ip in addresses],
        ports=[types_pb2.EndpointPort(name=PORT_NAME, port=port, protocol="TCP")])]


def kubernetes_service(cluster_ip: str, port: int) -> types_pb2.Service:
    return kinds.BY_NAME["Service"].new(
        metadata=types_pb2.ObjectMeta(name=SERVICE, namespace="default",
                                      labels={"component": "apiserver", "provider": "kubernetes"}),
        spec=types_pb2.ServiceSpec(type="ClusterIP", cluster_ip=cluster_ip, ports=[types_pb2.ServicePort(
            name=PORT_NAME, port=443, protocol="TCP", target_port=types_pb2.IntOrString(int_value=port))]))


class ApiEndpoints:
    """Keeps this API server's lease, the Service, and the Endpoints listing every live API server."""

    def __init__(self, registry: Registry, advertise: str, resync: float = RESYNC_S):
        self._registry = registry
        self.advertise = advertise  # "IP:PORT" pods reach this API server at
        self._resync = resync
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        """The first sync now (so a started API server has its Service), then one every resync period."""
        await self._sync_logged()
        self._task = asyncio.create_task(self._run(), name="kubernetes-endpoints")

    async def stop(self) -> None:
        """Stop, and give up the lease so the others drop this server from the Endpoints at once."""
        await cancel_and_wait(self._task)
        try:
            await self._registry.delete(kinds.BY_NAME["Lease"], "kube-system", lease_name(self.advertise))
            await self._publish()  # not sync(): renewing would bring the lease just given up back
        except errors.ApiError:
            pass  # etcd is away: the lease runs out by itself

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._resync)
            await self._sync_logged()

    async def _sync_logged(self) -> None:
        try:
            await self.sync()
        except errors.ApiError as e:
            log.warning("kubernetes Service endpoints not updated: %s", e)

    async def sync(self) -> None:
        port = int(self.advertise.rpartition(":")[2])
        await self._ensure_service(port)
        await self._renew_lease()
        await self._publish()

    async def _publish(self) -> None:
        """The Endpoints of the `kubernetes` Service: every API server whose lease is live."""
        port = int(self.advertise.rpartition(":")[2])
        leases, _, _ = await self._registry.list(kinds.BY_NAME["Lease"], "kube-system", f"{IDENTITY_LABEL}={IDENTITY}")
        await self._write_endpoints(desired_subsets(live_addresses(leases, meta.now()), port))

    async def _ensure_service(self, port: int) -> None:
        first = str(next(self._registry.settings.service_ranges.cluster_ip_range.hosts()))
        try:
            await self._registry.create(kubernetes_service(first, port))
        except errors.AlreadyExists:
            pass

    async def _renew_lease(self) -> None:
        stamp = meta.format_micro_time(meta.now())
        kind = kinds.BY_NAME["Lease"]
        try:
            lease = await self._registry.get(kind, "kube-system", lease_name(self.advertise))
        except errors.NotFound:
            lease = kind.new(
                metadata=types_pb2.ObjectMeta(name=lease_name(self.advertise), namespace="kube-system",
                                              labels={IDENTITY_LABEL: IDENTITY}),
                spec=types_pb2.LeaseSpec(holder_identity=self.advertise, lease_duration_seconds=LEASE_SECONDS,
                                         acquire_time=stamp, renew_time=stamp))
            await self._registry.create(lease)
            return
        lease.spec.renew_time = stamp
        await self._registry.update(lease)

    async def _write_endpoints(self, subsets: list[types_pb2.EndpointSubset]) -> None:
        kind = kinds.BY_NAME["Endpoints"]
        try:
            current = await self._registry.get(kind, "default", SERVICE)
        except errors.NotFound:
            await self._registry.create(kind.new(
                metadata=types_pb2.ObjectMeta(name=SERVICE, namespace="default"), subsets=subsets))
            return
        if list(current.subsets) == subsets:
            return
        del current.subsets[:]
        current.subsets.extend(subsets)
        await self._registry.update(current)
