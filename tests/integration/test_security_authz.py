"""Authorization: RBAC for people, the Node authorizer for agents; each refusal is Forbidden in Kubernetes'
words and changes nothing."""
from __future__ import annotations

import grpc
import pytest

from api import errors
from proto import api_pb2
from tests.fixtures.apiserver import client_as
from tests.fixtures.objects import from_yaml, node, pod, view_binding
from tests.fixtures.wait import eventually


async def granted(call) -> None:
    """Wait for a new binding to reach the API server's RBAC cache (a watch, as in Kubernetes)."""
    async def allowed():
        try:
            await call()
            return True
        except errors.Forbidden:
            return False
    await eventually(allowed, 10, 0.05, "the binding to take effect")


def binding(name: str, role: str, user: str, namespace: str = "default", kind: str = "ClusterRole"):
    return from_yaml(f"""
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: {name}, namespace: {namespace}}}
subjects: [{{kind: User, name: {user}}}]
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: {kind}, name: {role}}}
""")


def secret(name: str):
    return from_yaml(f"""
apiVersion: v1
kind: Secret
metadata: {{name: {name}, namespace: default}}
stringData: {{password: hunter2}}
""")


def pod_using_secret(name: str, node_name: str, secret_name: str):
    return from_yaml(f"""
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: default}}
spec:
  nodeName: {node_name}
  containers: [{{name: app, image: busybox:latest, env: [{{name: P, valueFrom: {{secretKeyRef: {{name: {secret_name}, key: password}}}}}}]}}]
""")


@pytest.fixture
async def viewer(apiserver_running, client, pki):
    pki.user("viewer")
    await client.create(binding("viewer-view", "view", "viewer"))
    async with client_as(apiserver_running.address, "users/viewer") as c:
        await granted(lambda: c.list("Pod", "default"))
        yield c


async def test_a_user_with_no_binding_may_do_nothing_and_is_told_in_kubernetes_words(apiserver_running, pki):
    pki.user("nobody")
    async with client_as(apiserver_running.address, "users/nobody") as c:
        with pytest.raises(errors.Forbidden) as e:
            await c.list("Pod", "default")
        assert e.value.message == ('pods is forbidden: User "nobody" cannot list resource "pods" in API group "" '
                                   'in the namespace "default"')
        with pytest.raises(errors.Forbidden, match='nodes "n1" is forbidden: User "nobody" cannot get resource '
                                                   '"nodes" in API group "" at the cluster scope'):
            await c.get("Node", "n1")
        assert (await c.version()).version  # anyone signed in may read the version


async def test_view_reads_but_cannot_exec_read_secrets_or_delete(viewer, client):
    await client.create(pod("web", node="n1"))
    await client.create(secret("db"))
    assert [p.metadata.name for p in (await viewer.list("Pod", "default")).items] == ["web"]
    with pytest.raises(errors.Forbidden, match='secrets "db" is forbidden: User "viewer" cannot get'):
        await viewer.get("Secret", "db")
    with pytest.raises(errors.Forbidden):
        await viewer.list("Secret", "default")
    with pytest.raises(errors.Forbidden, match='pods "web" is forbidden: User "viewer" cannot delete'):
        await viewer.delete("Pod", "web")
    with pytest.raises(grpc.aio.AioRpcError) as e:
        async for _ in viewer.exec_stream([api_pb2.ExecRequest(namespace="default", name="web", command=["sh"])]):
            pass
    assert isinstance(errors.from_rpc_error(e.value), errors.Forbidden)
    assert e.value.details() == ('pods "web" is forbidden: User "viewer" cannot create resource "pods/exec" '
                                 'in API group "" in the namespace "default"')
    with pytest.raises(errors.Forbidden):
        await viewer.list("Pod", "kube-system")  # the binding holds in default only
    assert (await client.get("Pod", "web")).metadata.deletion_timestamp == ""


async def test_a_binding_to_a_missing_role_is_accepted_and_grants_nothing(apiserver_running, client, pki):
    await client.create(binding("ghost", "no-such-role", "ghost-user", kind="Role"))
    pki.user("ghost-user")
    async with client_as(apiserver_running.address, "users/ghost-user") as c:
        with pytest.raises(errors.Forbidden):
            await c.list("Pod", "default")


async def test_a_role_with_resource_names_allows_only_those(apiserver_running, client, pki):
    await client.create(from_yaml("""
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: one-secret, namespace: default}
rules: [{apiGroups: [""], resources: [secrets], resourceNames: [shared], verbs: [get]}]
"""))
    await client.create(binding("one-secret", "one-secret", "carol", kind="Role"))
    await client.create(secret("shared"))
    await client.create(secret("private"))
    pki.user("carol")
    async with client_as(apiserver_running.address, "users/carol") as c:
        await granted(lambda: c.get("Secret", "shared"))
        with pytest.raises(errors.Forbidden):
            await c.get("Secret", "private")
        with pytest.raises(errors.Forbidden):
            await c.list("Secret", "default")


async def test_a_node_gets_only_its_pods_and_the_secrets_they_name(apiserver_running, client, pki):
    for n in ("n1", "n2"):
        await client.create(node(n))
        pki.node(n)
    await client.create(secret("s1"))
    await client.create(secret("s2"))
    await client.create(pod_using_secret("p1", "n1", "s1"))
    await client.create(pod_using_secret("p2", "n2", "s2"))
    async with client_as(apiserver_running.address, "nodes/n1") as n1:
        await granted(lambda: n1.get("Pod", "p1"))  # the pods reach the API server's cache by a watch
        await granted(lambda: n1.get("Secret", "s1"))
        own = await n1.list("Pod", field_selector="spec.nodeName=n1")
        assert [p.metadata.name for p in own.items] == ["p1"]
        with pytest.raises(errors.Forbidden, match="no relationship found between node 'n1' and this object"):
            await n1.get("Pod", "p2")
        with pytest.raises(errors.Forbidden):
            await n1.get("Secret", "s2")
        # every pod's labels and address, for NetworkPolicy enforcement: granted by a bootstrap binding
        await granted(lambda: n1.list("Pod"))
        with pytest.raises(errors.Forbidden):
            await n1.list("Secret", "default")
        other = await client.get("Node", "n2")
        other.spec.unschedulable = True
        with pytest.raises(errors.Forbidden):
            await n1.update(other)
        with pytest.raises(errors.Forbidden):
            await n1.delete("Pod", "p2")
        with pytest.raises(errors.Forbidden):
            await n1.create(pod("sneaky", node="n1"))
        assert len((await n1.list("Node")).items) == 2  # every node: the agent routes to their pod CIDRs
    assert not (await client.get("Node", "n2")).spec.unschedulable


async def test_the_scheduler_and_controller_manager_identities_have_their_roles(apiserver_running, client):
    await client.create(node("n1"))
    await client.create(pod("pending"))
    async with client_as(apiserver_running.address, "scheduler") as scheduler:
        await scheduler.bind("default", "pending", "n1")
        with pytest.raises(errors.Forbidden):
            await scheduler.list("Secret", "default")
    async with client_as(apiserver_running.address, "controller-manager") as cm:
        await cm.delete("Pod", "pending", grace_period=0)


async def test_auth_can_i_answers_for_me_and_for_others(client, skiff):
    await client.create(binding("viewer-view", "view", "viewer"))
    assert (await skiff("auth", "can-i", "create", "pods")).out == "yes\n"  # the admin
    async def viewer_may_list():
        return (await skiff("auth", "can-i", "list", "pods", "--as", "viewer")).code == 0
    await eventually(viewer_may_list, 10, 0.1, "the binding to take effect")
    no = await skiff("auth", "can-i", "create", "pods", "--subresource", "exec", "--as", "viewer")
    assert (no.code, no.out) == (1, "no\n")
    assert (await skiff("auth", "can-i", "get", "secrets/db", "--as", "viewer")).code == 1
    assert (await skiff("auth", "can-i", "get", "pods/log", "--as", "viewer")).code == 0
    assert (await skiff("auth", "can-i", "list", "pods", "--as", "viewer", "-n", "kube-system")).code == 1
    assert (await skiff("auth", "can-i", "get", "/version", "--as", "viewer")).code == 0
    node = await skiff("auth", "can-i", "get", "secrets/db", "--as", "system:node:n1", "--as-group", "system:nodes")
    assert node.code == 1 and "no relationship found" in node.out


async def test_only_those_who_may_impersonate_can_ask_about_others(apiserver_running, pki, tmp_path, skiff,
                                                                   monkeypatch):
    pki.user("nosy")
    config = pki.kubeconfig(apiserver_running.address, tmp_path / "nosy.conf", user="users/nosy")
    monkeypatch.setenv("SKIFF_CONFIG", str(config))
    refused = await skiff("auth", "can-i", "list", "pods", "--as", "admin")
    assert refused.code == 1
    assert 'users "admin" is forbidden: User "nosy" cannot impersonate resource "users"' in refused.err


async def test_any_verb_with_as_is_served_as_that_user_over_grpc(client, skiff):
    refused = await skiff("get", "secrets", "--as", "jane", "--as-group", "devs")
    assert refused.code == 1
    assert ('secrets is forbidden: User "jane" cannot list resource "secrets" in API group "" '
            'in the namespace "default"') in refused.err
    await client.create(from_yaml("""
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: devs-view, namespace: default}
subjects: [{kind: Group, name: devs}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
"""))
    async def devs_may_list():
        return (await skiff("get", "pods", "--as", "jane", "--as-group", "devs")).code == 0
    await eventually(devs_may_list, 10, 0.1, "the group's binding to take effect")
    lonely = await skiff("get", "pods", "--as-group", "devs")
    assert lonely.code == 1 and "without impersonating a user" in lonely.err


HOST_PATH_POD = """
apiVersion: v1
kind: Pod
metadata: {name: rooted, namespace: locked}
spec:
  nodeName: n1
  volumes: [{name: root, hostPath: {path: /}}]
  containers: [{name: app, image: busybox:latest, volumeMounts: [{name: root, mountPath: /host}]}]
"""


async def test_a_restricted_namespace_refuses_hostpath_and_a_warn_namespace_warns(client, skiff, tmp_path):
    await client.create(from_yaml("""
apiVersion: v1
kind: Namespace
metadata: {name: locked, labels: {pod-security.kubernetes.io/enforce: restricted}}
"""))
    with pytest.raises(errors.Forbidden) as e:
        await client.create(from_yaml(HOST_PATH_POD))
    assert e.value.message.startswith('pods "rooted" is forbidden: violates PodSecurity "restricted:latest": '
                                      'hostPath volumes (volume "root")')
    with pytest.raises(errors.NotFound):
        await client.get("Pod", "rooted", "locked")
    await client.create(from_yaml("""
apiVersion: v1
kind: Namespace
metadata: {name: watched, labels: {pod-security.kubernetes.io/warn: baseline}}
"""))
    manifest = tmp_path / "rooted.yaml"
    manifest.write_text(HOST_PATH_POD.replace("namespace: locked", "namespace: watched"))
    created = await skiff("apply", "-f", str(manifest))
    assert created.code == 0, created.err
    assert 'Warning: would violate PodSecurity "baseline:latest": hostPath volumes (volume "root")' in created.err


async def test_a_service_account_token_lists_pods_only_after_a_role_binding(apiserver_running, client, pki):
    from tests.fixtures.apiserver import token_client
    await client.create(from_yaml("{apiVersion: v1, kind: ServiceAccount, metadata: {name: robot, namespace: default}}"))
    token = (await client.create_token("robot")).token
    async with token_client(apiserver_running.token_address, token) as robot:
        with pytest.raises(errors.Forbidden, match='User "system:serviceaccount:default:robot" cannot list'):
            await robot.list("Pod", "default")
        await client.create(view_binding("robot-view", "robot"))
        await granted(lambda: robot.list("Pod", "default"))
    # A token for another audience, or with a byte changed, is nobody's.
    other = (await client.create_token("robot", audiences=["https://elsewhere.example"])).token
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for bad in (other, forged):
        async with token_client(apiserver_running.token_address, bad) as stranger:
            with pytest.raises(errors.Unauthenticated):
                await stranger.list("Pod", "default")
