"""Stock kubectl's everyday verbs against skiff's REST API where they once failed or answered differently
from a Kubernetes 1.32 cluster: auth can-i --list, events --for, get all's order."""
from __future__ import annotations

import pytest

from proto import types_pb2
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.fake_agent import fake_agent
from tests.fixtures.cli_runner import write
from tests.fixtures.kubectl import Kubectl, write_config
from tests.fixtures.pki import test_pki
from tests.fixtures.wait import eventually

pytestmark = pytest.mark.integration

ROLE = """apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader, namespace: default}
rules:
- apiGroups: [""]
  resources: [pods]
  resourceNames: [web]
  verbs: [get, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: read-pods, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
subjects: [{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}]
"""


async def test_auth_can_i_list_shows_the_rules_bound_to_the_caller(kubectl, apiserver_running, tmp_path):
    assert (await kubectl("apply", "-f", write(tmp_path, "rbac.yaml", ROLE))).code == 0
    alice = Kubectl(write_config(tmp_path, apiserver_running.rest, user=test_pki().user("alice")))
    r = await alice("auth", "can-i", "--list")
    assert r.code == 0, r.err
    rows = [line.split() for line in r.out.strip().splitlines()]
    assert rows[0] == ["Resources", "Non-Resource", "URLs", "Resource", "Names", "Verbs"]
    assert ["pods", "[]", "[web]", "[get", "watch]"] in rows
    assert ["selfsubjectreviews.authentication.k8s.io", "[]", "[]", "[create]"] in rows
    assert ["[/version]", "[]", "[get]"] in rows
    elsewhere = await alice("auth", "can-i", "--list", "-n", "kube-system")
    assert "[web]" not in elsewhere.out


async def test_auth_can_i_list_for_the_cluster_admin_is_everything(kubectl):
    r = await kubectl("auth", "can-i", "--list")
    assert ["*.*", "[]", "[]", "[*]"] in [line.split() for line in r.out.splitlines()], r.err


async def test_events_for_an_object_lists_only_its_events(kubectl, client):
    for name, kind, api_version in (("a", "Deployment", "apps/v1"), ("b", "Pod", "v1")):
        await client.create(types_pb2.Event(
            metadata=types_pb2.ObjectMeta(name=f"web.{name}", namespace="default"), reason=f"Reason{name.upper()}",
            involved_object=types_pb2.ObjectReference(kind=kind, name="web", namespace="default",
                                                      api_version=api_version)))
    r = await kubectl("events", "--for", "deploy/web")
    assert r.code == 0, r.err
    assert "ReasonA" in r.out and "ReasonB" not in r.out
    assert "ReasonB" in (await kubectl("events", "--for", "pod/web")).out


async def test_get_all_lists_kinds_in_kubernetes_order(kubectl):
    for argv in (("create", "deployment", "web", "--image=busybox:1.36"), ("create", "job", "j", "--image=busybox:1.36"),
                 ("create", "cronjob", "c", "--image=busybox:1.36", "--schedule=* * * * *")):
        assert (await kubectl(*argv)).code == 0
    kinds_seen = [line.split("/")[0] for line in (await kubectl("get", "all", "-o", "name")).out.split()]
    assert list(dict.fromkeys(kinds_seen)) == ["deployment.apps", "cronjob.batch", "job.batch"]


async def test_create_token_signs_a_token_the_api_server_accepts_as_the_service_account(kubectl, apiserver_running,
                                                                                       tmp_path):
    assert (await kubectl("create", "serviceaccount", "robot")).code == 0
    made = await kubectl("create", "token", "robot")
    assert made.code == 0, made.err
    robot = Kubectl(write_config(tmp_path, apiserver_running.rest, token=made.out.strip()))
    who = await robot("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")
    assert who.out == "system:serviceaccount:default:robot", who.err


async def test_create_token_as_yaml_is_a_token_request_with_its_audience_and_duration(kubectl):
    assert (await kubectl("create", "serviceaccount", "robot")).code == 0
    r = await kubectl("create", "token", "robot", "--audience=vault", "--duration=2h",
                      "-o", "jsonpath={.kind} {.spec.audiences} {.spec.expirationSeconds}")
    assert r.out == 'TokenRequest ["vault"] 7200', r.err


async def test_create_token_shorter_than_ten_minutes_is_refused_in_kubernetes_words(kubectl):
    assert (await kubectl("create", "serviceaccount", "robot")).code == 0
    r = await kubectl("create", "token", "robot", "--duration=1m")
    assert r.code == 1
    assert r.err.strip() == ('error: failed to create token: TokenRequest.authentication.k8s.io "robot" is invalid: '
                             'spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes')
    missing = await kubectl("create", "token", "nobody")
    assert missing.err.strip() == 'error: failed to create token: serviceaccounts "nobody" not found'


QOS_POD = """apiVersion: v1
kind: Pod
metadata: {name: qos-demo}
spec:
  containers:
  - name: app
    image: nginx
    resources:
      limits: {memory: 200Mi, cpu: 700m}
"""


async def test_a_pod_s_qos_class_is_set_on_create_and_kept_by_status_writes(kubectl, client, tmp_path):
    assert (await kubectl("apply", "-f", write(tmp_path, "qos.yaml", QOS_POD))).code == 0
    shown = await kubectl("get", "pod", "qos-demo", "-o", "jsonpath={.status.qosClass}")
    assert shown.out == "Guaranteed", shown.err  # requests defaulted from the limits
    pod = await client.get("Pod", "qos-demo")
    pod.status.Clear()
    pod.status.phase = "Running"
    await client.update_status(pod)
    assert (await client.get("Pod", "qos-demo")).status.qos_class == "Guaranteed"
    dry = await kubectl("run", "p", "--image=busybox:1.36", "--dry-run=server", "-o", "jsonpath={.status}")
    assert dry.out == '{"phase":"Pending","qosClass":"BestEffort"}', dry.err


async def test_create_service_externalname_makes_an_alias_without_a_cluster_ip(kubectl):
    made = await kubectl("create", "service", "externalname", "db", "--external-name=my.database.example.com")
    assert made.code == 0, made.err
    row = (await kubectl("get", "svc", "db", "--no-headers")).out.split()
    assert row[:5] == ["db", "ExternalName", "<none>", "my.database.example.com", "<none>"]
    spec = await kubectl("get", "svc", "db", "-o", "jsonpath={.spec.clusterIP}|{.spec.ipFamilies}|{.spec.externalName}")
    assert spec.out == "||my.database.example.com"


async def test_an_externalname_service_without_a_name_is_refused_by_field(kubectl, tmp_path):
    manifest = "apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec: {type: ExternalName}\n"
    r = await kubectl("apply", "-f", write(tmp_path, "svc.yaml", manifest))
    assert r.code == 1
    assert 'The Service "db" is invalid: spec.externalName: Required value' in r.err, r.err


async def test_an_unsupported_field_selector_is_a_bad_request_kubectl_names_the_selectors_of(kubectl):
    r = await kubectl("get", "pods", "--field-selector=spec.foo=bar")
    assert r.code == 1
    assert r.err.strip() == ('Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label '
                             'selector "", field selector "spec.foo=bar": field label not supported: spec.foo')


async def test_a_rolled_out_deployment_lists_available_then_progressing_and_its_controllers_events(kubectl, client):
    async with running_manager(client, ["replicaset", "deployment"]), fake_agent(client):
        assert (await kubectl("create", "deployment", "web", "--image=busybox:1.36")).code == 0
        assert (await kubectl("rollout", "status", "deploy/web", "--timeout=30s")).code == 0

        async def described():
            out = (await kubectl("describe", "deploy", "web")).out
            return out if "NewReplicaSetAvailable" in out and "ScalingReplicaSet" in out else None
        out = await eventually(described, timeout=20, what="the rollout's conditions and event")
    conditions = out.split("Conditions:")[1].split("OldReplicaSets:")[0].split()
    assert conditions[6:] == ["Available", "True", "MinimumReplicasAvailable",
                              "Progressing", "True", "NewReplicaSetAvailable"]
    assert "deployment-controller  Scaled up replica set" in out


async def test_explain_crd_walks_the_custom_resource_definition_schema(kubectl):
    r = await kubectl("explain", "crd.spec.versions.schema.openAPIV3Schema.properties")
    assert r.code == 0, r.err
    assert "KIND:       CustomResourceDefinition" in r.out and "FIELD: properties <map[string]JSONSchemaProps>" in r.out
    names = await kubectl("explain", "crd.spec.names", "--recursive")
    assert "plural\t<string> -required-" in names.out, names.out


async def test_readyz_verbose_lists_each_check_as_kube_apiserver_does(kubectl):
    r = await kubectl("get", "--raw", "/readyz?verbose&exclude=log")
    assert r.code == 0, r.err
    assert r.out.splitlines() == ["[+]ping ok", "[+]log excluded: ok", "[+]etcd ok", "[+]etcd-readiness ok",
                                  "[+]shutdown ok", "readyz check passed"]
    assert (await kubectl("get", "--raw", "/livez/etcd")).out == "ok"
