"""Prometheus /metrics, /healthz and /readyz on every component, and the gRPC health service: each page
parses with prometheus-client's parser and carries Kubernetes' metric names; /metrics is HTTPS and answers
only a certificate RBAC lets `get` it (system:monitoring), health answers anyone."""
from __future__ import annotations

import asyncio
import json
import os
import sys
import urllib.parse

import grpc
import pytest

from api import errors
from api.monitoring import MonitoringServer
from controlplane.apiserver.main import monitoring_guard
from deploy.lab import plan as P
from proto import health_pb2, health_pb2_grpc
from tests.fixtures import objects, prometheus
from tests.fixtures.etcd import free_port
from tests.fixtures.wait import eventually

pytestmark = pytest.mark.integration


@pytest.fixture
def scraper(pki):
    """TLS as the lab's Prometheus: the cluster CA, and the skiff:prometheus certificate (system:monitoring)."""
    return prometheus.client_context(pki.ca_file, pki.cert("prometheus"), pki.key("prometheus"))


@pytest.fixture
async def monitoring(apiserver_running, pki):
    """The API server's own /metrics listener: its serving certificate, its authorizer."""
    guard = monitoring_guard(pki.security(), apiserver_running.service.authorizer)
    server = MonitoringServer("127.0.0.1", 0, guard)
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def test_apiserver_metrics_count_requests_by_verb_resource_and_code(client, monitoring, scraper):
    await client.create(objects.pod("web"))
    with pytest.raises(errors.NotFound):
        await client.get("Pod", "missing")
    watch = client.watch("Pod")
    await anext(watch)  # a watch open: a long-running request
    samples = await asyncio.to_thread(prometheus.scrape, monitoring.url, scraper)
    await watch.aclose()
    assert prometheus.missing(samples, "apiserver") == []
    requests = samples["apiserver_request_total"]
    assert {"verb": "create", "resource": "pods", "subresource": "", "code": "201"} in requests
    assert {"verb": "get", "resource": "pods", "subresource": "", "code": "404"} in requests


async def test_metrics_need_a_client_certificate(monitoring, pki):
    anonymous = prometheus.client_context(pki.ca_file)
    status, body = await asyncio.to_thread(prometheus.get, monitoring.url, anonymous)
    assert (status, body) == (401, "Unauthorized: /metrics needs a client certificate\n")


async def test_metrics_refuse_a_caller_rbac_does_not_let_read_them(monitoring, pki):
    alice = prometheus.client_context(pki.ca_file, pki.cert(pki.user("alice")), pki.key(pki.user("alice")))
    status, body = await asyncio.to_thread(prometheus.get, monitoring.url, alice)
    assert (status, body) == (403, 'forbidden: User "alice" cannot get path "/metrics"\n')


async def test_a_cluster_role_granting_get_on_metrics_lets_a_user_read_them(client, monitoring, pki):
    await client.create(objects.from_yaml("""
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: bob-monitoring}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:monitoring}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: bob-scraper}]
"""))
    bob = prometheus.client_context(pki.ca_file, pki.cert(pki.user("bob-scraper")), pki.key(pki.user("bob-scraper")))

    async def allowed():
        status, _ = await asyncio.to_thread(prometheus.get, monitoring.url, bob)
        return status == 200
    await eventually(allowed, timeout=15, what="bob-scraper may read /metrics")  # the RBAC cache follows


async def test_health_endpoints_answer_anyone_and_unknown_paths_are_404(monitoring, pki):
    base, anonymous = f"https://{monitoring.address}", prometheus.client_context(pki.ca_file)
    assert await asyncio.to_thread(prometheus.get, base + "/healthz", anonymous) == (200, "ok")
    assert await asyncio.to_thread(prometheus.get, base + "/readyz", anonymous) == (200, "ok")
    assert (await asyncio.to_thread(prometheus.get, base + "/nope", anonymous))[0] == 404


async def test_metrics_are_not_served_over_plain_http(monitoring):
    with pytest.raises(OSError):  # the TLS listener closes on a plain-HTTP request
        await asyncio.to_thread(prometheus.get, f"http://{monitoring.address}/healthz")


async def test_readyz_is_503_while_not_ready(apiserver_running, pki):
    guard = monitoring_guard(pki.security(), apiserver_running.service.authorizer)
    server = MonitoringServer("127.0.0.1", 0, guard, ready=lambda: False)
    server.start()
    try:
        assert await asyncio.to_thread(prometheus.get, f"https://{server.address}/readyz",
                                       prometheus.client_context(pki.ca_file)) == (503, "not ready")
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


async def _stop(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM (the program cleans up), SIGKILL if it has not ended within 10 s."""
    proc.terminate()
    try:
        await asyncio.wait_for(proc.wait(), 10)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()


async def _program(module: str, *argv: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(sys.executable, "-m", module, *argv, stdout=asyncio.subprocess.DEVNULL,
                                                stderr=asyncio.subprocess.PIPE, env=dict(os.environ))


@pytest.mark.parametrize("component,module,identity", [
    ("scheduler", "controlplane.scheduler.main", "scheduler"),
    ("controller-manager", "controlplane.controllers.main", "controller-manager"),
    ("agent", "nodeagent.main", "admin"),
])
async def test_every_program_serves_its_metrics_over_tls_to_prometheus(apiserver_running, client, component, module,
                                                                       identity, tmp_path, pki, scraper):
    """Each program serves with its own certificate (the agent: its node's) and asks the API server who may read."""
    port = free_port()
    kubeconfig = pki.kubeconfig(apiserver_running.address, tmp_path / f"{identity}.conf", user=identity)
    args = []
    if component == "agent":
        node = pki.node("hollow")
        args = ["--runtime", "fake", "--hollow", "2", "--node-name", "hollow", "--node-ip", "127.0.0.1",
                "--state-dir", str(tmp_path / "hollow"), "--tls-cert-file", str(pki.cert(node)),
                "--tls-private-key-file", str(pki.key(node))]
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
                samples = await asyncio.to_thread(prometheus.scrape, f"https://127.0.0.1:{port}/metrics", scraper)
            except (OSError, AssertionError):
                return None
            return samples if all(n in samples for n in wanted) else None
        samples = await eventually(scraped, timeout=30, interval=0.3, what=f"{component} metrics {wanted}")
        assert samples
        anonymous = prometheus.client_context(pki.ca_file)
        assert await asyncio.to_thread(prometheus.get, f"https://127.0.0.1:{port}/healthz", anonymous) == (200, "ok")
        assert (await asyncio.to_thread(prometheus.get, f"https://127.0.0.1:{port}/metrics", anonymous))[0] == 401
        alice = prometheus.client_context(pki.ca_file, pki.cert(pki.user("alice")), pki.key(pki.user("alice")))
        assert (await asyncio.to_thread(prometheus.get, f"https://127.0.0.1:{port}/metrics", alice))[0] == 403
    finally:
        await _stop(proc)


@pytest.mark.skipif(not os.path.exists(P.PROMETHEUS_BINARY), reason="needs Debian's prometheus (make setup-prometheus)")
async def test_the_real_prometheus_scrapes_with_the_labs_configuration(monitoring, pki, tmp_path):
    """The scrape configuration the lab writes, read by Prometheus itself, against a real listener."""
    own = f"127.0.0.1:{free_port()}"
    config = tmp_path / "prometheus.yml"
    config.write_text(P.scrape_config(own, {"apiserver": [(monitoring.address, "control-plane")]}, pki.directory))
    proc = await asyncio.create_subprocess_exec(
        P.PROMETHEUS_BINARY, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}",
        f"--web.listen-address={own}", stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        async def up():
            query = f"http://{own}/api/v1/query?" + urllib.parse.urlencode({"query": 'up{job="apiserver"}'})
            try:
                status, body = await asyncio.to_thread(prometheus.get, query)
            except OSError:
                return None
            results = json.loads(body)["data"]["result"] if status == 200 else []
            return results if results and results[0]["value"][1] == "1" else None
        await eventually(up, timeout=40, interval=1, what="the API server up in Prometheus")
    finally:
        await _stop(proc)
