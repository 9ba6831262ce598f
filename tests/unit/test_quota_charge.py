"""The quota admission's retries: a quota changed under a charge is re-read and judged again; one that keeps
changing ends in Kubernetes' conflict; a refusal judged on the watch cache's copy is confirmed on etcd's."""
from __future__ import annotations

import pytest

from api import errors, manifest
from controlplane.apiserver.quotacharge import ATTEMPTS, QuotaCharger


def _quota(used: str, rv: int):
    rq, _ = manifest.from_dict({"apiVersion": "v1", "kind": "ResourceQuota",
                                "metadata": {"name": "pod-demo", "namespace": "default", "resourceVersion": str(rv)},
                                "spec": {"hard": {"pods": "2"}}, "status": {"used": {"pods": used}}})
    return rq


def _pod(name):
    obj, _ = manifest.from_dict({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"},
                                 "spec": {"containers": [{"name": "app", "image": "nginx"}]}})
    return obj


class Etcd:
    """One quota, as etcd holds it; `cache` is the watch cache's (possibly older) copy."""

    def __init__(self, stored, cache, always_changed=False):
        self.stored, self.cache, self.always_changed = stored, cache, always_changed
        self.swaps = 0

    def charger(self):
        return QuotaCharger(lambda kind, ns: [self.cache] if kind.name == "ResourceQuota" else [],
                            self.fresh, self.compare_and_swap)

    async def fresh(self, rq):
        return self.stored

    async def compare_and_swap(self, rq):
        self.swaps += 1
        if self.always_changed or rq.metadata.resource_version != self.stored.metadata.resource_version:
            raise errors.Conflict("the object has been modified")
        self.stored = rq


async def test_a_charge_on_a_lagging_copy_is_made_again_on_etcds():
    etcd = Etcd(stored=_quota("1", rv=7), cache=_quota("0", rv=5))
    await etcd.charger().charge(_pod("b"))
    assert (etcd.swaps, etcd.stored.status.used["pods"]) == (2, "2")


async def test_a_refusal_on_a_lagging_copy_is_judged_again_on_etcds():
    etcd = Etcd(stored=_quota("1", rv=7), cache=_quota("2", rv=5))  # a recount gave a pod back since
    await etcd.charger().charge(_pod("b"))
    assert etcd.stored.status.used["pods"] == "2"
    with pytest.raises(errors.Forbidden) as refused:
        await etcd.charger().charge(_pod("c"))
    assert refused.value.message == ('pods "c" is forbidden: exceeded quota: pod-demo, requested: pods=1, '
                                     'used: pods=2, limited: pods=2')


async def test_a_quota_that_keeps_changing_ends_in_kubernetes_conflict():
    etcd = Etcd(stored=_quota("0", rv=5), cache=_quota("0", rv=5), always_changed=True)
    with pytest.raises(errors.Conflict) as lost:
        await etcd.charger().charge(_pod("a"))
    assert etcd.swaps == ATTEMPTS
    assert lost.value.message == ('Operation cannot be fulfilled on resourcequotas "pod-demo": the object has been '
                                  'modified; please apply your changes to the latest version and try again')


async def test_a_dry_run_is_judged_but_not_charged():
    etcd = Etcd(stored=_quota("1", rv=5), cache=_quota("1", rv=5))
    await etcd.charger().charge(_pod("b"), dry_run=True)
    assert (etcd.swaps, etcd.stored.status.used["pods"]) == (0, "1")
