"""`skiff autoscale`, `get hpa` and `describe hpa` as kubectl's, and `apply` leaving an autoscaled
Deployment's replicas alone."""
from __future__ import annotations

import pytest

from proto import types_pb2
from tests.fixtures import objects
from tests.fixtures.cli_runner import write

pytestmark = pytest.mark.integration

WEB = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: %s, resources: {requests: {cpu: 100m}}}]
"""


async def test_autoscale_makes_an_hpa_that_get_and_describe_show(client, skiff):
    await client.create(objects.deployment("web", 2))
    done = await skiff("autoscale", "deploy/web", "--min", "2", "--max", "10", "--cpu-percent", "50")
    assert (done.code, done.out.strip()) == (0, "horizontalpodautoscaler.autoscaling/web autoscaled"), done.err

    hpa = await client.get("HorizontalPodAutoscaler", "web")
    hpa.status.current_replicas, hpa.status.desired_replicas = 2, 3
    hpa.status.current_metrics.add(type="Resource", resource=types_pb2.ResourceMetricStatus(
        name="cpu", current=types_pb2.MetricValueStatus(average_utilization=73, average_value="73m")))
    await client.update_status(hpa)

    got = await skiff("get", "hpa")
    assert got.out.splitlines()[0].split() == ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS",
                                               "AGE"]
    row = got.out.splitlines()[1]
    assert row.startswith("web ") and "Deployment/web" in row and "cpu: 73%/50%" in row
    assert row.split()[-4:-1] == ["2", "10", "2"]

    described = (await skiff("describe", "hpa", "web")).out
    assert "Reference:" in described and "Deployment/web" in described
    assert "resource cpu on pods  (as a percentage of request):  73% (73m) / 50%" in described
    assert "Deployment pods:" in described and "2 current / 3 desired" in described


async def test_autoscale_bad_input(client, skiff):
    await client.create(objects.deployment("web", 1))
    done = await skiff("autoscale", "deploy/web", "--min", "5", "--max", "2")
    assert (done.code, done.err.strip()) == (
        1, "error: --max=MAXPODS must be larger or equal to --min=MINPODS, max: 2, min: 5")
    done = await skiff("autoscale", "deploy/web")
    assert done.err.strip() == "error: --max=MAXPODS is required and must be at least 1, max: -1"
    done = await skiff("autoscale", "deploy/missing", "--max", "3")
    assert done.code == 1 and 'deployments.apps "missing" not found' in done.err
    done = await skiff("autoscale", "svc/web", "--max", "3")
    assert done.code == 1 and "cannot autoscale a Service" in done.err


async def test_apply_leaves_the_replicas_an_autoscaler_set(client, skiff, tmp_path):
    assert (await skiff("apply", "-f", write(tmp_path, "web.yaml", WEB % "busybox:1.36"))).code == 0
    await client.scale("Deployment", "web", 5)  # as the HPA would
    done = await skiff("apply", "-f", write(tmp_path, "web.yaml", WEB % "busybox:1.37"))
    assert done.code == 0, done.err
    web = await client.get("Deployment", "web")
    assert web.spec.replicas == 5
    assert web.spec.template.spec.containers[0].image == "busybox:1.37"
