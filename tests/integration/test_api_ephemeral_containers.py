"""The pods/ephemeralcontainers subresource (`kubectl debug`): over REST as kubectl patches it and over gRPC as
`skiff debug` does; refused on create, on a pod update, for a change, and to a caller RBAC does not allow."""
from __future__ import annotations

import json

import pytest

from api import errors
from tests.fixtures import objects
from tests.fixtures.apiserver import client_as
from tests.fixtures.objects import from_yaml
from tests.fixtures.rest import rest_session
from tests.fixtures.wait import eventually

pytestmark = pytest.mark.integration

POD = "/api/v1/namespaces/default/pods/web"
SMP = {"Content-Type": "application/strategic-merge-patch+json"}
DEBUGGER = {"name": "debugger-x7k2p", "image": "busybox", "stdin": True, "tty": True,
            "targetContainerName": "app", "terminationMessagePolicy": "File", "resources": {}}


def add(container: dict) -> str:
    return json.dumps({"spec": {"ephemeralContainers": [container]}})


async def test_kubectls_patch_adds_an_ephemeral_container(client, rest):
    await client.create(objects.pod("web"))
    async with rest.patch(f"{POD}/ephemeralcontainers", data=add(DEBUGGER), headers=SMP) as r:
        body = await r.json()
    assert r.status == 200, body["message"]
    [added] = body["spec"]["ephemeralContainers"]
    assert (added["name"], added["targetContainerName"], added["imagePullPolicy"]) == (
        "debugger-x7k2p", "app", "Always")
    async with rest.get(f"{POD}/ephemeralcontainers") as r:
        assert (await r.json())["kind"] == "Pod"
    pod = await client.get("Pod", "web")
    assert [c.name for c in pod.spec.ephemeral_containers] == ["debugger-x7k2p"]


async def test_skiffs_grpc_patch_adds_one_and_keeps_the_rest_of_the_body_out(client):
    await client.create(objects.pod("web"))
    first = {"spec": {"ephemeralContainers": [{"name": "one", "image": "busybox"}]}}
    await client.patch("Pod", "web", first, subresource="ephemeralcontainers")
    second = {"metadata": {"labels": {"sneaked": "in"}},
              "spec": {"ephemeralContainers": [{"name": "two", "image": "busybox"}]}}
    pod = await client.patch("Pod", "web", second, subresource="ephemeralcontainers")
    assert sorted(c.name for c in pod.spec.ephemeral_containers) == ["one", "two"]
    assert "sneaked" not in pod.metadata.labels


async def test_discovery_lists_the_subresource(rest):
    async with rest.get("/api/v1") as r:
        found = {res["name"]: res for res in (await r.json())["resources"]}
    assert found["pods/ephemeralcontainers"]["verbs"] == ["get", "patch", "update"]


async def test_a_pod_is_not_created_with_ephemeral_containers(rest):
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
           "spec": {"containers": [{"name": "app", "image": "busybox"}],
                    "ephemeralContainers": [{"name": "d", "image": "busybox"}]}}
    async with rest.post("/api/v1/namespaces/default/pods", json=pod) as r:
        body = await r.json()
    assert r.status == 422
    assert body["message"] == ('Pod "web" is invalid: spec.ephemeralContainers: Forbidden: cannot be set on '
                               'create')


async def test_a_pod_patch_may_not_add_one_and_the_subresource_may_not_change_one(client, rest):
    await client.create(objects.pod("web"))
    async with rest.patch(POD, data=add({"name": "d", "image": "busybox"}), headers=SMP) as r:
        body = await r.json()
    assert r.status == 422 and "spec: Forbidden: pod updates may not change fields" in body["message"]
    await client.patch("Pod", "web", {"spec": {"ephemeralContainers": [{"name": "d", "image": "busybox"}]}},
                       subresource="ephemeralcontainers")
    with pytest.raises(errors.Invalid) as refused:
        await client.patch("Pod", "web", {"spec": {"ephemeralContainers": [{"name": "d", "image": "busybox:1.36"}]}},
                           subresource="ephemeralcontainers")
    assert 'spec.ephemeralContainers[d]: Forbidden: existing ephemeral containers "d" may not be changed' in str(
        refused.value)
    async with rest.patch(f"{POD}/ephemeralcontainers", data=add({"name": "e", "image": "busybox",
                                                                  "ports": [{"containerPort": 80}]}),
                          headers=SMP) as r:
        body = await r.json()
    assert r.status == 422
    assert body["message"] == ('Pod "web" is invalid: spec.ephemeralContainers[1].ports: Forbidden: cannot be '
                               'set for an Ephemeral Container')
    assert [c.name for c in (await client.get("Pod", "web")).spec.ephemeral_containers] == ["d"]


async def test_a_user_allowed_pods_but_not_the_subresource_is_forbidden(client, apiserver_running, pki):
    await client.create(objects.pod("web"))
    await client.create(from_yaml("""
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pods-only, namespace: default}
rules: [{apiGroups: [""], resources: [pods], verbs: ["*"]}]
"""))
    await client.create(from_yaml("""
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-pods, namespace: default}
subjects: [{kind: User, name: alice}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pods-only}
"""))
    async with rest_session(apiserver_running.rest, token="token-alice") as alice:
        async def reads():
            async with alice.get(POD) as r:
                return r.status == 200
        await eventually(reads, 20, what="alice's binding in the RBAC cache")
        async with alice.patch(f"{POD}/ephemeralcontainers", data=add(DEBUGGER), headers=SMP) as r:
            body = await r.json()
        assert r.status == 403
        assert body["message"].startswith('pods "web" is forbidden: User "alice" cannot patch resource '
                                          '"pods/ephemeralcontainers" in API group "" in the namespace "default"')
    pki.user("viewer2")
    async with client_as(apiserver_running.address, "users/viewer2") as viewer:
        with pytest.raises(errors.Forbidden):
            await viewer.patch("Pod", "web", {"spec": {"ephemeralContainers": [DEBUGGER]}},
                               subresource="ephemeralcontainers")
    assert not (await client.get("Pod", "web")).spec.ephemeral_containers


async def test_skiff_debug_adds_an_ephemeral_container_as_kubectl_debug_does(client, skiff):
    await client.create(objects.pod("web"))
    made = await skiff("debug", "web", "--image=busybox", "--target=app", "--env=MODE=debug", "--", "sleep", "60")
    assert made.code == 0, made.err
    name = made.out.splitlines()[0].removeprefix("Defaulting debug container name to ").rstrip(".")
    assert name.startswith("debugger-") and len(name) == len("debugger-") + 5
    [added] = (await client.get("Pod", "web")).spec.ephemeral_containers
    assert (added.name, added.image, added.target_container_name, list(added.command), added.env[0].value) == (
        name, "busybox", "app", ["sleep", "60"], "debug")
    named = await skiff("debug", "pod/web", "--image=busybox", "-c", "probe", "--arguments-only", "--", "-c", "true")
    assert named.code == 0 and "Defaulting" not in named.out
    pod = await client.get("Pod", "web")
    assert [list(c.args) for c in pod.spec.ephemeral_containers if c.name == "probe"] == [["-c", "true"]]
    again = await skiff("debug", "web", "--image=busybox", "-c", "probe", "--", "ls")
    assert again.code == 1
    assert 'existing ephemeral containers "probe" may not be changed' in again.err


@pytest.mark.parametrize("argv, message", [
    (["web"], "error: you must specify --image when not using --copy-to."),
    (["web", "--image=busybox", "-t"], "error: -i/--stdin is required for containers with -t/--tty=true"),
    (["web", "--image=busybox", "--copy-to=web-copy"],
     "error: --copy-to is not supported by skiff debug: only ephemeral containers in the pod itself"),
    (["node/host-1", "--image=busybox"],
     "error: debugging a node is not supported by skiff debug: debug a pod (skiff debug POD --image=...)"),
    (["nope", "--image=busybox"], 'error: pods "nope" not found'),
])
async def test_skiff_debug_refuses_what_it_does_not_do_in_one_line(skiff, argv, message):
    refused = await skiff("debug", *argv)
    assert (refused.code, refused.err.strip()) == (1, message)


async def test_pod_security_judges_an_ephemeral_container_as_the_pods_own(client, rest):
    await client.create(from_yaml("""
apiVersion: v1
kind: Namespace
metadata: {name: guarded, labels: {pod-security.kubernetes.io/enforce: baseline}}
"""))
    await client.create(objects.pod("web", namespace="guarded"))
    privileged = {"name": "root", "image": "busybox", "securityContext": {"privileged": True}}
    async with rest.patch("/api/v1/namespaces/guarded/pods/web/ephemeralcontainers", data=add(privileged),
                          headers=SMP) as r:
        body = await r.json()
    assert r.status == 403
    assert 'violates PodSecurity "baseline:latest": privileged' in body["message"]
    async with rest.patch("/api/v1/namespaces/guarded/pods/web/ephemeralcontainers",
                          data=add({"name": "plain", "image": "busybox"}), headers=SMP) as r:
        assert r.status == 200


async def test_an_update_of_the_subresource_adds_one_over_grpc_and_rest(client, rest):
    pod = await client.create(objects.pod("web"))
    pod.spec.ephemeral_containers.add(name="one", image="busybox")
    pod = await client.update(pod, subresource="ephemeralcontainers")
    assert [c.name for c in pod.spec.ephemeral_containers] == ["one"]
    async with rest.get(POD) as r:
        body = await r.json()
    body["spec"]["ephemeralContainers"].append({"name": "two", "image": "busybox"})
    async with rest.put(f"{POD}/ephemeralcontainers", json=body) as r:
        assert r.status == 200, (await r.json())["message"]
    stale = body  # its resourceVersion is now old: a PUT is a compare-and-swap, as every update
    stale["spec"]["ephemeralContainers"].append({"name": "three", "image": "busybox"})
    async with rest.put(f"{POD}/ephemeralcontainers", json=stale) as r:
        assert r.status == 409
    assert [c.name for c in (await client.get("Pod", "web")).spec.ephemeral_containers] == ["one", "two"]
