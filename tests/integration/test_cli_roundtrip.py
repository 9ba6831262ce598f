"""The real CLI against a real API server and etcd: apply, get, describe, label, scale and delete."""
from __future__ import annotations

import asyncio
import json

import yaml

from api import errors
from cli.merge import LAST_APPLIED
from proto import types_pb2
from tests.fixtures.cli_runner import write
from tests.fixtures.wait import eventually

POD = """apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  containers:
  - name: app
    image: busybox
"""
DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: busybox}]}
"""


async def test_apply_creates_then_is_unchanged_then_configured(skiff, client, tmp_path):
    path = write(tmp_path, "web.yaml", POD)
    first = await skiff("apply", "-f", path)
    assert (first.code, first.out) == (0, "pod/web created\n")
    again = await skiff("apply", "-f", path)
    assert (again.code, again.out) == (0, "pod/web unchanged\n")
    write(tmp_path, "web.yaml", POD.replace("{app: web}", "{app: web, tier: front}"))
    changed = await skiff("apply", "-f", path)
    assert changed.out == "pod/web configured\n"
    live = await client.get("Pod", "web")
    assert live.metadata.labels["tier"] == "front"
    assert json.loads(live.metadata.annotations[LAST_APPLIED])["metadata"]["labels"]["tier"] == "front"


async def test_apply_keeps_live_replicas_when_the_manifests_omit_them(skiff, client, tmp_path):
    # As kubectl: replicas that the last applied manifest set and this one drops would be removed.
    path = write(tmp_path, "api.yaml", DEPLOY.replace("  replicas: 2\n", ""))
    assert (await skiff("apply", "-f", path)).out == "deployment.apps/api created\n"
    assert (await skiff("scale", "deploy", "api", "--replicas", "5")).out == "deployment.apps/api scaled\n"
    write(tmp_path, "api.yaml", DEPLOY.replace("  replicas: 2\n", "").replace("image: busybox", "image: busybox:2"))
    assert (await skiff("apply", "-f", path)).out == "deployment.apps/api configured\n"
    live = await client.get("Deployment", "api")
    assert live.spec.replicas == 5
    assert live.spec.template.spec.containers[0].image == "busybox:2"


async def test_apply_from_stdin_with_several_documents_and_a_namespace(skiff, client):
    text = POD + "---\n" + DEPLOY
    result = await skiff("apply", "-f", "-", "-n", "kube-public", stdin=text)
    assert result.out == "pod/web created\ndeployment.apps/api created\n"
    assert (await client.get("Pod", "web", "kube-public")).metadata.namespace == "kube-public"


async def test_get_prints_tables_and_manifest_forms(skiff, client, tmp_path):
    await skiff("apply", "-f", write(tmp_path, "all.yaml", POD + "---\n" + DEPLOY))
    table = await skiff("get", "pods")
    header, row = table.out.splitlines()
    assert header.split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert row.split()[:4] == ["web", "0/1", "Pending", "0"]
    wide = await skiff("get", "po", "-A", "-o", "wide")
    assert wide.out.splitlines()[0].split() == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP",
                                                "NODE", "NOMINATED", "NODE", "READINESS", "GATES"]
    one = yaml.safe_load((await skiff("get", "pod", "web", "-o", "yaml")).out)
    assert (one["kind"], one["metadata"]["name"], one["spec"]["containers"][0]["image"]) == ("Pod", "web", "busybox")
    listed = json.loads((await skiff("get", "deployments", "-o", "json")).out)
    assert listed["kind"] == "List" and [i["metadata"]["name"] for i in listed["items"]] == ["api"]
    names = await skiff("get", "po/web", "deploy/api", "-o", "name")
    assert names.out == "pod/web\ndeployment.apps/api\n"
    mixed = await skiff("get", "po,deploy")
    assert "pod/web" in mixed.out and "deployment.apps/api" in mixed.out


async def test_get_filters_by_label_and_field_selectors(skiff, client, tmp_path):
    await skiff("apply", "-f", write(tmp_path, "p.yaml", POD + "---\n" + POD.replace("web", "db")))
    assert (await skiff("get", "po", "-l", "app=db", "-o", "name")).out == "pod/db\n"
    assert (await skiff("get", "po", "--field-selector", "metadata.name=web", "-o", "name")).out == "pod/web\n"
    empty = await skiff("get", "po", "-l", "app=none")
    assert (empty.code, empty.out, empty.err) == (0, "", "No resources found in default namespace.\n")


async def _event(client, name: str, reason: str, when: str, involved: str = "web"):
    ev = types_pb2.Event(
        metadata=types_pb2.ObjectMeta(name=name, namespace="default"),
        involved_object=types_pb2.ObjectReference(kind="Pod", name=involved, namespace="default"),
        reason=reason, message=f"{reason} happened", type="Normal", last_timestamp=when,
        source=types_pb2.EventSource(component="test"))
    ev.api_version, ev.kind = "v1", "Event"
    await client.create(ev)


async def test_describe_shows_the_objects_events_newest_last(skiff, client, tmp_path):
    await skiff("apply", "-f", write(tmp_path, "web.yaml", POD))
    await _event(client, "web.b", "Started", "2026-01-01T00:00:30Z")
    await _event(client, "web.a", "Scheduled", "2026-01-01T00:00:10Z")
    await _event(client, "other.a", "Killing", "2026-01-01T00:00:20Z", involved="other")
    result = await skiff("describe", "pod", "web")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0].split() == ["Name:", "web"] and ["Status:", "Pending"] in [l.split() for l in lines]
    events = lines[lines.index("Events:"):]
    reasons = [line.split()[1] for line in events[3:]]
    assert reasons == ["Scheduled", "Started"]
    table = await skiff("get", "events")
    assert table.out.splitlines()[0].split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert "pod/other" in table.out


async def test_label_and_annotate_follow_kubectl_rules(skiff, client, tmp_path):
    await skiff("apply", "-f", write(tmp_path, "web.yaml", POD))
    assert (await skiff("label", "pod", "web", "tier=front")).out == "pod/web labeled\n"
    refused = await skiff("label", "po/web", "tier=back")
    assert refused.code == 1
    assert refused.err == "error: 'tier' already has a value (front), and --overwrite is false\n"
    assert (await skiff("label", "po/web", "tier=back", "--overwrite")).code == 0
    assert (await skiff("annotate", "pod", "web", "owner=alice")).out == "pod/web annotated\n"
    assert (await skiff("label", "pod", "web", "tier-")).code == 0
    live = await client.get("Pod", "web")
    assert "tier" not in live.metadata.labels and live.metadata.annotations["owner"] == "alice"


async def test_delete_by_name_by_file_and_with_cascade(skiff, client, tmp_path):
    path = write(tmp_path, "all.yaml", POD + "---\n" + DEPLOY)
    await skiff("apply", "-f", path)
    result = await skiff("delete", "-f", path)
    assert result.out == 'pod "web" deleted\ndeployment.apps "api" deleted\n'
    await skiff("apply", "-f", path)
    orphan = await skiff("delete", "deploy/api", "--cascade=orphan")
    assert orphan.code == 0
    # no garbage collector runs here, so the orphan finalizer the server added stays visible
    assert "orphan" in (await client.get("Deployment", "api")).metadata.finalizers
    assert (await skiff("delete", "pod", "web")).code == 0
    missing = await skiff("delete", "pod", "web")
    assert (missing.code, missing.err) == (1, 'Error from server (NotFound): pods "web" not found\n')
    assert (await skiff("delete", "pod", "web", "--ignore-not-found")).code == 0


async def test_delete_wait_returns_once_the_object_is_gone(skiff, client, tmp_path):
    held = POD.replace("  labels: {app: web}\n", "  finalizers: [example.com/hold]\n")
    await skiff("apply", "-f", write(tmp_path, "web.yaml", held))
    deleting = asyncio.create_task(skiff("delete", "pod", "web", "--wait"))
    try:
        await eventually(lambda: _marked(client))
        assert not deleting.done()
        pod = await client.get("Pod", "web")
        del pod.metadata.finalizers[:]
        await client.update(pod)
        result = await asyncio.wait_for(deleting, 20)
    finally:
        if not deleting.done():
            deleting.cancel()
    assert (result.code, result.out) == (0, 'pod "web" deleted\n')
    try:
        await client.get("Pod", "web")
        raise AssertionError("the pod still exists after delete --wait returned")
    except errors.NotFound:
        pass


async def _marked(client) -> bool:
    return bool((await client.get("Pod", "web")).metadata.deletion_timestamp)


async def test_version_prints_client_and_server(skiff):
    result = await skiff("version")
    lines = result.out.splitlines()
    assert result.code == 0 and lines[0].startswith("Client Version: ") and lines[1].startswith("Server Version: v")
