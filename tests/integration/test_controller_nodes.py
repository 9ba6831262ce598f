"""Node IPAM, node lifecycle and pod GC against a real API server and etcd: unique podCIDRs for
many nodes at once, a silent node turning Unknown and losing its pods, pods of gone nodes collected."""
from __future__ import annotations

import asyncio
import ipaddress

from api import meta
from tests.fixtures.api_calls import active_pods, edit, recorded_event
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.objects import pod as pod_object
from tests.fixtures.objects import replica_set
from tests.fixtures.nodes import bare_node, renewing, set_ready
from tests.fixtures.wait import eventually

UNREACHABLE = "node.kubernetes.io/unreachable"


async def _cidrs(client):
    return {n.metadata.name: n.spec.pod_cidr for n in (await client.list("Node")).items}


async def test_ipam_gives_many_nodes_unique_cidrs_and_reuses_none_after_restart(client):
    await client.create(bare_node("early"))
    async with running_manager(client, ["nodeipam"]):
        await asyncio.gather(*(client.create(bare_node(f"n{i}")) for i in range(40)))

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
        await client.create(bare_node("late"))
        late = await eventually(lambda: _cidr_of(client, "late"))
    assert late not in cidrs.values()


async def _cidr_of(client, name):
    return (await client.get("Node", name, "")).spec.pod_cidr


async def test_ipam_releases_the_cidr_of_a_deleted_node(client):
    async with running_manager(client, ["nodeipam"], cluster_cidr="10.9.0.0/23", node_cidr_mask_size=24):
        await client.create(bare_node("a"))
        await client.create(bare_node("b"))
        a = await eventually(lambda: _cidr_of(client, "a"))
        await eventually(lambda: _cidr_of(client, "b"))
        await client.create(bare_node("c"))  # the /23 holds two /24s: c waits
        await client.delete("Node", "a", "")
        c = await eventually(lambda: _cidr_of(client, "c"))
        assert c == a


async def test_silent_node_turns_unknown_then_its_pods_move_to_healthy_nodes(client):
    for name in ("sick", "healthy"):
        await client.create(bare_node(name))
        await set_ready(client, name)
    options = dict(node_monitor_period=0.2, node_monitor_grace_period=1.0, pod_eviction_timeout=1.0)
    async with running_manager(client, ["replicaset", "nodelifecycle"], **options), \
            renewing(client, "healthy"):
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
        await recorded_event(client, "NodeNotReady", "sick")

        # the agent comes back: renews again and posts Ready; the taint goes
        async with renewing(client, "sick"):
            await set_ready(client, "sick")

            async def untainted():
                return not (await client.get("Node", "sick", "")).spec.taints
            await eventually(untainted, timeout=10)


async def _count(client, n):
    return len(await active_pods(client, selector="app=web")) == n


async def test_pod_gc_removes_pods_of_missing_nodes_and_old_finished_pods(client):
    await client.create(bare_node("here"))
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
    await client.create(bare_node("flaky"))
    await set_ready(client, "flaky")

    def taint(node):
        node.spec.taints.add(key=UNREACHABLE, effect="NoExecute")
    await edit(client, "Node", "flaky", taint, namespace="")
    async with running_manager(client, ["nodelifecycle"], node_monitor_period=0.2), renewing(client, "flaky"):
        async def untainted():
            return not (await client.get("Node", "flaky", "")).spec.taints
        await eventually(untainted)


async def test_no_node_ready_is_master_disruption_nothing_tainted_then_normal_again_with_one_back(client):
    """As Kubernetes: when every node goes silent at once the fault is taken to be the control plane's,
    so nodes turn Unknown but nobody is tainted or evicted; once one node is Ready again, the one still
    silent is tainted and its pods evicted."""
    for name in ("a", "b"):
        await client.create(bare_node(name))
        await set_ready(client, name)
        await client.create(pod_object(f"on-{name}", node=name))
    options = dict(node_monitor_period=0.2, node_monitor_grace_period=1.0, pod_eviction_timeout=0.0)
    async with running_manager(client, ["nodelifecycle"], **options):
        async def both_unknown():
            nodes = [await client.get("Node", n, "") for n in ("a", "b")]
            return all(meta.get_condition(n.status.conditions, "Ready").status == "Unknown" for n in nodes)
        await eventually(both_unknown, timeout=10)
        # Nothing to wait for that would happen: watch a fixed number of monitor periods go by instead.
        for _ in range(15):
            nodes = [await client.get("Node", n, "") for n in ("a", "b")]
            assert not any(t.key == UNREACHABLE for n in nodes for t in n.spec.taints)
            assert {p.metadata.name for p in await active_pods(client)} == {"on-a", "on-b"}
            await asyncio.sleep(0.2)

        async with renewing(client, "a"):
            await set_ready(client, "a")

            async def b_tainted_and_its_pod_evicted():
                b = await client.get("Node", "b", "")
                names = {p.metadata.name for p in await active_pods(client)}
                return any(t.key == UNREACHABLE for t in b.spec.taints) and names == {"on-a"}
            await eventually(b_tainted_and_its_pod_evicted, timeout=15)
            assert not (await client.get("Node", "a", "")).spec.taints
