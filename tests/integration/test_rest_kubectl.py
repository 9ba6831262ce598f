"""Stock kubectl (v1.32) against skiff's REST API: each verb's result compared with what the gRPC path sees."""
from __future__ import annotations

import json

import pytest

from api import kinds
from tests.fixtures import objects
from tests.fixtures.cli_runner import write
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.wait import eventually

pytestmark = pytest.mark.integration

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: busybox:1.36
        env: [{name: A, value: "1"}]
"""


async def test_get_every_kind_prints_the_same_columns_as_skiff_get(kubectl, skiff, client):
    await client.create(objects.pod("web"))
    await client.create(objects.node("n1"))
    for kind in kinds.KINDS:
        scope = () if not kind.namespaced else ("-A",)
        ours = await skiff("get", kind.plural, *scope)
        theirs = await kubectl("get", kind.plural, *scope)
        assert theirs.code == ours.code == 0, theirs.err
        assert _first_words(theirs.out) == _first_words(ours.out), kind.name


def _first_words(out: str) -> list[list[str]]:
    """Header words and each row's first cell (ages and other times may tick between the two runs)."""
    lines = [line.split() for line in out.strip().splitlines()]
    return [lines[0]] + sorted(line[:1] for line in lines[1:]) if lines else []


async def test_get_output_formats(kubectl, client):
    await client.create(objects.pod("web", labels={"app": "web"}))
    wide = await kubectl("get", "pods", "-o", "wide")
    assert wide.out.split("\n")[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE",
                                               "NOMINATED", "NODE", "READINESS", "GATES"]
    as_json = json.loads((await kubectl("get", "pod", "web", "-o", "json")).out)
    live = await client.get("Pod", "web")
    assert as_json["metadata"]["uid"] == live.metadata.uid
    assert as_json["spec"]["containers"][0]["image"] == "busybox:1.36"
    path = await kubectl("get", "pods", "-o", "jsonpath={.items[*].metadata.labels.app}")
    assert path.out == "web"
    assert "kind: Pod" in (await kubectl("get", "pod", "web", "-o", "yaml")).out
    labels = await kubectl("get", "pods", "-l", "app=web", "--show-labels")
    assert "app=web" in labels.out


async def test_not_found_reads_as_kubernetes(kubectl):
    r = await kubectl("get", "pod", "nope")
    assert r.code == 1
    assert r.err.strip() == 'Error from server (NotFound): pods "nope" not found'


async def test_create_of_an_existing_name_is_already_exists(kubectl, tmp_path):
    path = write(tmp_path, "d.yaml", DEPLOYMENT)
    assert (await kubectl("create", "-f", path)).code == 0
    again = await kubectl("create", "-f", path)
    assert again.code == 1
    assert 'Error from server (AlreadyExists)' in again.err and 'deployments.apps "web" already exists' in again.err


async def test_apply_client_side_then_again_keeps_server_fields(kubectl, client, tmp_path):
    path = write(tmp_path, "d.yaml", DEPLOYMENT)
    first = await kubectl("apply", "-f", path)
    assert first.code == 0, first.err
    assert first.out.strip() == "deployment.apps/web created"
    changed = write(tmp_path, "d2.yaml", DEPLOYMENT.replace("replicas: 2", "replicas: 3"))
    second = await kubectl("apply", "-f", changed)
    assert second.code == 0, second.err
    assert second.out.strip() == "deployment.apps/web configured"
    live = await client.get("Deployment", "web")
    assert live.spec.replicas == 3
    assert "kubectl.kubernetes.io/last-applied-configuration" in live.metadata.annotations
    same = await kubectl("apply", "-f", changed)
    assert same.out.strip() == "deployment.apps/web unchanged"


async def test_unknown_field_is_refused_with_its_path(kubectl, client, tmp_path):
    path = write(tmp_path, "bad.yaml", DEPLOYMENT.replace("  replicas: 2", "  replicas: 2\n  replicaz: 3"))
    r = await kubectl("apply", "-f", path)
    assert r.code == 1
    assert 'unknown field "spec.replicaz"' in r.err
    with pytest.raises(LookupError):
        await client.get("Deployment", "web")


async def test_a_kind_skiff_does_not_serve_is_no_match_as_kubectl_says_it(kubectl, tmp_path):
    # kubectl looks an unserved kind up in OpenAPI v2 (protobuf) before mapping it; an unreadable answer
    # stopped it at "proto: cannot parse invalid wire-format data".
    path = write(tmp_path, "csi.yaml", "apiVersion: storage.k8s.io/v1\nkind: CSIDriver\n"
                 "metadata: {name: hostpath.csi.k8s.io}\nspec: {attachRequired: false}\n")
    done = await kubectl("apply", "-f", path)
    assert done.code != 0
    assert 'no matches for kind "CSIDriver" in version "storage.k8s.io/v1"' in done.err, done.err


async def test_invalid_create_is_reported_with_the_kind_and_name(kubectl, tmp_path):
    path = write(tmp_path, "svc.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"
                 "spec: {ipFamilies: [IPv6], ports: [{port: 80}]}\n")
    done = await kubectl("create", "-f", path)
    assert done.code != 0
    assert 'The Service "web" is invalid: spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster' \
        in done.err, done.err


async def test_kubectl_prints_warnings_that_quote_something(kubectl, tmp_path):
    # A quote inside a Warning header's text is escaped; unescaped, kubectl dropped the whole warning.
    path = write(tmp_path, "pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: hello\n  annotations:\n"
                 "    container.apparmor.security.beta.kubernetes.io/hello: runtime/default\n"
                 "spec: {containers: [{name: hello, image: busybox}]}\n")
    done = await kubectl("create", "--dry-run=server", "-f", path)
    assert done.code == 0, done.err
    assert ('Warning: metadata.annotations[container.apparmor.security.beta.kubernetes.io/hello]: '
            'deprecated since v1.30; use the "appArmorProfile" field instead') in done.err


async def test_patch_types(kubectl, client):
    await client.create(objects.deployment("web", 1))
    merge = await kubectl("patch", "deploy", "web", "--type", "merge", "-p", '{"spec":{"replicas":2}}')
    assert merge.code == 0, merge.err
    strategic = await kubectl("patch", "deploy", "web", "-p",
                              '{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"busybox"}]}}}}')
    assert strategic.code == 0, strategic.err
    as_json = await kubectl("patch", "deploy", "web", "--type", "json",
                            "-p", '[{"op":"add","path":"/spec/minReadySeconds","value":5}]')
    assert as_json.code == 0, as_json.err
    failing = await kubectl("patch", "deploy", "web", "--type", "json",
                            "-p", '[{"op":"replace","path":"/spec/paused","value":true}]')
    assert failing.code == 1 and "paused" in failing.err
    live = await client.get("Deployment", "web")
    assert live.spec.replicas == 2 and live.spec.min_ready_seconds == 5
    assert [c.name for c in live.spec.template.spec.containers] == ["app", "side"]


async def test_label_annotate_scale_and_set_image(kubectl, client):
    await client.create(objects.deployment("web", 1))
    assert (await kubectl("label", "deploy", "web", "tier=front")).code == 0
    assert (await kubectl("annotate", "deploy", "web", "note=hi")).code == 0
    scaled = await kubectl("scale", "deploy", "web", "--replicas=4")
    assert scaled.code == 0, scaled.err
    assert scaled.out.strip() == "deployment.apps/web scaled"
    image = await kubectl("set", "image", "deploy/web", "app=busybox:1.37")
    assert image.code == 0, image.err
    live = await client.get("Deployment", "web")
    assert live.metadata.labels["tier"] == "front" and live.metadata.annotations["note"] == "hi"
    assert live.spec.replicas == 4
    assert live.spec.template.spec.containers[0].image == "busybox:1.37"


async def test_edit_with_kube_editor(kubectl, client, tmp_path):
    await client.create(objects.deployment("web", 1))
    editor = write(tmp_path, "editor.sh", "#!/bin/sh\nsed -i 's/replicas: 1/replicas: 6/' \"$1\"\n")
    (tmp_path / "editor.sh").chmod(0o755)
    r = await kubectl("edit", "deploy", "web", env={"KUBE_EDITOR": editor})
    assert r.code == 0, r.err
    assert (await client.get("Deployment", "web")).spec.replicas == 6


async def test_diff_shows_the_change(kubectl, client, tmp_path):
    path = write(tmp_path, "d.yaml", DEPLOYMENT)
    assert (await kubectl("apply", "-f", path)).code == 0
    changed = write(tmp_path, "d2.yaml", DEPLOYMENT.replace("replicas: 2", "replicas: 5"))
    r = await kubectl("diff", "-f", changed)
    assert r.code == 1, r.err  # 1: differences found
    assert "-  replicas: 2" in r.out and "+  replicas: 5" in r.out
    assert (await client.get("Deployment", "web")).spec.replicas == 2  # a diff writes nothing


async def _replica_sets_of(client, deployment_uid: str):
    sets = (await client.list("ReplicaSet")).items
    return [rs for rs in sets if any(o.uid == deployment_uid for o in rs.metadata.owner_references)]


async def test_delete_cascade_modes(kubectl, client):
    async with running_manager(client, ["garbagecollector", "deployment", "replicaset"]):
        for name, cascade in (("orphaned", "orphan"), ("background", "background"), ("foreground", "foreground")):
            owner = await client.create(objects.deployment(name, 0))
            (rs,) = await eventually(lambda: _replica_sets_of(client, owner.metadata.uid), what="a ReplicaSet")
            r = await kubectl("delete", "deploy", name, f"--cascade={cascade}")
            assert r.code == 0, r.err
            assert r.out.strip() == f'deployment.apps "{name}" deleted'
            if cascade == "orphan":
                kept = await client.get("ReplicaSet", rs.metadata.name)
                assert not kept.metadata.owner_references
            else:
                await eventually(lambda: _gone(client, "ReplicaSet", rs.metadata.name), what="the ReplicaSet gone")


async def _gone(client, kind, name):
    try:
        await client.get(kind, name)
        return False
    except LookupError:
        return True


async def test_describe_and_explain(kubectl, client):
    await client.create(objects.pod("web"))
    described = await kubectl("describe", "pod", "web")
    assert described.code == 0, described.err
    assert "Name:" in described.out and "web" in described.out
    explained = await kubectl("explain", "deployment.spec.replicas")
    assert explained.code == 0, explained.err
    assert "FIELD: replicas <integer>" in explained.out


async def test_get_watch_prints_new_rows(kubectl, client):
    proc = await kubectl.start("get", "pods", "-w")
    await client.create(objects.pod("late"))
    line = await eventually(lambda: _read_until(proc, b"late"), timeout=20, what="kubectl -w to print the pod")
    assert b"late" in line


async def _read_until(proc, needle: bytes):
    line = await proc.stdout.readline()
    return line if needle in line else None


async def test_api_resources_lists_every_kind(kubectl):
    r = await kubectl("api-resources", "-o", "name")
    assert r.code == 0, r.err
    names = set(r.out.split())
    for kind in kinds.KINDS:
        group = kind.api_version.rpartition("/")[0]
        assert (f"{kind.plural}.{group}" if group else kind.plural) in names


async def test_server_side_apply_owns_fields_and_refuses_conflicts(kubectl, client, tmp_path):
    path = write(tmp_path, "d.yaml", DEPLOYMENT)
    first = await kubectl("apply", "--server-side", "-f", path)
    assert first.code == 0, first.err
    assert first.out.strip() == "deployment.apps/web serverside-applied"
    assert (await kubectl("patch", "deploy", "web", "--type", "merge", "-p", '{"spec":{"replicas":5}}')).code == 0
    conflict = await kubectl("apply", "--server-side", "-f", path)
    assert conflict.code == 1
    assert 'Apply failed with 1 conflict: conflict with "kubectl-patch" using apps/v1: .spec.replicas' in conflict.err
    assert (await client.get("Deployment", "web")).spec.replicas == 5
    forced = await kubectl("apply", "--server-side", "--force-conflicts", "-f", path)
    assert forced.code == 0, forced.err
    assert (await client.get("Deployment", "web")).spec.replicas == 2
    without_env = write(tmp_path, "d2.yaml", DEPLOYMENT.replace('        env: [{name: A, value: "1"}]\n', ""))
    assert (await kubectl("apply", "--server-side", "-f", without_env)).code == 0
    live = await client.get("Deployment", "web")
    assert not live.spec.template.spec.containers[0].env  # a field its only manager stopped applying is removed
    shown = json.loads((await kubectl("get", "deploy", "web", "-o", "json", "--show-managed-fields")).out)
    managers = {(e["manager"], e["operation"]) for e in shown["metadata"]["managedFields"]}
    assert ("kubectl", "Apply") in managers
    assert "f:spec" in next(e for e in shown["metadata"]["managedFields"] if e["manager"] == "kubectl")["fieldsV1"]


async def test_create_generators_and_expose(kubectl, client):
    """kubectl's typed `create` commands send Kubernetes protobuf; `expose` sends an empty load balancer status."""
    for argv in (("create", "namespace", "shop"), ("create", "configmap", "c1", "--from-literal=a=b"),
                 ("create", "secret", "generic", "s1", "--from-literal=k=v"),
                 ("create", "deployment", "d1", "--image=busybox:1.36", "--port=8080", "--replicas=2"),
                 ("create", "service", "nodeport", "s3", "--tcp=80:8080", "--node-port=30080"),
                 ("expose", "deployment", "d1", "--port=80", "--target-port=8080")):
        r = await kubectl(*argv)
        assert r.code == 0, (argv, r.err)
    assert (await client.get("Namespace", "shop", "")).metadata.name == "shop"
    assert dict((await client.get("ConfigMap", "c1")).data) == {"a": "b"}
    assert (await client.get("Secret", "s1")).data["k"] == b"v"
    d1 = await client.get("Deployment", "d1")
    assert d1.spec.replicas == 2 and d1.spec.template.spec.containers[0].ports[0].container_port == 8080
    s3 = await client.get("Service", "s3")
    assert (s3.spec.type, s3.spec.ports[0].node_port, s3.spec.ports[0].target_port.int_value) == ("NodePort", 30080, 8080)
    assert dict((await client.get("Service", "d1")).spec.selector) == {"app": "d1"}


async def test_create_generators_for_accounts_rbac_ingress_and_autoscale(kubectl, client):
    """`kubectl create serviceaccount|role|rolebinding|clusterrolebinding|ingress` and `kubectl autoscale`
    (autoscaling/v1) send Kubernetes protobuf; short names such as "r1" once read as empty messages."""
    await client.create(objects.deployment("r1", 1))
    for argv in (("create", "serviceaccount", "sa1"), ("create", "role", "r1", "--verb=get", "--resource=pods"),
                 ("create", "rolebinding", "rb1", "--role=r1", "--user=u", "--serviceaccount=default:sa1"),
                 ("create", "clusterrolebinding", "crb1", "--clusterrole=view", "--group=g"),
                 ("create", "ingress", "ing", "--rule=a.com/=r1:80,tls=sec", "--rule=/p*=r1:http", "--class=nginx"),
                 ("autoscale", "deployment", "r1", "--min=2", "--max=5", "--cpu-percent=60")):
        r = await kubectl(*argv)
        assert r.code == 0, (argv, r.err)
    assert (await client.get("ServiceAccount", "sa1")).metadata.name == "sa1"
    role = await client.get("Role", "r1")
    assert (list(role.rules[0].verbs), list(role.rules[0].resources)) == (["get"], ["pods"])
    binding = await client.get("RoleBinding", "rb1")
    assert (binding.role_ref.kind, binding.role_ref.name) == ("Role", "r1")
    assert [(s.kind, s.name) for s in binding.subjects] == [("User", "u"), ("ServiceAccount", "sa1")]
    assert (await client.get("ClusterRoleBinding", "crb1", "")).subjects[0].name == "g"
    ingress = await client.get("Ingress", "ing")
    assert ingress.spec.ingress_class_name == "nginx" and ingress.spec.tls[0].secret_name == "sec"
    paths = [(r.host, p.path, p.path_type, p.backend.service.port.number or p.backend.service.port.name)
             for r in ingress.spec.rules for p in r.http.paths]
    assert paths == [("a.com", "/", "Exact", 80), ("", "/p", "Prefix", "http")]
    hpa = await client.get("HorizontalPodAutoscaler", "r1")
    assert (hpa.spec.min_replicas, hpa.spec.max_replicas) == (2, 5)
    assert hpa.spec.metrics[0].resource.target.average_utilization == 60


async def test_system_namespaces_may_not_be_deleted_through_kubectl(kubectl):
    refused = await kubectl("delete", "namespace", "default")
    assert refused.code == 1
    assert refused.err.strip() == 'Error from server (Forbidden): namespaces "default" is forbidden: ' \
                                  'this namespace may not be deleted'


HPA_V1 = """apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 10
  targetCPUUtilizationPercentage: 50
"""


async def test_an_autoscaling_v1_manifest_applies_reads_in_v1_and_is_stored_as_v2(kubectl, client, tmp_path):
    await client.create(objects.deployment("web", 1))
    path = write(tmp_path, "hpa.yaml", HPA_V1)
    applied = await kubectl("apply", "-f", path)
    assert (applied.code, applied.out) == (0, "horizontalpodautoscaler.autoscaling/web created\n"), applied.err
    stored = await client.get("HorizontalPodAutoscaler", "web")
    assert stored.spec.metrics[0].resource.target.average_utilization == 50
    as_v1 = json.loads((await kubectl("get", "-f", path, "-o", "json")).out)
    assert (as_v1["apiVersion"], as_v1["spec"]["targetCPUUtilizationPercentage"]) == ("autoscaling/v1", 50)
    listed = json.loads((await kubectl("get", "hpa.v1.autoscaling", "-o", "json")).out)
    assert [i["metadata"]["name"] for i in listed["items"]] == ["web"]
    again = await kubectl("apply", "-f", path)
    assert (again.code, again.out) == (0, "horizontalpodautoscaler.autoscaling/web unchanged\n"), again.err
    changed = await kubectl("apply", "-f", write(tmp_path, "hpa2.yaml", HPA_V1.replace("maxReplicas: 10",
                                                                                         "maxReplicas: 5")))
    assert changed.code == 1 and "change or delete them as autoscaling/v2" in changed.err
    assert (await client.get("HorizontalPodAutoscaler", "web")).spec.max_replicas == 10
