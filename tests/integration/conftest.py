"""Fixtures for integration tests: a real etcd (from tests/conftest.py), an API server in this loop
(TLS, the session's PKI), an admin client of it, and the `skiff` command line pointed at it."""
from __future__ import annotations

import asyncio
import io
import sys

import pytest

from cli.main import main as skiff_main
from controlplane.apiserver import encryption as encryption_config
from tests.fixtures import apiserver
from tests.fixtures.apiserver import admin_client
from tests.fixtures.cli_runner import Result
from tests.fixtures.pki import test_pki


@pytest.fixture(scope="session")
def pki():
    """The session's cluster PKI (CA, API server, admin, components; node certs on demand)."""
    return test_pki()


@pytest.fixture
async def apiserver_factory():
    """`await apiserver_factory(etcd_endpoints, listen=..., **options)`: an API server on any etcd (options as in
    controlplane.apiserver.main.start, e.g. compaction_interval), stopped at the end of the test."""
    started = []

    async def start(etcd_endpoints: list[str], listen: str = "127.0.0.1:0", **options):
        running = await apiserver.start_apiserver(etcd_endpoints, listen, **options)
        started.append(running)
        return running
    try:
        yield start
    finally:
        for running in reversed(started):
            await running.stop(grace=0)


@pytest.fixture
async def start_apiserver(etcd_server, apiserver_factory):
    """`await start_apiserver(encryption=YAML)`: an API server on the test's etcd, stopped at the end;
    `encryption` is an EncryptionConfiguration (Secrets encrypted at rest)."""
    async def start(encryption: str | None = None, **options):
        config = encryption_config.parse(encryption) if encryption else None
        return await apiserver_factory([etcd_server.endpoint], encryption_config=config,
                                       rest_listen="127.0.0.1:0", **options)
    return start


@pytest.fixture
async def apiserver_running(start_apiserver, request):
    """The test's API server; a module may set APISERVER_ENCRYPTION (an EncryptionConfiguration's YAML)."""
    return await start_apiserver(getattr(request.module, "APISERVER_ENCRYPTION", None))


@pytest.fixture
async def client(apiserver_running):
    async with admin_client(apiserver_running.address) as c:
        yield c


@pytest.fixture
def cli_config(apiserver_running, cli_config_for):
    """The config file the lab would write (the admin's certificate), pointing at the test's API server,
    its REST address included (so `skiff get` takes its fast path, as in the lab)."""
    return cli_config_for(apiserver_running.address, rest=apiserver_running.rest.address)


@pytest.fixture
def cli_config_for(pki, tmp_path, monkeypatch):
    """`cli_config_for(address, rest="")`: the admin's config for an API server the test started itself."""
    def write(address: str, rest: str = ""):
        path = pki.kubeconfig(address, tmp_path / "skiff-config", rest=rest)
        monkeypatch.setenv("SKIFF_CONFIG", str(path))
        return path
    return write


@pytest.fixture
def skiff(cli_config, monkeypatch):
    """`await skiff("get", "po")` runs the real CLI in a thread (it has its own event loop)."""
    async def run(*argv: str, stdin: str | None = None) -> Result:
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        out, err = io.StringIO(), io.StringIO()
        code = await asyncio.to_thread(skiff_main, list(argv), out, err)
        return Result(code, out.getvalue(), err.getvalue())
    return run


@pytest.fixture
async def scheduler(client, request):
    """A scheduler in this loop; a test module may set SCHEDULER_CONFIG (fast backoffs by default)."""
    from controlplane.scheduler.scheduler import Config, Scheduler
    config = getattr(request.module, "SCHEDULER_CONFIG", None) or Config(initial_backoff=0.2, max_backoff=1.0)
    s = Scheduler(client, config)
    await s.start(sync_timeout=10)
    try:
        yield s
    finally:
        await s.stop()


@pytest.fixture
async def kubectl(apiserver_running, tmp_path):
    """The real kubectl pointed at the test API server's REST listener: `await kubectl("get", "pods")`."""
    from tests.fixtures.kubectl import Kubectl, write_config
    runner = Kubectl(write_config(tmp_path, apiserver_running.rest))
    try:
        yield runner
    finally:
        await runner.stop_all()


@pytest.fixture
async def rest(apiserver_running):
    """An aiohttp session on the test API server's REST listener: `await rest.get("/api/v1/pods")`."""
    from tests.fixtures.rest import rest_session
    async with rest_session(apiserver_running.rest) as session:
        yield session
