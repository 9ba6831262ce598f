"""Pod Security admission on every write path: gRPC and REST creates, updates and patches of pods pass the
same chain, and workloads' pod templates are warned about (never refused), as Kubernetes does."""
from __future__ import annotations

import json

import pytest

from api import errors, kinds
from tests.fixtures.apiserver import admin_client
from tests.fixtures.objects import deployment, from_yaml, pod
from tests.fixtures.rest import rest_session, warnings as rest_warnings
from tests.fixtures.wait import eventually

PRIVILEGED = 'privileged (container "app" must not set securityContext.privileged=true)'


async def _namespace(client, name: str, mode: str, level: str = "baseline") -> None:
    await client.create(from_yaml(f"""
apiVersion: v1
kind: Namespace
metadata: {{name: {name}, labels: {{pod-security.kubernetes.io/{mode}: {level}}}}}
"""))


def _privileged_pod(name: str, namespace: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace},
            "spec": {"containers": [{"name": "app", "image": "busybox",
                                     "securityContext": {"privileged": True}}]}}


async def test_a_rest_create_is_refused_as_a_grpc_one_is(client, apiserver_running):
    await _namespace(client, "locked", "enforce")
    async with rest_session(apiserver_running.rest) as rest:
        async with rest.post("/api/v1/namespaces/locked/pods", json=_privileged_pod("root", "locked")) as r:
            body = await r.json()
    assert r.status == 403 and body["reason"] == "Forbidden"
    assert body["message"] == f'pods "root" is forbidden: violates PodSecurity "baseline:latest": {PRIVILEGED}'
    with pytest.raises(errors.NotFound):
        await client.get("Pod", "root", "locked")


async def test_a_rest_create_in_a_warn_namespace_carries_the_warning_header(client, apiserver_running):
    await _namespace(client, "watched", "warn")
    async with rest_session(apiserver_running.rest) as rest:
        async with rest.post("/api/v1/namespaces/watched/pods", json=_privileged_pod("root", "watched")) as r:
            warnings = rest_warnings(r)
    assert r.status == 201
    assert any(f'would violate PodSecurity "baseline:latest": {PRIVILEGED}' in w for w in warnings)


async def test_an_update_that_changes_only_labels_is_not_judged_again(client, apiserver_running):
    await _namespace(client, "later", "warn", "privileged")
    created = await client.create(from_yaml(json.dumps(_privileged_pod("old", "later"))))
    ns = await client.get("Namespace", "later", "")
    ns.metadata.labels["pod-security.kubernetes.io/enforce"] = "baseline"
    await client.update(ns)
    created.metadata.labels["seen"] = "yes"
    assert (await client.update(created)).metadata.labels["seen"] == "yes"  # gRPC update
    async with rest_session(apiserver_running.rest) as rest:
        async with rest.patch("/api/v1/namespaces/later/pods/old", data=json.dumps({"metadata": {"labels": {
                "patched": "yes"}}}), headers={"Content-Type": "application/merge-patch+json"}) as r:
            assert r.status == 200, await r.text()


async def test_a_workload_template_is_warned_about_but_never_refused(client, apiserver_running):
    await _namespace(client, "strict", "enforce")
    heard: list[str] = []
    d = deployment("web", 1)
    d.metadata.namespace = "strict"
    d.spec.template.spec.containers[0].security_context.privileged = True
    async with admin_client(apiserver_running.address, on_warning=heard.append) as warned:
        created = await warned.create(d)
        assert created.metadata.name == "web"
        assert heard == [f'would violate PodSecurity "baseline:latest": {PRIVILEGED}']
        heard.clear()
        created.metadata.labels["x"] = "y"  # the template is unchanged: not judged again
        await warned.update(created)
        assert heard == []
    # Its pods are refused when they are made, as the ReplicaSet controller would find.
    p = pod("from-template", namespace="strict")
    p.spec.containers[0].security_context.privileged = True
    with pytest.raises(errors.Forbidden, match="violates PodSecurity"):
        await client.create(p)


async def test_a_rest_patch_of_a_template_warns_too(client, apiserver_running):
    await _namespace(client, "patched", "warn")
    d = deployment("api", 1)
    d.metadata.namespace = "patched"
    await client.create(d)
    name = d.spec.template.spec.containers[0].name
    patch = {"spec": {"template": {"spec": {"containers": [{"name": name, "securityContext": {"privileged": True}}]}}}}
    async with rest_session(apiserver_running.rest) as rest:
        async with rest.patch("/apis/apps/v1/namespaces/patched/deployments/api", data=json.dumps(patch),
                              headers={"Content-Type": "application/strategic-merge-patch+json"}) as r:
            warnings = rest_warnings(r)
            assert r.status == 200, await r.text()
    assert any('would violate PodSecurity "baseline:latest": privileged' in w for w in warnings)


async def test_tightening_a_namespace_warns_about_the_pods_already_in_it(client, apiserver_running):
    await _namespace(client, "loose", "warn", "privileged")
    for name in ("a", "b", "c"):
        await client.create(from_yaml(json.dumps(_privileged_pod(name, "loose"))))
    await client.create(pod("plain", namespace="loose"))
    pods = kinds.BY_NAME["Pod"]
    await eventually(lambda: all(apiserver_running.registry.cached(pods, "loose", n) for n in "abc"), 10,
                     what="the pods in the API server's watch cache, which admission reads")
    heard: list[str] = []
    async with admin_client(apiserver_running.address, on_warning=heard.append) as warned:
        ns = await warned.get("Namespace", "loose", "")
        ns.metadata.labels["pod-security.kubernetes.io/enforce"] = "baseline"
        await warned.update(ns)
    assert heard == ['existing pods in namespace "loose" violate the new PodSecurity enforce level "baseline:latest"',
                     f"a (and 2 other pods): {PRIVILEGED}"]
    assert [p.metadata.name for p in (await client.list("Pod", "loose")).items] == ["a", "b", "c", "plain"]
