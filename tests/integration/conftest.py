"""Fixtures for integration tests: a real etcd (from tests/conftest.py) and an API server in this loop."""
from __future__ import annotations

import pytest

from api.client import Client
from controlplane.apiserver import main as apiserver


@pytest.fixture
async def apiserver_running(etcd_server):
    running = await apiserver.start([etcd_server.endpoint], "127.0.0.1:0")
    try:
        yield running
    finally:
        await running.stop(grace=0)


@pytest.fixture
async def client(apiserver_running):
    async with Client(apiserver_running.address, timeout=10) as c:
        yield c
