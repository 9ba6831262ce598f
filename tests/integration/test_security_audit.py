"""The audit log: one JSON line per request with who, what, the result and the latency; a policy can
leave reads out."""
from __future__ import annotations

import json

import pytest

from api import errors
from controlplane.apiserver.auth import audit
from tests.fixtures.apiserver import client_as
from tests.fixtures.objects import pod
from tests.fixtures.wait import eventually


async def test_every_write_is_one_json_line_and_reads_are_left_out(apiserver_factory, etcd_server, pki, tmp_path):
    log, policy = tmp_path / "audit.log", tmp_path / "policy.yaml"
    policy.write_text(audit.WRITES_ONLY_POLICY_TEXT)
    running = await apiserver_factory([etcd_server.endpoint], audit_log=str(log), audit_policy=str(policy))
    pki.user("nobody")
    async with client_as(running.address, "admin") as admin, client_as(running.address, "users/nobody") as nobody:
        await admin.create(pod("web"))
        await admin.get("Pod", "web")
        await admin.list("Pod")
        with pytest.raises(errors.Forbidden):
            await nobody.delete("Pod", "web")
    # A request's event is written when the server has finished with it, which may be just after the
    # caller got its answer: wait for the refused delete's line.
    lines = await eventually(lambda: len(log.read_text().splitlines()) >= 2 and log.read_text().splitlines(),
                             timeout=10, what="the refused delete's audit line")
    events = [json.loads(line) for line in lines]
    assert [(e["verb"], e["user"]["username"], e["responseStatus"]["code"]) for e in events] == [
        ("create", "kubernetes-admin", 200), ("delete", "nobody", 403)]
    created = events[0]
    assert created["objectRef"] == {"resource": "pods", "namespace": "default", "name": "web"}
    assert created["kind"] == "Event" and created["apiVersion"] == "audit.k8s.io/v1"
    assert created["latency"].endswith("ms") and "system:masters" in created["user"]["groups"]


def test_a_bad_policy_is_reported_with_its_file(tmp_path):
    bad = tmp_path / "policy.yaml"
    bad.write_text("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: Everything}]\n")
    with pytest.raises(ValueError, match=r"policy.yaml: rules\[0\].level: Unsupported value: 'Everything'"):
        audit.load(str(tmp_path / "audit.log"), str(bad))


async def test_rest_requests_and_callers_refused_at_the_door_are_lines_of_the_same_form(
        apiserver_factory, etcd_server, tmp_path):
    from tests.fixtures.apiserver import token_client
    from tests.fixtures.rest import rest_session
    log = tmp_path / "audit.log"
    running = await apiserver_factory([etcd_server.endpoint], audit_log=str(log), rest_listen="127.0.0.1:0")
    async with rest_session(running.rest) as admin:
        async with admin.get("/api/v1/namespaces/default/pods") as r:
            assert r.status == 200
    async with rest_session(running.rest, user=None) as anonymous:
        async with anonymous.get("/api/v1/namespaces/default/pods/web") as r:
            assert r.status == 401
    async with rest_session(running.rest, token="token-alice") as alice:
        async with alice.delete("/api/v1/namespaces/default/pods/web") as r:
            assert r.status == 403
    async with token_client(running.token_address, "not-a-token") as stranger:
        with pytest.raises(errors.Unauthenticated):
            await stranger.list("Pod", "kube-system")

    def four_lines():
        lines = log.read_text().splitlines()
        return len(lines) >= 4 and [json.loads(line) for line in lines]
    events = await eventually(four_lines, timeout=10, what="four audit lines")
    seen = [(e["verb"], e["user"].get("username"), e["responseStatus"]["code"], e.get("objectRef"))
            for e in events]
    assert seen == [
        ("list", "kubernetes-admin", 200, {"resource": "pods", "namespace": "default"}),
        ("get", None, 401, {"resource": "pods", "namespace": "default", "name": "web"}),
        ("delete", "alice", 403, {"resource": "pods", "namespace": "default", "name": "web"}),
        ("list", None, 401, {"resource": "pods", "namespace": "kube-system"}),
    ]
    assert all(e["kind"] == "Event" and e["latency"].endswith("ms") and e["sourceIPs"] == ["127.0.0.1"]
               for e in events)
    assert events[1]["user"] == {} and events[1]["stage"] == "ResponseStarted"


async def test_watches_the_caller_walks_away_from_are_audited_with_its_address_and_the_server_serves_on(
        apiserver_factory, etcd_server, tmp_path):
    # The server reads the caller's address when the call starts: a cancelled stream's call may already be
    # freed by gRPC when the handler finishes, and asking it then crashed the whole API server.
    import gc
    log = tmp_path / "audit.log"
    running = await apiserver_factory([etcd_server.endpoint], audit_log=str(log))
    async with client_as(running.address, "admin") as admin:
        await admin.create(pod("web"))
        for _ in range(20):
            stream = admin.watch("Pod")
            await stream.__anext__()  # the current pod, ADDED: the call is under way on the server
            await stream.aclose()  # cancels it
        gc.collect()
        assert (await admin.get("Pod", "web")).metadata.name == "web"

    def watch_lines():
        events = [json.loads(line) for line in log.read_text().splitlines()]
        return [e for e in events if e["verb"] == "watch"]
    watches = await eventually(lambda: len(watch_lines()) == 20 and watch_lines(), timeout=10,
                               what="an audit line for each of the 20 watches")
    assert {tuple(e.get("sourceIPs", ())) for e in watches} == {("127.0.0.1",)}


async def test_a_grpc_call_as_someone_else_is_audited_with_both_users(apiserver_factory, etcd_server, tmp_path):
    from api.client import Client
    from api.credentials import impersonation_headers
    from tests.fixtures.pki import test_pki
    log = tmp_path / "audit.log"
    running = await apiserver_factory([etcd_server.endpoint], audit_log=str(log))
    credentials = test_pki().credentials("admin")._replace(impersonate=impersonation_headers("jane"))
    async with Client(running.address, 10, credentials=credentials) as jane:
        with pytest.raises(errors.Forbidden) as refused:
            await jane.list("Pod", "default")
    assert refused.value.message.startswith('pods is forbidden: User "jane" cannot list resource "pods"')

    def janes_line():
        events = [json.loads(line) for line in log.read_text().splitlines()]
        return next((e for e in events if e.get("impersonatedUser")), None)
    event = await eventually(janes_line, timeout=10, what="the impersonated call's audit line")
    assert (event["user"]["username"], event["impersonatedUser"]["username"], event["responseStatus"]["code"]) == (
        "kubernetes-admin", "jane", 403)
