"""`skiff rollout ...` against a real API server and the controllers: status until done or stuck,
history, undo, pause and resume."""
from __future__ import annotations

from api import deployments, meta
from tests.fixtures.api_calls import edit
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.fake_agent import fake_agent
from tests.fixtures.objects import deployment
from tests.fixtures.wait import eventually

CONTROLLERS = ["replicaset", "deployment"]


async def _revision(client, n):
    d = await client.get("Deployment", "web")
    return d.metadata.annotations.get(deployments.REVISION) == str(n)


async def test_rollout_status_prints_progress_until_rolled_out(client, skiff):
    async with running_manager(client, CONTROLLERS), fake_agent(client):
        await client.create(deployment("web", 3))
        result = await skiff("rollout", "status", "deploy/web", "--timeout", "20")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[-1] == 'deployment "web" successfully rolled out'
    assert all(line.startswith(("Waiting for deployment", "deployment")) for line in lines)


async def test_rollout_status_fails_when_the_progress_deadline_passes(client, skiff):
    async with running_manager(client, CONTROLLERS):
        await client.create(deployment("web", 2, progressDeadlineSeconds=2))
        result = await skiff("rollout", "status", "deploy/web", "--timeout", "20")
    assert result.code == 1
    assert 'deployment "web" exceeded its progress deadline' in result.err
    assert "Waiting for deployment \"web\" rollout to finish: 0 of 2 updated replicas are available..." in result.out


async def test_rollout_history_undo_pause_resume(client, skiff):
    async with running_manager(client, CONTROLLERS), fake_agent(client):
        await client.create(deployment("web", 2))
        await eventually(lambda: _revision(client, 1))

        def new_image(d):
            d.spec.template.spec.containers[0].image = "busybox:1.37"
        await edit(client, "Deployment", "web", new_image)
        await eventually(lambda: _revision(client, 2))
        result = await skiff("rollout", "history", "deploy", "web")
        assert result.out.split() == ["deployment.apps/web", "REVISION", "CHANGE-CAUSE", "1", "<none>", "2", "<none>"]

        result = await skiff("rollout", "undo", "deploy/web", "--to-revision", "1")
        assert (result.code, result.out.strip()) == (0, "deployment.apps/web rolled back")
        await eventually(lambda: _revision(client, 3))
        d = await client.get("Deployment", "web")
        assert d.spec.template.spec.containers[0].image == "busybox:1.36"
        result = await skiff("rollout", "undo", "deploy/web", "--to-revision", "9")
        assert result.code == 1 and "unable to find specified revision 9 in history" in result.err

        assert (await skiff("rollout", "pause", "deploy/web")).out.strip() == "deployment.apps/web paused"
        again = await skiff("rollout", "pause", "deploy/web")
        assert again.code == 1 and "is already paused" in again.err
        d = await client.get("Deployment", "web")
        assert d.spec.paused

        async def paused_condition():
            c = meta.get_condition((await client.get("Deployment", "web")).status.conditions, "Progressing")
            return c.reason == "DeploymentPaused"
        await eventually(paused_condition)
        assert (await skiff("rollout", "resume", "deploy/web")).out.strip() == "deployment.apps/web resumed"
        assert not (await client.get("Deployment", "web")).spec.paused
