"""Shared pytest fixtures. Keep free of imports of skiff's own packages."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

from tests.fixtures.etcd import EtcdCluster, EtcdServer


@pytest.fixture(scope="session", autouse=True)
def private_cli_cache():
    """The CLI keeps parsed kubeconfigs under ~/.skiff/cache; tests (and the CLIs they start) use their
    own directory instead, removed at the end, so a run leaves nothing in the home directory."""
    directory = tempfile.mkdtemp(prefix="skiff-cli-cache-")
    os.environ["SKIFF_CACHE_DIR"] = directory  # "SKIFF_CACHE_DIR": cli.config_cache.CACHE_DIR_ENV
    try:
        yield directory
    finally:
        os.environ.pop("SKIFF_CACHE_DIR", None)
        shutil.rmtree(directory, ignore_errors=True)


def _running_etcd(**options):
    srv = EtcdServer(**options)
    try:
        srv.start()
        yield srv
    finally:
        srv.cleanup()


@pytest.fixture
def etcd_server():
    """A fresh real etcd on free ports for one test; always cleaned up."""
    yield from _running_etcd()


@pytest.fixture(scope="session")
def etcd_session():
    """One real etcd shared by the whole session (faster; tests must use
    their own key prefixes and must not stop or restart it)."""
    yield from _running_etcd()


@pytest.fixture
def etcd_small_quota():
    """A fresh etcd whose space quota is only 64 MiB, to fill it on purpose."""
    yield from _running_etcd(quota_bytes=64 * 1024 * 1024)


@pytest.fixture
def etcd_cluster():
    """Three fresh etcd members forming one cluster, to kill one of them; always cleaned up."""
    cluster = EtcdCluster(3)
    try:
        yield cluster.start()
    finally:
        cluster.cleanup()
