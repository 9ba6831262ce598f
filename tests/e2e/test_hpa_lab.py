"""Autoscaling in the lab: a Deployment whose pods burn CPU under load scales up within two sync periods
of its usage crossing the target, and back down once the load stops and the (lab-shortened) window has
passed; another scales up and back down the same way on a counter of requests its pods serve
(prometheus.io/scrape), by the pods' own rate and by their Service's total.

Needs root and dockerd; traffic stays inside lab namespaces.
"""
from __future__ import annotations

import time

import pytest

from api import manifest, meta
from api.client import Client
from deploy import components
from deploy.lab import cluster
from deploy.lab import plan as P
from tests.fixtures.api_calls import recorded_event
from tests.fixtures.lab import lab_marks, running_lab
from tests.fixtures.wait import eventually

SYNC = components.LAB_AUTOSCALING.sync_period
WINDOW = components.LAB_AUTOSCALING.downscale_stabilization
RESOLUTION = components.LAB_METRICS_RESOLUTION

pytestmark = lab_marks()

# A CGI script that burns CPU for each request, served by busybox httpd.
BURN = ("mkdir -p /www/cgi-bin && printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\n"
        "i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done; echo ok\\n' > /www/cgi-bin/burn && "
        "chmod +x /www/cgi-bin/burn && exec httpd -f -p 80 -h /www")
# A counter of the requests the pods serve (a CGI script counts each hit), served as /metrics.
COUNTER = r"""mkdir -p /www/cgi-bin && echo 0 > /www/n
printf '# TYPE http_requests_total counter\nhttp_requests_total 0\n' > /www/metrics
cat > /www/cgi-bin/hit <<'EOF'
#!/bin/sh
n=$(( $(cat /www/n) + 1 ))
echo $n > /www/n
printf '# TYPE http_requests_total counter\nhttp_requests_total %d\n' $n > /www/m.tmp && mv /www/m.tmp /www/metrics
printf 'Content-Type: text/plain\r\n\r\nok\n'
EOF
chmod +x /www/cgi-bin/hit && exec httpd -f -p 8080 -h /www"""

def deployment(name: str, script: str, annotations: dict | None = None) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "default"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}, "annotations": annotations or {}},
                                  "spec": {"terminationGracePeriodSeconds": 1, "containers": [{
                                      "name": "app", "image": "busybox:latest", "command": ["sh", "-c", script],
                                      "resources": {"requests": {"cpu": "100m"}}}]}}}}


def hpa(name: str, metric: dict, max_replicas: int) -> dict:
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                     "minReplicas": 1, "maxReplicas": max_replicas, "metrics": [metric]}}


async def create(client: Client, body: dict):
    obj, _ = manifest.from_dict(body)
    return await client.create(obj)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with running_lab(str(tmp_path_factory.mktemp("home")), "--nodes", "2", "--ready-timeout", "90") as up:
        yield up


async def replicas(client: Client, name: str) -> int:
    return (await client.get_scale("Deployment", name)).spec.replicas


async def test_cpu_load_scales_up_then_down(lab):
    async with cluster.admin_client(P.ADMIN_KUBECONFIG, timeout=30) as client:
        await create(client, deployment("burn", BURN))
        await create(client, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "burn"},
                              "spec": {"selector": {"app": "burn"}, "ports": [{"port": 80}]}})
        await create(client, hpa("burn", {"type": "Resource", "resource": {
            "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}, 3))
        svc = await client.get("Service", "burn")

        async def crossed():
            got = await client.get("HorizontalPodAutoscaler", "burn")
            for m in got.status.current_metrics:
                if m.resource.current.HasField("average_utilization") and m.resource.current.average_utilization > 50:
                    return got
            return None
        load = ("while :; do wget -qO- http://%s/cgi-bin/burn >/dev/null 2>&1; done" % svc.spec.cluster_ip)
        await create(client, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "load"},
                              "spec": {"terminationGracePeriodSeconds": 0, "containers": [{
                                  "name": "load", "image": "busybox:latest", "command": ["sh", "-c", load]}]}})
        await eventually(crossed, timeout=120, interval=0.5, what="cpu utilization above the 50% target")
        crossed_at = time.monotonic()
        await eventually(lambda: _more_than(client, "burn", 1), timeout=2 * SYNC + 2 * RESOLUTION,
                         interval=0.5, what="a scale-up within two sync periods of crossing the target")
        assert time.monotonic() - crossed_at <= 2 * SYNC + 2 * RESOLUTION
        await recorded_event(client, "SuccessfulRescale",
                             message="reason: cpu resource utilization (percentage of request) above target")

        await client.delete("Pod", "load", grace_period=0)
        stopped = time.monotonic()
        await eventually(lambda: _exactly(client, "burn", 1), timeout=WINDOW + 60, interval=1,
                         what="back to one replica after the load stopped and the window passed")
        assert time.monotonic() - stopped >= WINDOW - SYNC  # the stabilization window held the replicas
        got = await client.get("HorizontalPodAutoscaler", "burn")
        assert meta.get_condition(got.status.conditions, "ScalingActive").status == "True"


async def test_a_counter_the_pods_serve_scales_them_up_then_down(lab):
    async with cluster.admin_client(P.ADMIN_KUBECONFIG, timeout=30) as client:
        await create(client, deployment("counter", COUNTER, {"prometheus.io/scrape": "true",
                                                              "prometheus.io/port": "8080"}))
        await create(client, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "counter"},
                              "spec": {"selector": {"app": "counter"}, "ports": [{"port": 8080}]}})
        # 2 requests a second a pod wanted, by the pods' own rate and by the Service's total (an Object
        # metric, as prometheus-adapter serves it); the load below sends many more than that
        scaler = hpa("counter", {"type": "Pods", "pods": {
            "metric": {"name": "http_requests_per_second"},
            "target": {"type": "AverageValue", "averageValue": "2"}}}, 3)
        scaler["spec"]["metrics"].append({"type": "Object", "object": {
            "describedObject": {"apiVersion": "v1", "kind": "Service", "name": "counter"},
            "metric": {"name": "http_requests_per_second"},
            "target": {"type": "AverageValue", "averageValue": "2"}}})
        await create(client, scaler)
        svc = await client.get("Service", "counter")
        load = "while :; do wget -qO- http://%s:8080/cgi-bin/hit >/dev/null 2>&1; done" % svc.spec.cluster_ip
        await create(client, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "counter-load"},
                              "spec": {"terminationGracePeriodSeconds": 0, "containers": [{
                                  "name": "load", "image": "busybox:latest", "command": ["sh", "-c", load]}]}})
        await eventually(lambda: _more_than(client, "counter", 1), timeout=90, interval=1, what="counter scaled up")

        async def both_measured():
            got = await client.get("HorizontalPodAutoscaler", "counter")
            return got if [m.type for m in got.status.current_metrics] == ["Pods", "Object"] else None
        got = await eventually(both_measured, timeout=3 * SYNC, interval=1, what="both metrics in the status")
        assert got.status.current_metrics[0].pods.metric.name == "http_requests_per_second"
        assert got.status.current_metrics[1].object.described_object.name == "counter"

        await client.delete("Pod", "counter-load", grace_period=0)
        stopped = time.monotonic()
        await eventually(lambda: _exactly(client, "counter", 1), timeout=WINDOW + 60, interval=1,
                         what="back to one replica after the load stopped and the window passed")
        assert time.monotonic() - stopped >= WINDOW - SYNC  # the stabilization window held the replicas
        await recorded_event(client, "SuccessfulRescale", name="counter",
                             message="New size: 1; reason: All metrics below target")


async def _more_than(client, name, n):
    return await replicas(client, name) > n


async def _exactly(client, name, n):
    return await replicas(client, name) == n
