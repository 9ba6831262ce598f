"""Node lifecycle against a real API server and etcd: a node whose agent reports Ready=False gets the
not-ready NoExecute taint, loses its intolerant pods after the eviction timeout, and is untainted
once Ready again."""
from __future__ import annotations

from api import meta
from tests.fixtures.api_calls import active_pods, recorded_event
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.nodes import bare_node, renewing, set_ready
from tests.fixtures.objects import pod
from tests.fixtures.wait import eventually

NOT_READY = "node.kubernetes.io/not-ready"
UNREACHABLE = "node.kubernetes.io/unreachable"


async def _lifecycle_taints(client, name):
    node = await client.get("Node", name, "")
    return [(t.key, t.effect) for t in node.spec.taints if t.key in (NOT_READY, UNREACHABLE)]


async def test_node_reporting_not_ready_is_tainted_evicted_then_untainted(client):
    # a second, healthy node: were "down" the only node, no node would be Ready (master disruption)
    for name in ("down", "up"):
        await client.create(bare_node(name))
        await set_ready(client, name)
    await client.create(pod("plain", node="down"))
    await client.create(pod("patient", node="down", tolerations=[
        {"key": NOT_READY, "operator": "Exists", "effect": "NoExecute"}]))
    options = dict(node_monitor_period=0.2, node_monitor_grace_period=30.0, pod_eviction_timeout=1.0)
    async with running_manager(client, ["nodelifecycle"], **options), renewing(client, "down"), \
            renewing(client, "up"):
        await set_ready(client, "down", "False")

        async def tainted_not_ready():
            return await _lifecycle_taints(client, "down") == [(NOT_READY, "NoExecute")]
        await eventually(tainted_not_ready, timeout=10)

        async def plain_evicted():
            names = {p.metadata.name for p in await active_pods(client)}
            return names == {"patient"}
        await eventually(plain_evicted, timeout=10)
        node = await client.get("Node", "down", "")
        # the agent is alive: Ready stays its own word, never turned Unknown
        assert meta.get_condition(node.status.conditions, "Ready").status == "False"
        await recorded_event(client, "TaintManagerEviction", "plain")

        await set_ready(client, "down", "True")

        async def untainted():
            return await _lifecycle_taints(client, "down") == []
        await eventually(untainted, timeout=10)
    assert {p.metadata.name for p in await active_pods(client)} == {"patient"}
