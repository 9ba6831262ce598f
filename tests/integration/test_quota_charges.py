"""ResourceQuota admission charges the quota's status before the write, as Kubernetes': racing creates through one
API server or two admit no more than the quota, a claim resized past it is refused, and the quota controller's
periodic recount gives back a charge whose create failed after it."""
from __future__ import annotations

import asyncio

import pytest

from api import errors, kinds
from tests.fixtures.apiserver import admin_client
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.objects import from_yaml, pod
from tests.fixtures.wait import eventually

pytestmark = pytest.mark.integration

PODS_QUOTA = """apiVersion: v1
kind: ResourceQuota
metadata: {name: pod-demo, namespace: default}
spec:
  hard: {pods: "3"}
"""


async def _create_all(clients, count):
    """Create `count` pods at once, spread over the clients: (names created, the errors of the others)."""
    results = await asyncio.gather(*(clients[i % len(clients)].create(pod(f"p{i}")) for i in range(count)),
                                   return_exceptions=True)
    made = [r.metadata.name for r in results if not isinstance(r, BaseException)]
    return made, [r for r in results if isinstance(r, BaseException)]


def _assert_refused_over_quota(refused):
    for error in refused:
        assert isinstance(error, errors.Forbidden), repr(error)
        assert "exceeded quota: pod-demo, requested: pods=1, used: pods=3, limited: pods=3" in error.message


async def test_ten_racing_creates_admit_exactly_the_quota(client):
    await client.create(from_yaml(PODS_QUOTA))
    made, refused = await _create_all([client], 10)
    assert len(made) == 3, (made, refused)
    _assert_refused_over_quota(refused)
    assert len((await client.list("Pod", "default")).items) == 3
    assert (await client.get("ResourceQuota", "pod-demo")).status.used["pods"] == "3"


async def test_two_api_servers_on_one_etcd_admit_exactly_the_quota(etcd_server, apiserver_factory):
    first = await apiserver_factory([etcd_server.endpoint])
    second = await apiserver_factory([etcd_server.endpoint])
    async with admin_client(first.address) as one, admin_client(second.address) as two:
        await one.create(from_yaml(PODS_QUOTA))
        # the second server's cache must know the quota, or it has nothing to charge
        await eventually(lambda: second.registry.cached(kinds.BY_NAME["ResourceQuota"], "default", "pod-demo"),
                         what="the quota in the second server's cache")
        made, refused = await _create_all([one, two], 10)
        assert len(made) == 3, (made, refused)
        _assert_refused_over_quota(refused)
        assert len((await one.list("Pod", "default")).items) == 3


STORAGE = """apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: expandable}
provisioner: example.com/none
allowVolumeExpansion: true
"""
STORAGE_QUOTA = """apiVersion: v1
kind: ResourceQuota
metadata: {name: storage, namespace: default}
spec:
  hard: {requests.storage: 2Gi}
"""
CLAIM = """apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: default}
spec:
  storageClassName: expandable
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
"""


async def _resized(client, size, dry_run=False):
    claim = await client.get("PersistentVolumeClaim", "data")
    claim.spec.resources.requests["storage"] = size
    return await client.update(claim, dry_run=dry_run)


async def test_a_claim_resized_past_the_storage_quota_is_refused(client):
    await client.create(from_yaml(STORAGE))
    await client.create(from_yaml(STORAGE_QUOTA))
    claim = await client.create(from_yaml(CLAIM))
    claim.status.phase = "Bound"  # only a bound claim may grow
    await client.update_status(claim)
    with pytest.raises(errors.Forbidden) as refused:
        await _resized(client, "3Gi")
    assert refused.value.message == (
        'persistentvolumeclaims "data" is forbidden: exceeded quota: storage, requested: requests.storage=2Gi, '
        'used: requests.storage=1Gi, limited: requests.storage=2Gi')
    with pytest.raises(errors.Forbidden):
        await _resized(client, "3Gi", dry_run=True)
    await _resized(client, "2Gi", dry_run=True)
    assert (await client.get("ResourceQuota", "storage")).status.used["requests.storage"] == "1Gi"
    await _resized(client, "2Gi")
    assert (await client.get("ResourceQuota", "storage")).status.used["requests.storage"] == "2Gi"


async def test_the_charge_of_a_create_that_failed_is_given_back_by_the_periodic_recount(client):
    await client.create(from_yaml(PODS_QUOTA))
    await client.create(pod("p0"))
    with pytest.raises(errors.AlreadyExists):
        await client.create(pod("p0"))  # charged, then refused by etcd
    assert await _used_pods(client) == "2"
    async with running_manager(client, ["resourcequota"], resource_quota_sync_period=0.5):
        await eventually(lambda: _used_pods_is(client, "1"), what="the failed create's charge given back")
        since = (await client.get("ResourceQuota", "pod-demo")).metadata.resource_version
        changes = client.watch("ResourceQuota", "default", resource_version=since)
        with pytest.raises(errors.AlreadyExists):
            await client.create(pod("p0"))
        # a charge is no cue to recount, nor is a failed create: only the periodic resync gives this one back
        seen = await asyncio.wait_for(_used_until(changes, "1"), 20)
        assert seen == ["2", "1"]


async def _used_until(changes, last):
    """The quota's status.used.pods of each change watched, up to the first change to `last`."""
    seen = []
    async for event in changes:
        if event.type in ("ADDED", "MODIFIED"):
            seen.append(event.object.status.used.get("pods"))
            if seen[-1] == last:
                await changes.aclose()
                return seen


async def _used_pods(client):
    return (await client.get("ResourceQuota", "pod-demo")).status.used.get("pods")


async def _used_pods_is(client, value):
    return await _used_pods(client) == value
