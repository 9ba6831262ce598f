"""The REST API asks the API server's authorizer (RBAC) what a caller may do, as the gRPC API does."""
from __future__ import annotations

import pytest

from tests.fixtures import objects
from tests.fixtures.kubectl import Kubectl, write_config
from tests.fixtures.rest import rest_session
from tests.fixtures.wait import eventually

pytest.importorskip("controlplane.apiserver.auth.attributes", reason="authorization not in this tree yet")
pytestmark = pytest.mark.integration

PODS = "/api/v1/namespaces/default/pods"


async def test_a_user_without_a_role_is_forbidden_in_kubernetes_words(apiserver_running):
    async with rest_session(apiserver_running.rest, token="token-alice") as alice:
        async with alice.get(PODS) as r:
            body = await r.json()
    assert r.status == 403 and body["reason"] == "Forbidden"
    assert body["message"].startswith('pods is forbidden: User "alice" cannot list resource "pods" in API group '
                                      '"" in the namespace "default"')


async def test_auth_can_i_asks_the_authorizer(kubectl, apiserver_running, tmp_path):
    assert (await kubectl("auth", "can-i", "delete", "nodes")).out.strip() == "yes"  # the admin
    alice = Kubectl(write_config(tmp_path, apiserver_running.rest, token="token-alice"))
    r = await alice("auth", "can-i", "create", "deployments")
    assert (r.code, r.out.strip()) == (1, "no")


async def test_a_rolebinding_made_with_kubectl_lets_the_user_read(kubectl, client, apiserver_running, tmp_path):
    await client.create(objects.pod("web"))
    binding = """apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-view}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}]
"""
    made = await kubectl("apply", "-f", "-", stdin=binding)
    assert made.code == 0, made.err
    alice = Kubectl(write_config(tmp_path, apiserver_running.rest, token="token-alice"))

    async def reads():
        r = await alice("get", "pods", "-o", "name")
        return r.code == 0 and r.out.strip() == "pod/web"
    await eventually(reads, 20, what="alice reading pods once the binding is in the RBAC cache")
    assert (await alice("auth", "can-i", "list", "pods")).out.strip() == "yes"
    refused = await alice("delete", "pod", "web")
    assert refused.code == 1
    assert 'pods "web" is forbidden: User "alice" cannot delete resource "pods"' in refused.err
