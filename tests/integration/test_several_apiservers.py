"""Several API servers on one etcd: each lists itself in the `kubernetes` Service, and a client given
all of them fails over when one goes and reconnects within a second of its return."""
from __future__ import annotations

import asyncio
import time

import pytest

from api import errors
from api.informer import Informer
from tests.fixtures.apiserver import admin_client
from tests.fixtures.etcd import free_port
from tests.fixtures.objects import pod
from tests.fixtures.wait import eventually


async def test_kubernetes_service_lists_every_live_api_server(etcd_server, apiserver_factory):
    a = await apiserver_factory([etcd_server.endpoint], advertise_address="127.0.0.2")
    b = await apiserver_factory([etcd_server.endpoint], advertise_address="127.0.0.3")
    async with admin_client(a.address, timeout=10) as client:
        service = await client.get("Service", "kubernetes")
        assert service.spec.cluster_ip == "10.96.0.1"

        async def addresses():
            endpoints = await client.get("Endpoints", "kubernetes")
            return sorted(a.ip for s in endpoints.subsets for a in s.addresses)
        await eventually(lambda: _equals(addresses(), ["127.0.0.2", "127.0.0.3"]), timeout=20)
        await b.stop(0)  # a server that stops gives up its lease: the others drop it at once
        await eventually(lambda: _equals(addresses(), ["127.0.0.2"]), timeout=20)


async def test_kubernetes_service_leads_pods_to_the_rest_api_when_it_is_served(etcd_server, apiserver_factory):
    # in-cluster Kubernetes clients (client-go, kubectl in a pod) speak REST with their ServiceAccount token
    server = await apiserver_factory([etcd_server.endpoint], advertise_address="127.0.0.2", rest_listen="127.0.0.1:0")
    rest_port = int(server.rest.address.rpartition(":")[2])
    async with admin_client(server.address, timeout=10) as client:
        async def ports():
            endpoints = await client.get("Endpoints", "kubernetes")
            return [(a.ip, p.port) for s in endpoints.subsets for a in s.addresses for p in s.ports]
        await eventually(lambda: _equals(ports(), [("127.0.0.2", rest_port)]), timeout=20)


async def _equals(value, expected) -> bool:
    return await value == expected


async def test_client_fails_over_to_the_next_api_server(etcd_server, apiserver_factory):
    a = await apiserver_factory([etcd_server.endpoint])
    b = await apiserver_factory([etcd_server.endpoint])
    async with admin_client(f"{a.address},{b.address}", timeout=10) as client:
        informer = Informer(client, "Pod")
        informer.start()
        try:
            await informer.wait_synced(10)
            await client.create(pod("before"))
            await a.stop(0)
            created = await client.create(pod("after"))  # no error: tried on b
            assert created.metadata.name == "after" and client.server == b.address
            await eventually(lambda: {"default/before", "default/after"} <= set(informer.keys()), timeout=20)
        finally:
            await informer.stop()


async def test_client_reconnects_within_a_second_of_the_api_server_return(etcd_server, apiserver_factory):
    listen = f"127.0.0.1:{free_port()}"
    first = await apiserver_factory([etcd_server.endpoint], listen=listen)
    async with admin_client(listen, timeout=5) as client:
        await client.create(pod("p0"))
        await first.stop(0)
        for _ in range(5):  # a few failures push gRPC's reconnect backoff to its cap
            try:
                await client.get("Pod", "p0")
            except errors.ServerUnreachable:
                pass
            await asyncio.sleep(0.3)
        await apiserver_factory([etcd_server.endpoint], listen=listen)
        back = time.monotonic()

        async def answers():
            try:
                return await client.get("Pod", "p0")
            except errors.ServerUnreachable:
                return None
        await eventually(answers, timeout=10, interval=0.01)
        assert time.monotonic() - back < 1.5  # the promise is 1 s; the margin is for a loaded CI box


async def test_writes_resume_within_a_second_of_etcd_return(etcd_server, client):
    await client.create(pod("before"))
    etcd_server.stop()
    for i in range(5):  # failures while etcd is away push every reconnect backoff to its cap
        with pytest.raises(errors.Unavailable):
            await client.create(pod(f"during-{i}"))
        await asyncio.sleep(0.3)
    etcd_server.start()  # returns once etcd answers its health check
    back = time.monotonic()

    async def written():
        try:
            return await client.create(pod("after"))
        except (errors.Unavailable, errors.AlreadyExists):
            return None
    await eventually(written, timeout=10, interval=0.01)
    assert time.monotonic() - back < 1.5  # the promise is 1 s; the margin is for a loaded CI box
