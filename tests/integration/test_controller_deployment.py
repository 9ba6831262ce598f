"""The Deployment controller against a real API server and etcd: first rollout, rolling update
bounds at every observed state, Recreate, rollback, pause/resume, progress deadline, history limit."""
from __future__ import annotations

from api import deployments, meta
from tests.fixtures.api_calls import active_pods, edit, recorded_event
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.fake_agent import fake_agent
from tests.fixtures.objects import deployment
from tests.fixtures.wait import eventually

CONTROLLERS = ["replicaset", "deployment"]


async def _owned_rss(client, name="web"):
    items = (await client.list("ReplicaSet", "default")).items
    return sorted((rs for rs in items if (r := meta.controller_of(rs)) and r.name == name),
                  key=deployments.revision_of)


async def _rolled_out(client, name="web", replicas=None):
    d = await client.get("Deployment", name)
    s = d.status
    c = meta.get_condition(s.conditions, "Progressing")
    n = d.spec.replicas if replicas is None else replicas
    return (s.observed_generation == d.metadata.generation and s.updated_replicas == n and s.replicas == n
            and s.available_replicas == n and c is not None and c.reason == "NewReplicaSetAvailable") and d


async def _set_image(client, image, name="web"):
    def change(d):
        d.spec.template.spec.containers[0].image = image
    await edit(client, "Deployment", name, change)


async def test_deployment_creates_hashed_replica_set_and_reports_complete(client):
    async with running_manager(client, CONTROLLERS), fake_agent(client):
        await client.create(deployment("web", 3))
        d = await eventually(lambda: _rolled_out(client))
        [rs] = await _owned_rss(client)
        h = rs.metadata.labels[deployments.HASH_LABEL]
        assert rs.metadata.name == f"web-{h}"
        assert rs.spec.selector.match_labels[deployments.HASH_LABEL] == h
        assert rs.spec.template.metadata.labels[deployments.HASH_LABEL] == h
        assert deployments.revision_of(rs) == 1 and d.metadata.annotations[deployments.REVISION] == "1"
        assert meta.get_condition(d.status.conditions, "Available").status == "True"
        event = await recorded_event(client, "ScalingReplicaSet", message=f"Scaled up replica set {rs.metadata.name} to 3")
        assert event.message == f"Scaled up replica set {rs.metadata.name} to 3"


async def test_rolling_update_stays_within_surge_and_unavailability_bounds(client):
    replicas, surge, unavailable = 4, 1, 1
    violations: list[str] = []
    watching = False

    def observe(pods):
        if not watching:
            return
        live = [p for p in pods if not p.metadata.deletion_timestamp]
        ready = [p for p in live if (c := meta.get_condition(p.status.conditions, "Ready")) and c.status == "True"]
        if len(live) > replicas + surge:
            violations.append(f"{len(live)} pods > {replicas + surge}")
        if len(ready) < replicas - unavailable:
            violations.append(f"{len(ready)} ready < {replicas - unavailable}")

    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}}
    async with running_manager(client, CONTROLLERS), fake_agent(client, observe=observe):
        await client.create(deployment("web", replicas, strategy=strategy))
        await eventually(lambda: _rolled_out(client))
        watching = True
        await _set_image(client, "busybox:1.37")
        d = await eventually(lambda: _rolled_out(client))
        watching = False
    assert not violations, violations[:5]
    old, new = await _owned_rss(client)
    assert (old.spec.replicas, new.spec.replicas) == (0, replicas)
    assert deployments.revision_of(new) == 2 and d.metadata.annotations[deployments.REVISION] == "2"
    images = {p.spec.containers[0].image for p in await active_pods(client, selector="app=web")}
    assert images == {"busybox:1.37"}


async def test_recreate_never_runs_old_and_new_pods_together(client):
    mixed = []

    def observe(pods):
        images = {p.spec.containers[0].image for p in pods if p.metadata.labels.get("app") == "web"}
        if len(images) > 1:
            mixed.append(images)

    async with running_manager(client, CONTROLLERS), fake_agent(client, observe=observe):
        await client.create(deployment("web", 3, strategy={"type": "Recreate"}))
        await eventually(lambda: _rolled_out(client))
        await _set_image(client, "busybox:1.37")
        await eventually(lambda: _rolled_out(client))
    assert not mixed


async def test_rollback_copies_old_template_and_takes_next_revision(client):
    async with running_manager(client, CONTROLLERS), fake_agent(client):
        await client.create(deployment("web", 2))
        await eventually(lambda: _rolled_out(client))
        first = (await _owned_rss(client))[0]
        await _set_image(client, "busybox:1.37")
        await eventually(lambda: _revision_is(client, 2))
        await eventually(lambda: _rolled_out(client))
        # what `skiff rollout undo` does: the previous revision's template back into the deployment
        previous = deployments.template_of_revision(await _owned_rss(client), 0)
        await edit(client, "Deployment", "web", lambda d: d.spec.template.CopyFrom(previous))
        await eventually(lambda: _revision_is(client, 3))
        d = await eventually(lambda: _rolled_out(client))
        rss = await _owned_rss(client)
        assert rss[-1].metadata.uid == first.metadata.uid and deployments.revision_of(rss[-1]) == 3
        assert {p.spec.containers[0].image for p in await active_pods(client, selector="app=web")} == {"busybox:1.36"}


async def _revision_is(client, n):
    d = await client.get("Deployment", "web")
    return d.metadata.annotations.get(deployments.REVISION) == str(n)


async def test_paused_deployment_does_not_roll_until_resumed(client):
    async with running_manager(client, CONTROLLERS), fake_agent(client):
        await client.create(deployment("web", 2))
        await eventually(lambda: _rolled_out(client))
        def pause_and_change(d):
            d.spec.paused = True
            d.spec.template.spec.containers[0].image = "busybox:1.37"
            d.spec.replicas = 3
        await edit(client, "Deployment", "web", pause_and_change)

        async def paused_and_scaled():
            d = await client.get("Deployment", "web")
            c = meta.get_condition(d.status.conditions, "Progressing")
            rss = await _owned_rss(client)
            return c.reason == "DeploymentPaused" and len(rss) == 1 and rss[0].spec.replicas == 3
        await eventually(paused_and_scaled)
        await edit(client, "Deployment", "web", lambda d: setattr(d.spec, "paused", False))
        await eventually(lambda: _rolled_out(client))
        assert len(await _owned_rss(client)) == 2


async def test_progress_deadline_exceeded_when_pods_never_become_ready(client):
    async with running_manager(client, CONTROLLERS):
        await client.create(deployment("web", 2, progressDeadlineSeconds=2))

        async def stuck():
            d = await client.get("Deployment", "web")
            c = meta.get_condition(d.status.conditions, "Progressing")
            return c is not None and c.status == "False" and c.reason == "ProgressDeadlineExceeded" and c
        c = await eventually(stuck, timeout=15)
        assert c.message.endswith("has timed out progressing.")


async def test_revision_history_limit_deletes_oldest_empty_replica_sets(client):
    async with running_manager(client, CONTROLLERS), fake_agent(client):
        await client.create(deployment("web", 1, revisionHistoryLimit=1))
        for image in ("busybox:1.37", "busybox:1.38"):
            await eventually(lambda: _rolled_out(client))
            await _set_image(client, image)
        await eventually(lambda: _rolled_out(client))

        async def two_left():
            rss = await _owned_rss(client)
            return [deployments.revision_of(rs) for rs in rss] == [2, 3]
        await eventually(two_left)
