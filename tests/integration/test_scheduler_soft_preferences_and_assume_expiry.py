"""The scheduler against a real API server and etcd: soft taints and preferred node affinity steer the
choice, and an assumption the watch never confirms stops holding the node's resources after the TTL."""
from __future__ import annotations


from controlplane.scheduler.podinfo import PodInfo
from controlplane.scheduler.scheduler import SCORES_ANNOTATION, Config
from tests.fixtures.objects import node, pod
from tests.fixtures.wait import eventually

SCHEDULER_CONFIG = Config(initial_backoff=0.2, max_backoff=1.0, assumed_pod_ttl=0.3)


async def bound_node(client, name):
    async def bound():
        p = await client.get("Pod", name, "default")
        return p.spec.node_name and p
    return await eventually(bound)


async def test_soft_taints_and_preferred_affinity_choose_among_equal_nodes(client, scheduler):
    await client.create(node("spot", labels={"zone": "a"},
                             taints=[{"key": "spot", "value": "true", "effect": "PreferNoSchedule"}]))
    await client.create(node("plain"))
    await client.create(node("zoned", labels={"zone": "a"}))
    await eventually(lambda: len(scheduler.cache.nodes()) == 3)

    await client.create(pod("anywhere"))
    anywhere = await bound_node(client, "anywhere")
    assert anywhere.spec.node_name in ("plain", "zoned")
    assert anywhere.metadata.annotations[SCORES_ANNOTATION].split(",")[-1].startswith("spot=")

    await client.create(pod("in-zone-a", affinity={"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 10, "preference": {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}}]}}))
    in_zone = await bound_node(client, "in-zone-a")
    assert in_zone.spec.node_name == "zoned"


async def test_an_assumption_the_watch_never_confirms_expires(client, scheduler):
    await client.create(node("only", cpu="1"))
    await eventually(lambda: len(scheduler.cache.nodes()) == 1)
    # A bind the API server took but whose pod the watch never shows bound (here: no such pod at all).
    scheduler.cache.assume(PodInfo.of(pod("ghost", namespace="nowhere", cpu="1")), "only")
    scheduler.cache.finish_binding("nowhere/ghost")
    assert scheduler.cache.node("only").requested_cpu == 1000

    await client.create(pod("waits", cpu="500m"))  # does not fit while the ghost holds the cpu
    waiting = await bound_node(client, "waits")
    assert waiting.spec.node_name == "only" and not scheduler.cache.is_assumed("nowhere/ghost")
    assert scheduler.cache.node("only").requested_cpu == 500
