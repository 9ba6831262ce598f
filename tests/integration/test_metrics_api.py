"""The metrics API through a real API server and the real CLI: pushes from a node, `skiff top`, refusals."""
from __future__ import annotations

import pytest

from api import errors
from proto import api_pb2, types_pb2
from tests.fixtures import objects
from tests.fixtures.wait import eventually

pytestmark = pytest.mark.integration
MiB = 2**20


def push_request(node, pods, cpu=250_000_000, mem=64 * MiB):
    return api_pb2.PushMetricsRequest(
        node_name=node,
        node=api_pb2.NodeMetrics(metadata=types_pb2.ObjectMeta(name=node), cpu_nanocores=1_000_000_000,
                                 memory_bytes=2048 * MiB, window_seconds=5),
        pods=[api_pb2.PodMetrics(metadata=types_pb2.ObjectMeta(name=p.metadata.name, namespace=p.metadata.namespace,
                                                               uid=p.metadata.uid),
                                 window_seconds=5,
                                 containers=[api_pb2.ContainerMetrics(name="app", cpu_nanocores=cpu,
                                                                      memory_bytes=mem)])
              for p in pods])


async def push_when_cached(client, request):
    """The API server checks pods against its watch cache, which may be a moment behind the create."""
    async def pushed():
        return (await client.push_metrics(request)).stale == 0
    await eventually(pushed, timeout=10)


async def test_top_pods_and_nodes_show_what_the_node_pushed(client, skiff):
    await client.create(objects.node("n1", cpu="2", memory="4Gi"))
    web = await client.create(objects.pod("web", node="n1", labels={"app": "web"}))
    await push_when_cached(client, push_request("n1", [web]))

    result = await skiff("top", "pods")
    assert result.code == 0, result.err
    assert result.out.splitlines() == ["NAME   CPU(cores)   MEMORY(bytes)", "web    250m         64Mi"]
    assert (await skiff("top", "pods", "-l", "app=other")).err.strip() == "No resources found in default namespace."

    nodes = await skiff("top", "nodes")
    assert nodes.out.splitlines()[1].split() == ["n1", "1000m", "50%", "2048Mi", "50%"]


async def test_top_pod_missing_is_not_found(client, skiff):
    result = await skiff("top", "pod", "missing")
    assert result.code == 1
    assert 'NotFound' in result.err and 'podmetrics.metrics.k8s.io "default/missing" not found' in result.err


async def test_top_before_any_sample_says_metrics_not_available_yet(client, skiff):
    await client.create(objects.pod("fresh"))
    result = await skiff("top", "pods")
    assert (result.code, result.err.strip()) == (1, "error: metrics not available yet")
    assert (await skiff("top", "nodes")).err.strip() == "error: metrics not available yet"


async def test_a_node_pushing_metrics_of_a_pod_on_another_node_is_refused(client):
    other = await client.create(objects.pod("other", node="n2"))

    async def refused():
        try:
            await client.push_metrics(push_request("n1", [other]))
        except errors.Forbidden as e:
            return 'may not report metrics of pod "default/other"' in e.message
        return False
    await eventually(refused, timeout=10)
    assert await client.pod_metrics("") == []
