"""`skiff drain` and stock kubectl's drain against a PodDisruptionBudget: a refused eviction (429) is
retried, in kubectl's words, until the budget allows it or the timeout gives up."""
from __future__ import annotations

import pytest

from api import manifest
from cli.commands import drain
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.fake_agent import fake_agent
from tests.fixtures.objects import deployment, node
from tests.fixtures.wait import eventually

pytestmark = pytest.mark.integration

REFUSED = "Cannot evict pod as it would violate the pod's disruption budget."


def _pdb(min_available):
    obj, _ = manifest.from_dict({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                                 "metadata": {"name": "web-pdb", "namespace": "default"},
                                 "spec": {"minAvailable": min_available, "selector": {"matchLabels": {"app": "web"}}}})
    return obj


async def _on_n1(client, min_available):
    """Two Ready pods of a Deployment bound to n1, under a budget; returns once the budget has counted them."""
    await client.create(node("n1"))
    await client.create(_bound_deployment())
    await client.create(_pdb(min_available))

    async def counted():
        pdb = await client.get("PodDisruptionBudget", "web-pdb")
        return pdb if pdb.status.current_healthy == 2 else None
    return await eventually(counted)


def _bound_deployment():
    dep = deployment("web", 2)
    dep.spec.template.spec.node_name = "n1"  # no scheduler here: the pods are made on n1
    return dep


async def test_skiff_drain_retries_a_refused_eviction_until_the_budget_allows_it(client, skiff, monkeypatch):
    monkeypatch.setattr(drain, "RETRY_AFTER_S", 0.2)
    async with running_manager(client, ["replicaset", "deployment", "disruption"]), fake_agent(client):
        await _on_n1(client, 1)
        before = {p.metadata.name for p in (await client.list("Pod", "default")).items}
        result = await skiff("drain", "n1", "--timeout=60s")
    assert result.code == 0, result.err
    assert result.out.splitlines()[-1] == "node/n1 drained"
    # one of the two waited for the other's replacement to be Ready before the budget let it go
    assert f"(will retry after 0.2s): {REFUSED}" in result.err, result.err
    assert all(f"pod/{name} evicted" in result.out for name in before)


async def test_skiff_drain_gives_up_at_the_timeout_naming_the_refused_pod(client, skiff, monkeypatch):
    monkeypatch.setattr(drain, "RETRY_AFTER_S", 0.2)
    async with running_manager(client, ["replicaset", "deployment", "disruption"]), fake_agent(client):
        await _on_n1(client, 2)
        result = await skiff("drain", "n1", "--timeout=2s")
    assert result.code == 1
    assert 'error when evicting pods/"web-' in result.err and f"(will retry after 0.2s): {REFUSED}" in result.err
    assert result.err.rstrip().endswith(': global timeout reached: 2s'), result.err
    assert len([p for p in (await client.list("Pod", "default")).items if not p.metadata.deletion_timestamp]) == 2


async def test_kubectl_drain_is_refused_by_the_budget_over_rest(client, kubectl):
    async with running_manager(client, ["replicaset", "deployment", "disruption"]), fake_agent(client):
        await _on_n1(client, 2)
        result = await kubectl("drain", "n1", "--timeout=3s", timeout=60)
    assert result.code != 0
    assert f'(will retry after 5s): {REFUSED}' in result.err, result.err
    assert "global timeout reached" in result.err, result.err
