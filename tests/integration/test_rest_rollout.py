"""kubectl rollout and wait against skiff's controllers (deployment, replicaset) and a stand-in agent."""
from __future__ import annotations

import pytest

from tests.fixtures import objects
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.fake_agent import fake_agent
from tests.fixtures.wait import eventually

pytestmark = pytest.mark.integration


async def _pods_ready_on_a_node(client):
    """Bind pending pods to n1 (no scheduler here) so the stand-in agent makes them Ready."""
    for pod in (await client.list("Pod", "default")).items:
        if not pod.spec.node_name and not pod.metadata.deletion_timestamp:
            try:
                await client.bind("default", pod.metadata.name, "n1")
            except LookupError:
                pass
    return True


async def test_rollout_status_history_undo_restart_and_wait(kubectl, client):
    await client.create(objects.node("n1"))
    async with running_manager(client, ["deployment", "replicaset", "garbagecollector"]), fake_agent(client):
        await client.create(objects.deployment("web", 2))

        async def settled():
            await _pods_ready_on_a_node(client)
            d = await client.get("Deployment", "web")
            return d.status.ready_replicas == 2 and d.status.updated_replicas == 2
        await eventually(settled, 30, what="the deployment ready")
        status = await kubectl("rollout", "status", "deploy/web", "--timeout=30s")
        assert status.code == 0, status.err
        assert 'deployment "web" successfully rolled out' in status.out

        assert (await kubectl("set", "image", "deploy/web", "app=busybox:1.37")).code == 0
        await eventually(settled, 30, what="the second revision ready")
        history = await kubectl("rollout", "history", "deploy/web")
        assert history.code == 0, history.err
        revisions = [line.split()[0] for line in history.out.splitlines()[2:] if line.strip()]
        assert revisions == ["1", "2"]

        undo = await kubectl("rollout", "undo", "deploy/web")
        assert undo.code == 0, undo.err
        assert undo.out.strip() == "deployment.apps/web rolled back"
        image = lambda d: d.spec.template.spec.containers[0].image  # noqa: E731
        assert image(await client.get("Deployment", "web")) == "busybox:1.36"

        restart = await kubectl("rollout", "restart", "deploy/web")
        assert restart.code == 0, restart.err
        live = await client.get("Deployment", "web")
        assert "kubectl.kubernetes.io/restartedAt" in live.spec.template.metadata.annotations

        await eventually(settled, 30, what="the restarted deployment ready")
        available = await kubectl("wait", "--for=condition=Available", "deploy/web", "--timeout=30s")
        assert available.code == 0, available.err
        await client.create(objects.pod("solo", node="n1"))  # a pod no rollout replaces meanwhile
        waited = await kubectl("wait", "--for=condition=Ready", "pod/solo", "--timeout=30s")
        assert waited.code == 0, waited.err
        assert waited.out.strip() == "pod/solo condition met"


async def test_drain_cordons_and_evicts_through_the_eviction_subresource(kubectl, client):
    await client.create(objects.node("n1"))
    for name in ("a", "b"):
        await client.create(objects.pod(name, node="n1"))
    async with fake_agent(client):  # confirms the deletions the evictions start
        r = await kubectl("drain", "n1", "--ignore-daemonsets", "--force", "--timeout=60s", timeout=90)
        assert r.code == 0, r.err
        assert "node/n1 cordoned" in r.out and 'evicting pod default/a' in r.err + r.out
    assert (await client.get("Node", "n1")).spec.unschedulable
    assert not (await client.list("Pod", "default")).items
