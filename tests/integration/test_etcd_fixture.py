"""The etcd fixture starts a real etcd, over TLS with client certificates, whose data survives a restart."""

import grpc
import pytest

from tests.fixtures.etcd import etcd_client

pytestmark = pytest.mark.integration


async def test_put_get_survives_restart(etcd_server):
    port_before = etcd_server.port
    async with etcd_client(etcd_server.endpoint) as client:
        await client.put(b"k", b"v")
        got = await client.get(b"k")
        assert got is not None and got.value == b"v"

    etcd_server.restart()
    assert etcd_server.port == port_before
    assert etcd_server.healthy()

    async with etcd_client(etcd_server.endpoint) as client:
        got = await client.get(b"k")
        assert got is not None
        assert got.value == b"v"


async def test_session_server_answers(etcd_session):
    async with etcd_client(etcd_session.endpoint) as client:
        await client.put(b"/test-etcd-fixture/session", b"ok")
        got = await client.get(b"/test-etcd-fixture/session")
        assert got.value == b"ok"


def test_stop_then_unhealthy_and_cleanup_removes_dir(tmp_path):
    import os

    from tests.fixtures.etcd import EtcdServer

    srv = EtcdServer()
    try:
        srv.start()
        assert srv.healthy()
        srv.stop()
        assert not srv.running
        assert not srv.healthy()
    finally:
        srv.cleanup()
    assert not os.path.exists(srv.base_dir)


async def test_a_client_without_a_certificate_is_refused(etcd_session):
    channel = grpc.aio.insecure_channel(etcd_session.endpoint)
    try:
        with pytest.raises(grpc.aio.AioRpcError):
            from aetcd import rpc
            await rpc.KVStub(channel).Range(rpc.RangeRequest(key=b"k"), timeout=3)
    finally:
        await channel.close()
