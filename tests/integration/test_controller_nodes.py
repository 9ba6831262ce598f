"""Node IPAM, node lifecycle and pod GC against a real API server and etcd: unique podCIDRs for
many nodes at once, a silent node turning Unknown and losing its pods, pods of gone nodes collected."""
from __future__ import annotations

import asyncio
import contextlib
import ipaddress

from api import errors, kinds, meta
from proto import types_pb2
from tests.fixtures.api_calls import active_pods, edit
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.objects import pod as pod_object
from tests.fixtures.objects import replica_set
from tests.fixtures.wait import eventually

UNREACHABLE = "node.kubernetes.io/unreachable"


def _node(name):
    return kinds.BY_NAME["Node"].new(metadata=types_pb2.ObjectMeta(name=name))


async def _cidrs(client):
    return {n.metadata.name: n.spec.pod_cidr for n in (await client.list("Node")).items}


async def test_ipam_gives_many_nodes_unique_cidrs_and_reuses_none_after_restart(client):
    await client.create(_node("early"))
    async with running_manager(client, ["nodeipam"]):
        await asyncio.gather(*(client.create(_node(f"n{i}")) for i in range(40)))

        async def all_assigned():
            cidrs = await _cidrs(client)
            return all(cidrs.values()) and len(cidrs) == 41 and cidrs
        cidrs = await eventually(all_assigned)
    assert len(set(cidrs.values())) == 41
    for cidr in cidrs.values():
        net = ipaddress.ip_network(cidr)
        assert net.prefixlen == 24 and net.subnet_of(ipaddress.ip_network("10.244.0.0/16"))
    node = await client.get("Node", "n0", "")
    assert list(node.spec.pod_cidrs) == [node.spec.pod_cidr]
    # a fresh manager rebuilds the map from the nodes: new nodes get CIDRs nobody has
    async with running_manager(client, ["nodeipam"]):
        await client.create(_node("late"))
        late = await eventually(lambda: _cidr_of(client, "late"))
    assert late not in cidrs.values()


async def _cidr_of(client, name):
    return (await client.get("Node", name, "")).spec.pod_cidr


async def test_ipam_releases_the_cidr_of_a_deleted_node(client):
    async with running_manager(client, ["nodeipam"], cluster_cidr="10.9.0.0/23", node_cidr_mask_size=24):
        await client.create(_node("a"))
        await client.create(_node("b"))
        a = await eventually(lambda: _cidr_of(client, "a"))
        await eventually(lambda: _cidr_of(client, "b"))
        await client.create(_node("c"))  # the /23 holds two /24s: c waits
        await client.delete("Node", "a", "")
        c = await eventually(lambda: _cidr_of(client, "c"))
        assert c == a


@contextlib.asynccontextmanager
async def _renewing(client, name):
    """Plays a node agent's heartbeat: renews the node's Lease until stopped."""
    lease = kinds.BY_NAME["Lease"].new(
        metadata=types_pb2.ObjectMeta(name=name, namespace="kube-node-lease"),
        spec=types_pb2.LeaseSpec(holder_identity=name, lease_duration_seconds=1))

    async def renew():
        while True:
            lease.spec.renew_time = meta.format_micro_time(meta.now())
            try:
                current = await client.get("Lease", name, "kube-node-lease")
                current.spec.renew_time = lease.spec.renew_time
                await client.update(current)
            except errors.NotFound:
                await client.create(lease)
            await asyncio.sleep(0.1)

    task = asyncio.create_task(renew())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _set_ready(client, name, status="True"):
    """Posts Ready as the agent does: stamped with a heartbeat time, which the node lifecycle controller
    counts as a sign of life even before it sees the renewed Lease."""
    node = await client.get("Node", name, "")
    meta.set_condition(node.status.conditions, "Ready", status, "KubeletReady", "skiff agent is posting ready status")
    meta.get_condition(node.status.conditions, "Ready").last_heartbeat_time = meta.format_time(meta.now())
    await client.update_status(node)


async def test_silent_node_turns_unknown_then_its_pods_move_to_healthy_nodes(client):
    for name in ("sick", "healthy"):
        await client.create(_node(name))
        await _set_ready(client, name)
    options = dict(node_monitor_period=0.2, node_monitor_grace_period=1.0, pod_eviction_timeout=1.0)
    async with running_manager(client, ["replicaset", "nodelifecycle"], **options), \
            _renewing(client, "healthy"):
        await client.create(replica_set("web", 2))
        await eventually(lambda: _count(client, 2))
        for p in await active_pods(client, selector="app=web"):
            await client.bind("default", p.metadata.name, "sick")
        # "sick" never renews its lease: Unknown, tainted, its pods evicted and replaced
        async def unknown_and_tainted():
            node = await client.get("Node", "sick", "")
            ready = meta.get_condition(node.status.conditions, "Ready")
            return (ready.status == "Unknown" and ready.reason == "NodeStatusUnknown"
                    and ready.message == "Kubelet stopped posting node status."
                    and any(t.key == UNREACHABLE and t.effect == "NoExecute" for t in node.spec.taints))
        await eventually(unknown_and_tainted, timeout=10)

        async def replaced_off_the_sick_node():
            pods = await active_pods(client, selector="app=web")
            return len(pods) == 2 and not any(p.spec.node_name == "sick" for p in pods) and pods
        replaced = await eventually(replaced_off_the_sick_node, timeout=10)
        for p in replaced:
            await client.bind("default", p.metadata.name, "healthy")
        healthy = await client.get("Node", "healthy", "")
        assert meta.get_condition(healthy.status.conditions, "Ready").status == "True"
        assert not healthy.spec.taints
        events = (await client.list("Event", "default")).items
        assert any(e.reason == "NodeNotReady" and e.involved_object.name == "sick" for e in events)

        # the agent comes back: renews again and posts Ready; the taint goes
        async with _renewing(client, "sick"):
            await _set_ready(client, "sick")

            async def untainted():
                return not (await client.get("Node", "sick", "")).spec.taints
            await eventually(untainted, timeout=10)


async def _count(client, n):
    return len(await active_pods(client, selector="app=web")) == n


async def test_pod_gc_removes_pods_of_missing_nodes_and_old_finished_pods(client):
    await client.create(_node("here"))
    await client.create(pod_object("stray", node="gone"))
    await client.create(pod_object("placed", node="here"))
    for i in range(4):
        p = await client.create(pod_object(f"done-{i}", node="here"))
        p.status.phase = "Succeeded"
        await client.update_status(p)
    async with running_manager(client, ["podgc"], pod_gc_period=0.2, terminated_pod_gc_threshold=2):
        async def collected():
            names = {p.metadata.name for p in (await client.list("Pod", "default")).items}
            return names == {"placed", "done-2", "done-3"} or None
        await eventually(collected, timeout=10)


async def test_unreachable_taint_is_removed_from_a_node_that_heartbeats(client):
    """A node tainted unreachable while its agent renews and posts Ready=True loses the taint."""
    await client.create(_node("flaky"))
    await _set_ready(client, "flaky")

    def taint(node):
        node.spec.taints.add(key=UNREACHABLE, effect="NoExecute")
    await edit(client, "Node", "flaky", taint, namespace="")
    async with running_manager(client, ["nodelifecycle"], node_monitor_period=0.2), _renewing(client, "flaky"):
        async def untainted():
            return not (await client.get("Node", "flaky", "")).spec.taints
        await eventually(untainted)
