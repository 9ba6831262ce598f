"""The controller manager as a whole: leader election with failover and no double creation,
choosing controllers, and the command line."""
from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from api import leaderelection
from controlplane.controllers import manager
from tests.fixtures.api_calls import active_pods
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.fake_agent import fake_agent
from tests.fixtures.objects import replica_set
from tests.fixtures.wait import eventually


async def test_leader_failover_takes_over_without_double_creation(client):
    most = 0

    def observe(pods):
        nonlocal most
        most = max(most, len([p for p in pods if not p.metadata.deletion_timestamp]))

    async with fake_agent(client, observe=observe):
        async with running_manager(client, ["replicaset"], leader_elect=True, identity="first") as first:
            await asyncio.wait_for(first.leading.wait(), 10)
            async with running_manager(client, ["replicaset"], leader_elect=True, identity="second") as second:
                await client.create(replica_set("web", 5))
                await eventually(lambda: _count(client, 5))
                assert not second.leading.is_set()
                await first.stop()  # gives the lease back: the standby need not wait for it to expire
                await asyncio.wait_for(second.leading.wait(), 15)
                lease = await client.get("Lease", manager.LEASE_NAME, leaderelection.LEASE_NAMESPACE)
                assert lease.spec.holder_identity == "second"
                await client.scale("ReplicaSet", "web", 8)
                await eventually(lambda: _count(client, 8))
                rs = await eventually(lambda: _ready(client, 8))
                assert rs.status.replicas == 8
    assert most == 8


async def _count(client, n):
    return len(await active_pods(client, selector="app=web")) == n


async def _ready(client, n):
    rs = await client.get("ReplicaSet", "web")
    return rs.status.ready_replicas == n and rs


def test_controllers_flag_chooses_and_excludes():
    assert manager.choose("*") == list(manager.CONTROLLERS)
    assert manager.choose("*,-podgc,-nodeipam") == [n for n in manager.CONTROLLERS if n not in ("podgc", "nodeipam")]
    assert manager.choose("deployment,replicaset") == ["deployment", "replicaset"]
    with pytest.raises(manager.UnknownControllerError, match='unknown controller "replicas"'):
        manager.choose("replicas")


def _run(*args):
    return subprocess.run([sys.executable, "-m", "controlplane.controllers.main", *args],
                          capture_output=True, text=True, timeout=60)


def test_help_names_every_flag():
    result = _run("--help")
    assert result.returncode == 0
    for flag in ("--server", "--controllers", "--log-level", "--cluster-cidr", "--node-cidr-mask-size",
                 "--node-monitor-grace-period", "--pod-eviction-timeout", "--node-monitor-period",
                 "--terminated-pod-gc-threshold", "--leader-elect-lease-duration"):
        assert flag in result.stdout


def test_bad_flags_say_what_is_wrong_without_a_traceback():
    result = _run("--controllers", "replicaset,bogus")
    assert result.returncode != 0 and 'unknown controller "bogus"' in result.stderr
    assert "Traceback" not in result.stderr
    result = _run("--cluster-cidr", "10.244.0.0/16", "--node-cidr-mask-size", "8")
    assert result.returncode != 0 and "--node-cidr-mask-size 8" in result.stderr
