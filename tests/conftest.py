"""Shared pytest fixtures. Keep free of imports of skiff's own packages."""

from __future__ import annotations

import pytest

from tests.fixtures.etcd import EtcdServer


def _running_etcd():
    srv = EtcdServer()
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
