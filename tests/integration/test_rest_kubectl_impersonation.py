"""Stock kubectl (v1.32) with --as/--as-group: the request is served as the impersonated user (RBAC,
`auth can-i`, `auth whoami`, audit) once the caller may impersonate, else refused in Kubernetes' words."""
from __future__ import annotations

import json

import pytest

from tests.fixtures.kubectl import Kubectl, write_config
from tests.fixtures.wait import eventually

pytestmark = pytest.mark.integration


@pytest.fixture
async def audited(start_apiserver, tmp_path):
    """(server, audit log path): every request is one line."""
    log = tmp_path / "audit.log"
    return await start_apiserver(None, audit_log=str(log)), log


@pytest.fixture
async def as_admin(audited, tmp_path):
    runner = Kubectl(write_config(tmp_path, audited[0].rest))
    try:
        yield runner
    finally:
        await runner.stop_all()


async def test_jane_may_list_pods_only_once_a_rolebinding_says_so(as_admin):
    before = await as_admin("auth", "can-i", "list", "pods", "--as=jane")
    assert (before.code, before.out.strip()) == (1, "no"), before.err
    refused = await as_admin("get", "pods", "--as=jane")
    assert refused.code == 1
    assert ('Error from server (Forbidden): pods is forbidden: User "jane" cannot list resource "pods" '
            'in API group "" in the namespace "default"') in refused.err
    bound = await as_admin("create", "rolebinding", "jane-view", "--clusterrole=view", "--user=jane")
    assert bound.code == 0, bound.err
    after = await as_admin("auth", "can-i", "list", "pods", "--as=jane")
    assert (after.code, after.out.strip()) == (0, "yes"), after.err
    assert (await as_admin("auth", "can-i", "list", "pods", "--as=jane", "-n", "kube-system")).out.strip() == "no"


async def test_a_caller_without_impersonate_rights_is_refused_with_the_impersonation_message(audited, tmp_path):
    bob = Kubectl(write_config(tmp_path, audited[0].rest, token="token-bob"))
    # kubectl prints a refused discovery as "unknown" (client-go reads its Status as raw bytes), whoever the
    # server: a cache warmed as bob, as any earlier command leaves it, lets the list request show the message.
    await bob("api-resources")
    refused = await bob("get", "pods", "--as=jane")
    assert refused.code == 1
    assert ('Error from server (Forbidden): users "jane" is forbidden: User "bob" cannot impersonate resource '
            '"users" in API group "" at the cluster scope') in refused.err
    as_sa = await bob("get", "pods", "--as=system:serviceaccount:dev:robot")
    assert ('serviceaccounts "robot" is forbidden: User "bob" cannot impersonate resource "serviceaccounts" '
            'in API group "" in the namespace "dev"') in as_sa.err


async def test_whoami_as_a_service_account_shows_its_groups_and_the_audit_event_names_both(as_admin, audited):
    shown = await as_admin("auth", "whoami", "--as=system:serviceaccount:default:x", "-o", "json")
    assert shown.code == 0, shown.err
    info = json.loads(shown.out)["status"]["userInfo"]
    assert info == {"username": "system:serviceaccount:default:x",
                    "groups": ["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"]}
    log = audited[1]

    def whoami_event():
        events = [json.loads(line) for line in log.read_text().splitlines()]
        return next((e for e in events if e.get("objectRef", {}).get("resource") == "selfsubjectreviews"), None)
    event = await eventually(whoami_event, timeout=10, what="the whoami request's audit event")
    assert event["user"]["username"] == "kubernetes-admin"
    assert event["impersonatedUser"]["username"] == "system:serviceaccount:default:x"


async def test_a_group_without_a_user_is_refused(as_admin):
    refused = await as_admin("get", "pods", "--as-group=devs")
    assert refused.code == 1 and "without impersonating a user" in refused.err


async def test_admission_sees_the_impersonated_user_as_the_csr_requestor(as_admin, tmp_path):
    from controlplane.apiserver.resources.certificatesigningrequest import SAMPLE_REQUEST
    manifest = tmp_path / "csr.yaml"
    manifest.write_text(f"""apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata: {{name: janes}}
spec: {{request: {SAMPLE_REQUEST}, signerName: example.com/sample, usages: [client auth]}}
""")
    made = await as_admin("create", "-f", str(manifest), "--as=jane", "--as-group=system:masters")
    assert made.code == 0, made.err
    shown = await as_admin("get", "csr", "janes", "-o", "jsonpath={.spec.username} {.spec.groups}")
    assert shown.out == 'jane ["system:masters","system:authenticated"]'
