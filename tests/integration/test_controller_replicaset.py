"""The ReplicaSet controller against a real API server and etcd: scaling, self-healing, adoption,
release, status and events."""
from __future__ import annotations

from api import meta
from tests.fixtures.api_calls import active_pods
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.fake_agent import fake_agent, make_ready
from tests.fixtures.objects import pod as pod_object
from tests.fixtures.objects import replica_set
from tests.fixtures.wait import eventually


async def _count(client, n, selector="app=web"):
    return len(await active_pods(client, selector=selector)) == n


async def test_replicaset_creates_pods_with_owner_and_generate_name(client):
    async with running_manager(client, ["replicaset"]):
        rs = await client.create(replica_set("web", 3))
        await eventually(lambda: _count(client, 3))
        pods = await active_pods(client, selector="app=web")
        for p in pods:
            ref = meta.controller_of(p)
            assert (ref.kind, ref.name, ref.uid, ref.block_owner_deletion) == ("ReplicaSet", "web",
                                                                              rs.metadata.uid, True)
            assert p.metadata.generate_name == "web-" and p.metadata.name.startswith("web-")
        events = await eventually(lambda: _events(client, "SuccessfulCreate", 3))
        assert all(e.involved_object.name == "web" for e in events)


async def _events(client, reason, n):
    items = [e for e in (await client.list("Event", "default")).items if e.reason == reason]
    return items if len(items) >= n else None


async def test_replicaset_scales_up_and_down_and_reports_status(client):
    async with running_manager(client, ["replicaset"]), fake_agent(client):
        await client.create(replica_set("web", 2))
        await eventually(lambda: _count(client, 2))
        await client.scale("ReplicaSet", "web", 5)
        await eventually(lambda: _count(client, 5))

        async def status_ready(n):
            rs = await client.get("ReplicaSet", "web")
            s = rs.status
            return (s.replicas, s.ready_replicas, s.available_replicas, s.fully_labeled_replicas,
                    s.observed_generation) == (n, n, n, n, rs.metadata.generation)
        await eventually(lambda: status_ready(5))
        await client.scale("ReplicaSet", "web", 1)
        await eventually(lambda: _count(client, 1))
        await eventually(lambda: status_ready(1))
        assert await _events(client, "SuccessfulDelete", 4)


async def test_replicaset_replaces_deleted_and_failed_pods(client):
    async with running_manager(client, ["replicaset"]):
        await client.create(replica_set("web", 2))
        await eventually(lambda: _count(client, 2))
        first, second = await active_pods(client, selector="app=web")
        await client.delete("Pod", first.metadata.name)
        second.status.phase = "Failed"
        await client.update_status(second)
        await eventually(lambda: _count(client, 2))
        names = {p.metadata.name for p in await active_pods(client, selector="app=web")}
        assert not names & {first.metadata.name, second.metadata.name}


async def test_replicaset_adopts_orphans_and_releases_relabelled_pods(client):
    orphan = await client.create(pod_object("orphan", labels={"app": "web"}))
    async with running_manager(client, ["replicaset"]):
        rs = await client.create(replica_set("web", 2))
        await eventually(lambda: _count(client, 2))
        adopted = await client.get("Pod", "orphan")
        assert meta.controller_of(adopted).uid == rs.metadata.uid
        # relabel: it stops matching, is released, and a replacement is made
        adopted.metadata.labels["app"] = "other"
        await client.update(adopted)

        async def released():
            p = await client.get("Pod", "orphan")
            return not p.metadata.owner_references
        await eventually(released)
        await eventually(lambda: _count(client, 2))
    assert orphan.metadata.name == "orphan"


async def test_replicaset_deletes_unready_pods_first_on_scale_down(client):
    async with running_manager(client, ["replicaset"]):
        await client.create(replica_set("web", 4))
        await eventually(lambda: _count(client, 4))
        pods = await active_pods(client, selector="app=web")
        ready = pods[:2]
        for p in ready:
            await make_ready(client, p)
        await client.scale("ReplicaSet", "web", 2)
        await eventually(lambda: _count(client, 2))
        left = {p.metadata.name for p in await active_pods(client, selector="app=web")}
        assert left == {p.metadata.name for p in ready}


async def test_replicaset_expectations_prevent_double_creation(client):
    seen_max = 0

    def observe(pods):
        nonlocal seen_max
        seen_max = max(seen_max, len([p for p in pods if not p.metadata.deletion_timestamp]))

    async with running_manager(client, ["replicaset"]), fake_agent(client, observe=observe):
        await client.create(replica_set("web", 30))
        await eventually(lambda: _count(client, 30))
        # status writes and readiness churn cause many syncs: still never more than asked for
        await eventually(lambda: _ready(client, 30))
    assert seen_max == 30
    assert len(await active_pods(client, selector="app=web")) == 30


async def _ready(client, n):
    rs = await client.get("ReplicaSet", "web")
    return rs.status.ready_replicas == n
