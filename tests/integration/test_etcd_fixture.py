"""The etcd fixture starts a real etcd whose data survives a restart."""

import aetcd
import pytest

pytestmark = pytest.mark.integration


async def test_put_get_survives_restart(etcd_server):
    port_before = etcd_server.port
    async with aetcd.Client(etcd_server.host, etcd_server.port) as client:
        await client.put(b"k", b"v")
        got = await client.get(b"k")
        assert got is not None and got.value == b"v"

    etcd_server.restart()
    assert etcd_server.port == port_before
    assert etcd_server.healthy()

    async with aetcd.Client(etcd_server.host, etcd_server.port) as client:
        got = await client.get(b"k")
        assert got is not None
        assert got.value == b"v"


async def test_session_server_answers(etcd_session):
    async with aetcd.Client(etcd_session.host, etcd_session.port) as client:
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
