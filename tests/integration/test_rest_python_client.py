"""The official Kubernetes Python client lists, watches, creates and patches through skiff's REST API;
each result compared with what the gRPC client sees."""
from __future__ import annotations

import asyncio

import pytest
from kubernetes import client as k8s
from kubernetes import watch

from tests.fixtures import objects

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
