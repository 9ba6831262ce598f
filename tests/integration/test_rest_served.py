"""kubectl top through metrics.k8s.io and kubectl auth can-i through SelfSubjectAccessReview, compared
with skiff top on the same samples."""
from __future__ import annotations

import pytest

from proto import api_pb2, types_pb2
from tests.fixtures import objects
from tests.fixtures.wait import eventually

pytestmark = pytest.mark.integration
MiB = 2**20


async def _push(client, node, pod):
    request = api_pb2.PushMetricsRequest(
        node_name=node,
        node=api_pb2.NodeMetrics(metadata=types_pb2.ObjectMeta(name=node), cpu_nanocores=1_000_000_000,
                                 memory_bytes=2048 * MiB, window_seconds=5),
        pods=[api_pb2.PodMetrics(
            metadata=types_pb2.ObjectMeta(name=pod.metadata.name, namespace="default", uid=pod.metadata.uid),
            window_seconds=5, containers=[api_pb2.ContainerMetrics(name="app", cpu_nanocores=250_000_000,
                                                                   memory_bytes=64 * MiB)])])

    async def pushed():  # the API server checks pods against its watch cache, a moment behind the create
        return (await client.push_metrics(request)).stale == 0
    await eventually(pushed, timeout=10)


async def test_kubectl_top_shows_what_skiff_top_shows(kubectl, skiff, client):
    await client.create(objects.node("n1", cpu="2", memory="4Gi"))
    web = await client.create(objects.pod("web", node="n1"))
    await _push(client, "n1", web)
    pods = await kubectl("top", "pods")
    assert pods.code == 0, pods.err
    assert pods.out.split() == (await skiff("top", "pods")).out.split()
    nodes = await kubectl("top", "nodes")
    assert nodes.code == 0, nodes.err
    assert nodes.out.splitlines()[1].split() == ["n1", "1000m", "50%", "2048Mi", "50%"]
    containers = await kubectl("top", "pod", "web", "--containers")
    assert containers.out.splitlines()[1].split() == ["web", "app", "250m", "64Mi"]


async def test_auth_can_i_answers_yes_without_an_authorizer(kubectl):
    r = await kubectl("auth", "can-i", "create", "deployments")
    assert (r.code, r.out.strip()) == (0, "yes")
