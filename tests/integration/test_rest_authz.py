"""The REST API asks the API server's authorizer (RBAC) what a caller may do, as the gRPC API does."""
from __future__ import annotations

import pytest

from tests.fixtures.kubectl import Kubectl, write_config
from tests.fixtures.rest import rest_session

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
