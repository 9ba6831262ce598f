"""etcd kept healthy: compaction on a period keeps a large object updated in a loop under the quota, a full
etcd is a distinct "storage full" error naming the remedy, and long values in errors are cut to fit."""
from __future__ import annotations

import pytest

from api import errors, kinds
from tests.fixtures.apiserver import admin_client
from controlplane.apiserver import watchcache
from deploy.etcdspace import free_space
from tests.fixtures.objects import deployment, pod
from tests.fixtures.pki import test_pki

BIG_VALUE = "x" * (200 * 1024)  # a 200 KB annotation: within Kubernetes' 256 KB for all annotations


def _big_deployment(name: str):
    d = deployment(name, 1)
    d.metadata.annotations["example.com/blob"] = BIG_VALUE
    return d


async def test_large_deployment_updated_in_a_loop_survives_a_small_quota(etcd_small_quota, apiserver_factory):
    # The measurement, scaled to a 64 MiB quota: 700 updates of a 200 KB object write ~140 MB,
    # twice the quota. Without compaction the writes stop with "database space exceeded".
    running = await apiserver_factory([etcd_small_quota.endpoint], compaction_interval=0.5)
    async with admin_client(running.address, timeout=20) as client:
        d = await client.create(_big_deployment("big"))
        for i in range(700):
            d.spec.template.metadata.annotations["round"] = str(i)
            d = await client.update(d)
        assert d.spec.template.metadata.annotations["round"] == "699"
        assert running.compactor.compacted_to > 0
        # The watch history holds recent versions only, bounded in bytes rather than 20,000 events.
        cache = running.registry.caches[kinds.lookup("Deployment")]
        assert cache.history_bytes <= watchcache.HISTORY_BYTES


async def test_full_etcd_is_a_storage_full_error_naming_the_remedy_then_recovers(etcd_small_quota,
                                                                                  apiserver_factory):
    running = await apiserver_factory([etcd_small_quota.endpoint], compaction_interval=0)
    async with admin_client(running.address, timeout=20) as client:
        d = await client.create(_big_deployment("filler"))
        with pytest.raises(errors.StorageFull) as full:
            for i in range(1000):
                d.spec.template.metadata.annotations["round"] = str(i)
                d = await client.update(d)
        assert "database space exceeded" in full.value.message
        assert "defrag" in full.value.message and "alarm disarm" in full.value.message
        # Every write fails while the alarm is raised, a delete too; reads still work.
        with pytest.raises(errors.StorageFull):
            await client.create(pod("small"))
        assert (await client.get("Deployment", "filler")).metadata.name == "filler"

        lines = await free_space([etcd_small_quota.endpoint], test_pki().etcd_tls())
        assert any("defragmented" in line for line in lines)
        assert "alarms disarmed: 1" in lines
        created = await client.create(pod("after"))
        assert created.metadata.name == "after"


async def test_error_echoing_a_20kb_label_names_the_field_and_fits_grpc(client):
    huge = pod("labelled", labels={"app": "y" * 20_000})
    with pytest.raises(errors.Invalid) as invalid:
        await client.create(huge)
    assert any(c.startswith("metadata.labels: Invalid value:") for c in invalid.value.causes)
    assert "truncated" in invalid.value.message
    assert len(invalid.value.message) < 4096


async def test_compaction_turns_are_taken_once_between_two_api_servers(etcd_server, apiserver_factory):
    first = await apiserver_factory([etcd_server.endpoint], compaction_interval=0)
    second = await apiserver_factory([etcd_server.endpoint], compaction_interval=0)
    async with admin_client(first.address, timeout=10) as client:
        created = await client.create(pod("p0"))
        assert (await first.compactor.turn()).compact_to == 0  # first turn: nothing seen before it
        assert (await second.compactor.turn()).compact_to == 0  # lost the turn: learns the lease
        await client.create(pod("p1"))
        turn = await first.compactor.turn()
        assert turn.compact_to >= int(created.metadata.resource_version)
        # etcd itself no longer answers for a revision before the compaction
        with pytest.raises(errors.Expired):
            await first.registry.storage.list(b"/", revision=int(created.metadata.resource_version) - 1)
