"""Prometheus /metrics, /healthz and /readyz on every component, and the gRPC health service: each page
parses with prometheus-client's parser and carries Kubernetes' metric names."""
from __future__ import annotations

import asyncio
import os
import sys

import grpc
import pytest

from api import errors
from api.monitoring import MonitoringServer
from proto import health_pb2, health_pb2_grpc
from tests.fixtures import objects, prometheus
from tests.fixtures.etcd import free_port
from tests.fixtures.wait import eventually

pytestmark = pytest.mark.integration


@pytest.fixture
def monitoring():
    server = MonitoringServer("127.0.0.1", 0)
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def test_apiserver_metrics_count_requests_by_verb_resource_and_code(client, monitoring):
    await client.create(objects.pod("web"))
    with pytest.raises(errors.NotFound):
        await client.get("Pod", "missing")
    watch = client.watch("Pod")
    await anext(watch)  # a watch open: a long-running request
    samples = await asyncio.to_thread(prometheus.scrape, f"http://{monitoring.address}/metrics")
    await watch.aclose()
    assert prometheus.missing(samples, "apiserver") == []
    requests = samples["apiserver_request_total"]
    assert {"verb": "create", "resource": "pods", "subresource": "", "code": "201"} in requests
    assert {"verb": "get", "resource": "pods", "subresource": "", "code": "404"} in requests


async def test_health_endpoints_answer_and_unknown_paths_are_404(monitoring):
    base = f"http://{monitoring.address}"
    assert await asyncio.to_thread(prometheus.get, base + "/healthz") == (200, "ok")
    assert await asyncio.to_thread(prometheus.get, base + "/readyz") == (200, "ok")
    assert (await asyncio.to_thread(prometheus.get, base + "/nope"))[0] == 404


async def test_readyz_is_503_while_not_ready():
    server = MonitoringServer("127.0.0.1", 0, ready=lambda: False)
    server.start()
    try:
        assert await asyncio.to_thread(prometheus.get, f"http://{server.address}/readyz") == (503, "not ready")
    finally:
        server.stop()


async def test_apiserver_serves_the_standard_grpc_health_service(apiserver_running, pki):
    creds = pki.credentials("admin").channel_credentials()  # TLS with a client certificate, as every caller
    async with grpc.aio.secure_channel(apiserver_running.address, creds) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        reply = await stub.Check(health_pb2.HealthCheckRequest(service=""))
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        reply = await stub.Check(health_pb2.HealthCheckRequest(service="skiff.v1.Api"))
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.aio.AioRpcError) as e:
            await stub.Check(health_pb2.HealthCheckRequest(service="nope"))
        assert e.value.code() == grpc.StatusCode.NOT_FOUND


async def _program(module: str, *argv: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(sys.executable, "-m", module, *argv, stdout=asyncio.subprocess.DEVNULL,
                                                stderr=asyncio.subprocess.PIPE, env=dict(os.environ))


@pytest.mark.parametrize("component,module,extra", [
    ("scheduler", "controlplane.scheduler.main", ()),
    ("controller-manager", "controlplane.controllers.main", ()),
    ("agent", "nodeagent.main", ("--runtime", "fake", "--hollow", "2", "--node-name", "hollow", "--node-ip",
                                 "127.0.0.1", "--state-dir", "")),
])
async def test_every_program_serves_its_metrics(apiserver_running, client, component, module, extra, tmp_path, pki):
    port = free_port()
    kubeconfig = pki.kubeconfig(apiserver_running.address, tmp_path / "admin.conf")
    args = list(extra)
    if "--state-dir" in args:
        args[args.index("--state-dir") + 1] = str(tmp_path / "hollow")
    proc = await _program(module, "--kubeconfig", str(kubeconfig), "--metrics-bind-address",
                          f"127.0.0.1:{port}", *args)
    try:
        if component == "scheduler":  # attempts make the attempt and plugin metrics appear
            await client.create(objects.node("n1"))
            for i in range(2):
                await client.create(objects.pod(f"pending-{i}", cpu="100"))
        if component == "controller-manager":
            await client.create(objects.replica_set("rs", 1))
        wanted = [n for n in prometheus.EXPECTED[component]
                  if component != "agent" or n.startswith("kubelet_running") or n.startswith("kubelet_pod_start")]

        async def scraped():
            try:
                samples = await asyncio.to_thread(prometheus.scrape, f"http://127.0.0.1:{port}/metrics")
            except OSError:
                return None
            return samples if all(n in samples for n in wanted) else None
        samples = await eventually(scraped, timeout=30, interval=0.3, what=f"{component} metrics {wanted}")
        assert samples
        assert await asyncio.to_thread(prometheus.get, f"http://127.0.0.1:{port}/healthz") == (200, "ok")
    finally:
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except asyncio.TimeoutError:
            proc.kill()
            await proc.wait()
