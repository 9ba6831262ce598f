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
