"""The scheduler against a real API server and etcd: binds, never over-commits, explains, fails over."""
from __future__ import annotations

import asyncio


from api import meta
from api.leaderelection import LEASE_NAMESPACE, LeaderElector
from controlplane.scheduler.leader import LEASE_NAME, ElectedScheduler
from controlplane.scheduler.scheduler import SCORES_ANNOTATION, Config
from tests.fixtures.objects import node, pod
from tests.fixtures.wait import eventually

SCHEDULER_CONFIG = Config(initial_backoff=0.2, max_backoff=1.0)


async def create_nodes(client, count, scheduler=None, **resources):
    """Nodes node-1..node-N; with `scheduler`, wait until its cache holds them (the pod and node
    watches are separate streams, so a pod created next could otherwise be decided on fewer nodes)."""
    for i in range(1, count + 1):
        await client.create(node(f"node-{i}", **resources))
    if scheduler is not None:
        await eventually(lambda: len(scheduler.cache.nodes()) == count)


async def pods_by_name(client):
    return {p.metadata.name: p for p in (await client.list("Pod", "default")).items}


async def events_for(client, name, reason):
    events = (await client.list("Event", "default", field_selector=f"involvedObject.name={name}")).items
    return [e for e in events if e.reason == reason]


async def test_pending_pods_are_bound_and_the_choice_is_explained(client, scheduler):
    await create_nodes(client, 3, scheduler)
    await asyncio.gather(*(client.create(pod(f"web-{i}", cpu="100m")) for i in range(3)))

    async def all_bound():
        pods = await pods_by_name(client)
        return len(pods) == 3 and all(p.spec.node_name for p in pods.values()) and pods
    pods = await eventually(all_bound)

    web = pods["web-0"]
    assert meta.get_condition(web.status.conditions, "PodScheduled").status == "True"
    scores = web.metadata.annotations[SCORES_ANNOTATION].split(",")
    assert scores[0].split("=")[0] == web.spec.node_name and len(scores) == 3
    scheduled = await eventually(lambda: events_for(client, "web-0", "Scheduled"))
    assert scheduled[0].message == f"Successfully assigned default/web-0 to {web.spec.node_name}"
    assert scheduled[0].source.component == "default-scheduler"


async def test_concurrent_binds_never_overcommit_and_the_rest_are_told_why(client, scheduler):
    await create_nodes(client, 3, scheduler, cpu="1")
    await asyncio.gather(*(client.create(pod(f"p-{i}", cpu="500m")) for i in range(10)))
    # the preemption part as Kubernetes words it: the other pods are of the same priority
    message = ("0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: "
               "3 No preemption victims found for incoming pod.")

    def unschedulable(p):
        c = meta.get_condition(p.status.conditions, "PodScheduled")
        return c is not None and c.status == "False" and c.reason == "Unschedulable" and c.message == message

    async def settled():
        pods = (await pods_by_name(client)).values()
        bound = [p for p in pods if p.spec.node_name]
        waiting = [p for p in pods if not p.spec.node_name and unschedulable(p)]
        return len(bound) == 6 and len(waiting) == 4 and (bound, waiting)
    bound, waiting = await eventually(settled)

    per_node = {}
    for p in bound:
        per_node[p.spec.node_name] = per_node.get(p.spec.node_name, 0) + 1
    assert per_node == {"node-1": 2, "node-2": 2, "node-3": 2}
    failed = await eventually(lambda: events_for(client, waiting[0].metadata.name, "FailedScheduling"))
    assert failed[0].type == "Warning" and failed[0].message == message


async def test_unschedulable_pod_is_bound_once_a_node_is_added(client, scheduler):
    await create_nodes(client, 1, scheduler, cpu="1")
    await client.create(pod("big", cpu="2"))

    async def told():
        c = meta.get_condition((await client.get("Pod", "big")).status.conditions, "PodScheduled")
        return c is not None and c.status == "False"
    await eventually(told)
    assert scheduler.queue.where("default/big") == "unschedulable"

    await client.create(node("node-big", cpu="4"))

    async def bound():
        return (await client.get("Pod", "big")).spec.node_name == "node-big"
    await eventually(bound, timeout=5)


async def test_only_own_pods_on_ready_nodes_are_scheduled(client, scheduler):
    await client.create(node("not-ready", ready=None))
    await client.create(node("cordoned", unschedulable=True))
    await client.create(node("good"))
    await client.create(pod("other", schedulerName="someone-else"))
    await client.create(pod("mine"))

    async def mine_bound():
        return (await client.get("Pod", "mine")).spec.node_name
    assert await eventually(mine_bound) == "good"
    assert scheduler.queue.where("default/other") is None
    assert (await client.get("Pod", "other")).spec.node_name == ""


async def test_leader_failover_binds_without_double_binding(client):
    election = dict(lease_duration=2.0, renew_deadline=1.5, retry_period=0.2)
    first = ElectedScheduler(client, SCHEDULER_CONFIG, LeaderElector(client, LEASE_NAME, identity="first", **election))
    second = ElectedScheduler(client, SCHEDULER_CONFIG, LeaderElector(client, LEASE_NAME, identity="second", **election))
    first.start()
    try:
        await eventually(lambda: first.is_leader, timeout=10)
        second.start()
        await create_nodes(client, 2)
        await client.create(pod("before"))

        async def bound(name):
            return (await client.get("Pod", name)).spec.node_name
        await eventually(lambda: bound("before"))
        assert not second.is_leader

        await first.stop()
        await client.create(pod("after"))
        await eventually(lambda: bound("after"), timeout=10)
        assert second.is_leader
        lease = await client.get("Lease", LEASE_NAME, LEASE_NAMESPACE)
        assert lease.spec.holder_identity == "second"
        for name in ("before", "after"):
            scheduled = await eventually(lambda n=name: events_for(client, n, "Scheduled"))
            assert len(scheduled) == 1 and scheduled[0].count == 1
    finally:
        await first.stop()
        await second.stop()


async def test_a_gated_pod_waits_until_its_last_gate_is_removed(client, scheduler):
    await create_nodes(client, 1, scheduler)
    gated = pod("gated")
    gated.spec.scheduling_gates.add(name="example.com/foo")
    gated.spec.scheduling_gates.add(name="example.com/bar")
    created = await client.create(gated)
    waiting = meta.get_condition(created.status.conditions, "PodScheduled")
    assert (waiting.status, waiting.reason) == ("False", "SchedulingGated")
    await client.create(pod("later"))
    await eventually(lambda: _bound(client, "later"))
    assert not (await client.get("Pod", "gated")).spec.node_name  # one created after it was placed
    for remaining in (1, 0):
        current = await client.get("Pod", "gated")
        del current.spec.scheduling_gates[0]
        await client.update(current)
        assert len(current.spec.scheduling_gates) == remaining
    bound = await eventually(lambda: _bound(client, "gated"))
    assert meta.get_condition(bound.status.conditions, "PodScheduled").status == "True"


async def _bound(client, name):
    p = await client.get("Pod", name)
    return p if p.spec.node_name else None
