"""The official Kubernetes Python client lists, watches, creates and patches through skiff's REST API;
each result compared with what the gRPC client sees."""
from __future__ import annotations

import asyncio

import pytest
from kubernetes import client as k8s
from kubernetes import watch

from nodeagent.runtime import base
from nodeagent.runtime.fake import FakeRuntime
from tests.fixtures import objects
from tests.fixtures.fake_runtime_agent import agent_config, running_agent
from tests.fixtures.objects import from_yaml
from tests.fixtures.wait import eventually

pytestmark = pytest.mark.integration


@pytest.fixture
def api_client(apiserver_running, pki):
    config = k8s.Configuration(host=apiserver_running.rest.url)
    config.ssl_ca_cert = str(pki.ca_file)
    config.cert_file, config.key_file = str(pki.cert("admin")), str(pki.key("admin"))
    with k8s.ApiClient(config) as api:
        yield api


async def test_lists_match_the_grpc_path(api_client, client):
    for i in range(3):
        await client.create(objects.pod(f"web-{i}", labels={"app": "web"}))
    core = k8s.CoreV1Api(api_client)
    listed = await asyncio.to_thread(core.list_namespaced_pod, "default", label_selector="app=web")
    ours = await client.list("Pod", "default", label_selector="app=web")
    assert sorted(p.metadata.name for p in listed.items) == sorted(p.metadata.name for p in ours.items)
    assert {p.metadata.uid for p in listed.items} == {p.metadata.uid for p in ours.items}
    page = await asyncio.to_thread(core.list_namespaced_pod, "default", limit=2)
    assert len(page.items) == 2 and page.metadata._continue
    rest = await asyncio.to_thread(core.list_namespaced_pod, "default", limit=2, _continue=page.metadata._continue)
    assert len(rest.items) == 1 and not rest.metadata._continue


async def test_watch_sees_a_created_pod(api_client, client):
    core = k8s.CoreV1Api(api_client)
    start = await asyncio.to_thread(core.list_namespaced_pod, "default")

    def first_added():
        w = watch.Watch()
        for event in w.stream(core.list_namespaced_pod, "default", resource_version=start.metadata.resource_version,
                              timeout_seconds=20):
            w.stop()
            return event["type"], event["object"].metadata.name
    seen = asyncio.create_task(asyncio.to_thread(first_added))
    created = await client.create(objects.pod("late"))
    assert await seen == ("ADDED", created.metadata.name)


async def test_create_and_patch_a_deployment(api_client, client):
    apps = k8s.AppsV1Api(api_client)
    body = k8s.V1Deployment(
        metadata=k8s.V1ObjectMeta(name="web"),
        spec=k8s.V1DeploymentSpec(
            replicas=1, selector=k8s.V1LabelSelector(match_labels={"app": "web"}),
            template=k8s.V1PodTemplateSpec(
                metadata=k8s.V1ObjectMeta(labels={"app": "web"}),
                spec=k8s.V1PodSpec(containers=[k8s.V1Container(name="app", image="busybox:1.36")]))))
    made = await asyncio.to_thread(apps.create_namespaced_deployment, "default", body)
    assert made.metadata.uid == (await client.get("Deployment", "web")).metadata.uid
    patched = await asyncio.to_thread(apps.patch_namespaced_deployment, "web", "default",
                                      {"spec": {"replicas": 3}})
    assert patched.spec.replicas == 3
    assert (await client.get("Deployment", "web")).spec.replicas == 3
    scale = await asyncio.to_thread(apps.read_namespaced_deployment_scale, "web", "default")
    assert scale.spec.replicas == 3


async def test_not_found_is_an_api_exception_with_404(api_client):
    core = k8s.CoreV1Api(api_client)
    with pytest.raises(k8s.ApiException) as e:
        await asyncio.to_thread(core.read_namespaced_pod, "nope", "default")
    assert e.value.status == 404


async def test_exec_and_port_forward_over_the_channel_protocol(api_client, client, tmp_path):
    """The Python client speaks v4.channel.k8s.io: exec's output and a forwarded port's bytes."""
    from kubernetes.stream import portforward, stream

    async def echo(reader, writer):
        while data := await reader.read(1024):
            writer.write(b"echo:" + data)
            await writer.drain()
        writer.close()
    server = await asyncio.start_server(echo, "127.0.0.1", 0)  # the host-network pod's port on its node
    port = server.sockets[0].getsockname()[1]
    runtime = FakeRuntime()
    runtime.exec_handler = lambda info, command: base.ExecResult(exit_code=0, output=" ".join(command).encode())
    core = k8s.CoreV1Api(api_client)
    try:
        async with running_agent(client, agent_config(client.server, tmp_path), runtime):
            await client.create(from_yaml(HOST_POD))

            async def running():
                return (await client.get("Pod", "host")).status.phase == "Running"
            await eventually(running, 15, what="the pod Running")
            out = await asyncio.to_thread(stream, core.connect_get_namespaced_pod_exec, "host", "default",
                                          command=["echo", "hi"], stderr=True, stdin=False, stdout=True, tty=False)
            assert out == "echo hi"

            def forward() -> bytes:
                pf = portforward(core.connect_get_namespaced_pod_portforward, "host", "default", ports=str(port))
                sock = pf.socket(port)
                sock.sendall(b"ping")
                sock.settimeout(10)
                data = sock.recv(100)
                sock.close()
                return data
            assert await asyncio.to_thread(forward) == b"echo:ping"
    finally:
        server.close()
        await server.wait_closed()


HOST_POD = """
apiVersion: v1
kind: Pod
metadata: {name: host, namespace: default}
spec:
  nodeName: node-a
  hostNetwork: true
  containers:
  - {name: app, image: busybox:latest, imagePullPolicy: IfNotPresent}
"""
