"""Validation reports every problem at once, on the manifest's field paths, in Kubernetes' words."""
from __future__ import annotations

import copy

import pytest

from api import manifest
from controlplane.apiserver import resources

IMAGE = "nginx:1.25"


def build(data: dict):
    obj, _ = manifest.from_dict(data)
    resources.default(obj)
    return obj


def problems(data: dict, old: dict | None = None) -> list[str]:
    return resources.validate(build(data), None if old is None else build(old))


def paths(errors: list[str]) -> list[str]:
    return [e.split(": ", 1)[0] for e in errors]


def pod(spec: dict | None = None, **metadata) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", **metadata},
            "spec": spec if spec is not None else {"containers": [{"name": "app", "image": IMAGE}]}}


def pod_with(**container) -> dict:
    return pod({"containers": [{"name": "app", "image": IMAGE, **container}]})


def pod_spec(**spec) -> dict:
    return pod({"containers": [{"name": "app", "image": IMAGE}], **spec})


def replica_set(**spec) -> dict:
    base = {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                         "spec": {"containers": [{"name": "app", "image": IMAGE}]}}}
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web"}, "spec": {**base, **spec}}


def deployment(**spec) -> dict:
    data = replica_set(**spec)
    data["kind"] = "Deployment"
    return data


def service(**spec) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}], **spec}}


def node(**spec) -> dict:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}, "spec": spec}


# ---------------------------------------------------------------- valid objects

@pytest.mark.parametrize("data", [
    pod(), replica_set(), deployment(), service(), node(podCIDR="10.244.1.0/24"),
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
    {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web"},
     "subsets": [{"addresses": [{"ip": "10.244.1.5"}], "ports": [{"port": 80}]}]},
    {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "web.17a3f"},
     "involvedObject": {"kind": "Pod", "name": "web", "namespace": "default"}, "reason": "Scheduled"},
    {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "kube-scheduler"},
     "spec": {"holderIdentity": "a", "leaseDurationSeconds": 15}},
], ids=lambda d: d["kind"])
def test_valid_objects_have_no_problems(data):
    assert problems(data) == []


def test_full_featured_pod_is_valid():
    data = pod({
        "volumes": [{"name": "data", "emptyDir": {"sizeLimit": "1Gi"}},
                    {"name": "logs", "hostPath": {"path": "/var/log", "type": "Directory"}}],
        "initContainers": [{"name": "init", "image": "busybox:1.36", "command": ["true"]}],
        "containers": [{
            "name": "app", "image": IMAGE,
            "ports": [{"name": "http", "containerPort": 8080}, {"containerPort": 53, "protocol": "UDP"}],
            "env": [{"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
                    {"name": "APP", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}}],
            "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
            "volumeMounts": [{"name": "data", "mountPath": "/data"}, {"name": "logs", "mountPath": "/logs"}],
            "livenessProbe": {"httpGet": {"port": "http", "path": "/healthz"}},
            "readinessProbe": {"tcpSocket": {"port": 8080}, "successThreshold": 2},
            "lifecycle": {"preStop": {"exec": {"command": ["sleep", "1"]}}},
        }],
        "nodeSelector": {"disktype": "ssd"},
        "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "web", "effect": "NoSchedule"},
                        {"operator": "Exists"},
                        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
                         "tolerationSeconds": 300}],
        "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a", "b"]},
                                  {"key": "cores", "operator": "Gt", "values": ["4"]}]}]}}},
        "dnsPolicy": "None", "dnsConfig": {"nameservers": ["10.244.1.1"], "searches": ["default.svc.cluster.local."]},
    }, labels={"app": "web"}, annotations={"example.com/owner": "team-a"}, finalizers=["example.com/keep"])
    assert problems(data) == []


# ---------------------------------------------------------------- every problem at once

def test_invalid_pod_reports_every_field_in_one_call():
    errors = problems(pod({"containers": [
        {"name": "app", "image": IMAGE, "ports": [{"containerPort": 70000}], "resources": {"limits": {"cpu": "1x"}}},
        {"name": "app"},
    ]}, name="Web_1"))
    assert paths(errors) == [
        "metadata.name",
        "spec.containers[0].ports[0].containerPort",
        "spec.containers[0].resources.limits[cpu]",
        "spec.containers[0].resources.requests[cpu]",  # copied from the limit by defaulting
        "spec.containers[1].name",
        "spec.containers[1].image",
    ]
    assert errors[0].startswith('metadata.name: Invalid value: "Web_1": a lowercase RFC 1123 subdomain must consist of')
    assert "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive" in errors
    assert 'spec.containers[0].resources.limits[cpu]: Invalid value: "1x": must be a valid quantity' in errors
    assert 'spec.containers[1].name: Duplicate value: "app"' in errors
    assert "spec.containers[0].image: Required value" not in errors
    assert "spec.containers[1].image: Required value" in errors


# ---------------------------------------------------------------- metadata

def test_missing_name_is_required():
    assert problems(pod(name="")) == ["metadata.name: Required value: name or generateName is required"]


@pytest.mark.parametrize("kind_data, name, ok", [
    (pod(), "web.v1", True),
    ({"apiVersion": "v1", "kind": "Namespace", "metadata": {}}, "web.v1", False),
    ({"apiVersion": "v1", "kind": "Namespace", "metadata": {}}, "web-1", True),
    (service(), "1web", False),
    (service(), "web-1", True),
    (service(), "web.v1", False),
    (node(), "node-1.example.com", True),
    ({"apiVersion": "v1", "kind": "Event", "metadata": {}, "involvedObject": {"kind": "Pod", "name": "a"}},
     "Anything_Goes.1", True),
], ids=lambda v: v["kind"] if isinstance(v, dict) else str(v))
def test_name_rules_depend_on_the_kind(kind_data, name, ok):
    data = copy.deepcopy(kind_data)
    data["metadata"]["name"] = name
    errors = problems(data)
    assert (errors == []) == ok, errors
    if not ok:
        assert paths(errors) == ["metadata.name"]


def test_generate_name_prefix_may_end_with_a_dash():
    assert problems(pod(name="web-abcde", generateName="web-")) == []
    assert paths(problems(pod(name="web-abcde", generateName="Web_"))) == ["metadata.generateName"]


def test_namespace_must_be_a_dns_label():
    assert paths(problems(pod(namespace="shop.eu"))) == ["metadata.namespace"]


def test_cluster_scoped_object_may_not_have_a_namespace():
    data = node()
    data["metadata"]["namespace"] = "default"
    assert problems(data) == ["metadata.namespace: Forbidden: not allowed on this type"]


def test_bad_label_keys_and_values_are_reported_on_labels():
    errors = problems(pod(labels={"bad key": "ok", "app": "-bad-", "example.com/tier": "web"}))
    assert paths(errors) == ["metadata.labels", "metadata.labels"]
    assert any('Invalid value: "bad key"' in e for e in errors)
    assert any('Invalid value: "-bad-"' in e for e in errors)


def test_annotation_keys_must_be_qualified_names():
    errors = problems(pod(annotations={"Example.com/Owner": "x", "not/a/key": "y"}))
    assert len(errors) == 1
    assert errors[0].startswith('metadata.annotations: Invalid value: "not/a/key": a qualified name')


def test_annotations_may_not_exceed_256_kib_in_total():
    big = "x" * (128 * 1024)
    assert problems(pod(annotations={"a": big, "b": big})) == [
        "metadata.annotations: Too long: may not be more than 262144 bytes"]
    assert problems(pod(annotations={"a": big})) == []


def test_owner_references_need_every_identifying_field():
    errors = problems(pod(ownerReferences=[{"controller": True}]))
    assert paths(errors) == ["metadata.ownerReferences[0].apiVersion", "metadata.ownerReferences[0].kind",
                             "metadata.ownerReferences[0].name", "metadata.ownerReferences[0].uid"]


def test_only_one_owner_reference_may_be_the_controller():
    ref = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "uid": "u1", "controller": True}
    errors = problems(pod(ownerReferences=[{**ref, "name": "a"}, {**ref, "name": "b", "uid": "u2"}]))
    assert paths(errors) == ["metadata.ownerReferences[1].controller"]
    assert "ReplicaSet/a and ReplicaSet/b" in errors[0]


def test_finalizers_are_standard_names_or_qualified():
    assert problems(pod(finalizers=["kubernetes.io/pvc-protection", "foregroundDeletion"])) == []
    errors = problems(pod(finalizers=["orphan", "keep", "bad name/x/y"]))
    assert paths(errors) == ["metadata.finalizers[1]", "metadata.finalizers[2]"]
    assert "name is neither a standard finalizer name nor is it fully qualified" in errors[0]


def test_orphan_and_foreground_finalizers_exclude_each_other():
    errors = problems(pod(finalizers=["orphan", "foregroundDeletion"]))
    assert paths(errors) == ["metadata.finalizers"]


# ---------------------------------------------------------------- updates

def stored(data: dict) -> dict:
    data = copy.deepcopy(data)
    data["metadata"].update(uid="u-1", creationTimestamp="2026-11-21T13:00:00Z")
    return data


def test_identity_fields_are_immutable():
    old = stored(pod())
    new = copy.deepcopy(old)
    new["metadata"].update(name="web2", namespace="other", uid="u-2", creationTimestamp="2026-11-22T13:00:00Z")
    errors = problems(new, old)
    assert paths(errors) == ["metadata.name", "metadata.namespace", "metadata.uid", "metadata.creationTimestamp"]
    assert errors[0] == 'metadata.name: Invalid value: "web2": field is immutable'


def test_no_finalizers_may_be_added_while_deleting():
    old = stored(pod())
    old["metadata"].update(deletionTimestamp="2026-11-21T14:00:00Z", finalizers=["example.com/a"])
    new = copy.deepcopy(old)
    assert problems(new, old) == []
    new["metadata"]["finalizers"] = []
    assert problems(new, old) == []
    new["metadata"]["finalizers"] = ["example.com/b"]
    assert paths(problems(new, old)) == ["metadata.finalizers"]


def test_pod_update_may_change_images_and_labels():
    old = stored(pod({"initContainers": [{"name": "init", "image": "busybox:1.35"}],
                      "containers": [{"name": "app", "image": IMAGE}]}))
    new = copy.deepcopy(old)
    new["metadata"]["labels"] = {"app": "web"}
    new["spec"]["containers"][0]["image"] = "nginx:1.26"
    new["spec"]["initContainers"][0]["image"] = "busybox:1.36"
    assert problems(new, old) == []


def test_pod_update_of_other_spec_fields_is_forbidden():
    old = stored(pod())
    new = copy.deepcopy(old)
    new["spec"]["restartPolicy"] = "Never"
    assert problems(new, old) == [
        "spec: Forbidden: pod updates may not change fields other than spec.containers[*].image, "
        "spec.initContainers[*].image, spec.activeDeadlineSeconds, "
        "spec.tolerations (only additions to existing tolerations)"]


def test_pod_update_may_not_add_containers():
    old = stored(pod())
    new = copy.deepcopy(old)
    new["spec"]["containers"].append({"name": "sidecar", "image": IMAGE})
    assert paths(problems(new, old)) == ["spec.containers"]


def test_pod_update_may_add_tolerations_but_not_change_them():
    old = stored(pod_spec(tolerations=[{"key": "a", "operator": "Exists", "effect": "NoExecute",
                                        "tolerationSeconds": 60}]))
    added = copy.deepcopy(old)
    added["spec"]["tolerations"][0]["tolerationSeconds"] = 30
    added["spec"]["tolerations"].append({"key": "b", "operator": "Exists"})
    assert problems(added, old) == []
    changed = copy.deepcopy(old)
    changed["spec"]["tolerations"][0]["key"] = "c"
    assert problems(changed, old) == [
        "spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds"]


def test_scheduling_gates_are_qualified_names_once_each_and_never_with_a_node():
    assert problems(pod_spec(schedulingGates=[{"name": "example.com/foo"}, {"name": "example.com/bar"}])) == []
    errors = problems(pod_spec(schedulingGates=[{"name": "example.com/foo"}, {"name": "example.com/foo"},
                                                {"name": "not a name"}]))
    assert paths(errors) == ["spec.schedulingGates[1]", "spec.schedulingGates[2]"]
    assert errors[0] == 'spec.schedulingGates[1]: Duplicate value: "example.com/foo"'
    assert problems(pod_spec(schedulingGates=[{"name": "example.com/foo"}], nodeName="n1")) == [
        "spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared"]


def test_pod_update_may_remove_scheduling_gates_but_not_add_them():
    old = stored(pod_spec(schedulingGates=[{"name": "example.com/foo"}, {"name": "example.com/bar"}]))
    removed = copy.deepcopy(old)
    del removed["spec"]["schedulingGates"][0]
    assert problems(removed, old) == []
    added = copy.deepcopy(old)
    added["spec"]["schedulingGates"].append({"name": "example.com/baz"})
    assert problems(added, old) == [
        "spec.schedulingGates[2].name: Forbidden: only deletion is allowed, but found new scheduling gate "
        "'example.com/baz'"]


def test_active_deadline_may_be_shortened_but_not_lengthened_or_removed():
    old = stored(pod_spec(activeDeadlineSeconds=100))
    shorter = copy.deepcopy(old)
    shorter["spec"]["activeDeadlineSeconds"] = 50
    assert problems(shorter, old) == []
    longer = copy.deepcopy(old)
    longer["spec"]["activeDeadlineSeconds"] = 200
    assert problems(longer, old) == [
        "spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value"]
    removed = copy.deepcopy(old)
    del removed["spec"]["activeDeadlineSeconds"]
    assert paths(problems(removed, old)) == ["spec.activeDeadlineSeconds"]


def test_pod_node_name_cannot_change_on_update():
    old = stored(pod_spec(nodeName="node-1"))
    new = copy.deepcopy(old)
    new["spec"]["nodeName"] = "node-2"
    assert problems(new, old) == ['spec.nodeName: Invalid value: "node-2": field is immutable']


def test_status_only_change_of_a_pod_is_valid():
    old = stored(pod())
    new = copy.deepcopy(old)
    new["status"] = {"phase": "Running", "podIP": "10.244.1.5"}
    assert problems(new, old) == []


@pytest.mark.parametrize("make", [replica_set, deployment])
def test_controller_selector_is_immutable(make):
    old = stored(make())
    new = copy.deepcopy(old)
    new["spec"]["selector"] = {"matchLabels": {"app": "web", "tier": "front"}}
    new["spec"]["template"]["metadata"]["labels"]["tier"] = "front"
    errors = problems(new, old)
    assert paths(errors) == ["spec.selector"]
    assert errors[0].endswith("field is immutable")
    scaled = copy.deepcopy(old)
    scaled["spec"]["replicas"] = 5
    assert problems(scaled, old) == []


def test_service_cluster_ip_is_immutable_once_set():
    old = stored(service(clusterIP="10.96.0.10"))
    moved = copy.deepcopy(old)
    moved["spec"]["clusterIP"] = "10.96.0.11"
    assert problems(moved, old) == ['spec.clusterIP: Invalid value: "10.96.0.11": field is immutable']
    omitted = copy.deepcopy(old)
    del omitted["spec"]["clusterIP"]
    assert problems(omitted, old) == []


def test_node_pod_cidr_can_be_set_once():
    old = stored(node())
    assigned = copy.deepcopy(old)
    assigned["spec"]["podCIDR"] = "10.244.1.0/24"
    assert problems(assigned, old) == []
    moved = copy.deepcopy(assigned)
    moved["spec"]["podCIDR"] = "10.244.2.0/24"
    assert paths(problems(moved, assigned)) == ["spec.podCIDR"]


# ---------------------------------------------------------------- containers

def test_pod_needs_at_least_one_container():
    assert problems(pod({"containers": []})) == ["spec.containers: Required value"]


def test_duplicate_container_names_are_reported_with_both_paths():
    errors = problems(pod({"initContainers": [{"name": "app", "image": IMAGE}],
                           "containers": [{"name": "app", "image": IMAGE}, {"name": "web", "image": IMAGE},
                                          {"name": "web", "image": IMAGE}]}))
    assert errors == ['spec.containers[0].name: Duplicate value: "app"',
                      'spec.containers[2].name: Duplicate value: "web"']


def test_container_names_must_be_dns_labels():
    errors = problems(pod_with(name="App_1"))
    assert paths(errors) == ["spec.containers[0].name"]
    assert "a lowercase RFC 1123 label" in errors[0]


def test_container_enums_list_the_supported_values():
    errors = problems(pod({"restartPolicy": "Sometimes", "dnsPolicy": "Google",
                           "containers": [{"name": "app", "image": IMAGE, "imagePullPolicy": "Maybe"}]}))
    assert errors == [
        'spec.containers[0].imagePullPolicy: Unsupported value: "Maybe": supported values: '
        '"Always", "IfNotPresent", "Never"',
        'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "Never", "OnFailure"',
        'spec.dnsPolicy: Unsupported value: "Google": supported values: '
        '"ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"',
    ]


def test_dns_policy_none_needs_nameservers():
    assert problems(pod_spec(dnsPolicy="None")) == [
        "spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None"]
    assert paths(problems(pod_spec(dnsPolicy="None", dnsConfig={"searches": ["a.b"]}))) == [
        "spec.dnsConfig.nameservers"]
    assert paths(problems(pod_spec(dnsConfig={"nameservers": ["1.1.1.1", "x", "8.8.8.8", "9.9.9.9"]}))) == [
        "spec.dnsConfig.nameservers", "spec.dnsConfig.nameservers[1]"]


def test_container_port_rules():
    errors = problems(pod_with(ports=[
        {"name": "http", "containerPort": 80},
        {"name": "http", "containerPort": 81, "hostPort": 70000},
        {"name": "Bad_Name", "containerPort": 82, "protocol": "ICMP"},
        {"name": "very-long-port-name", "containerPort": 83},
    ]))
    assert paths(errors) == [
        "spec.containers[0].ports[1].name",
        "spec.containers[0].ports[1].hostPort",
        "spec.containers[0].ports[2].name",
        "spec.containers[0].ports[2].protocol",
        "spec.containers[0].ports[3].name",
    ]
    assert 'spec.containers[0].ports[1].name: Duplicate value: "http"' in errors


def test_missing_container_port_is_required():
    assert problems(pod_with(ports=[{"name": "http"}])) == ["spec.containers[0].ports[0].containerPort: Required value"]


def test_host_ports_may_not_clash_across_containers():
    errors = problems(pod({"containers": [
        {"name": "a", "image": IMAGE, "ports": [{"containerPort": 80, "hostPort": 8080}]},
        {"name": "b", "image": IMAGE, "ports": [{"containerPort": 81, "hostPort": 8080},
                                               {"containerPort": 82, "hostPort": 8080, "protocol": "UDP"}]}]}))
    assert errors == ['spec.containers[1].ports[0].hostPort: Duplicate value: "/TCP/8080"']


def test_host_network_host_port_must_match_container_port():
    errors = problems(pod_spec(hostNetwork=True, containers=[
        {"name": "app", "image": IMAGE, "ports": [{"containerPort": 80, "hostPort": 8080}]}]))
    assert errors == ["spec.containers[0].ports[0].hostPort: Invalid value: 8080: "
                      "must match `containerPort` when `hostNetwork` is true"]


def test_env_rules():
    errors = problems(pod_with(env=[
        {"name": "1BAD", "value": "x"},
        {"name": "BOTH", "value": "x", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {"name": "WHERE", "valueFrom": {"fieldRef": {"fieldPath": "spec.containers"}}},
        {"name": "LABEL", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['bad key']"}}},
        {"name": "ANN", "valueFrom": {"fieldRef": {"fieldPath": "metadata.annotations['Example.com/Ok']"}}},
        {"name": "OLD", "valueFrom": {"fieldRef": {"apiVersion": "v2", "fieldPath": "metadata.name"}}},
        {"name": "EMPTY", "valueFrom": {}},
        {"name": "", "value": "x"},
    ]))
    assert paths(errors) == [
        "spec.containers[0].env[0].name",
        "spec.containers[0].env[1].valueFrom",
        "spec.containers[0].env[2].valueFrom.fieldRef.fieldPath",
        "spec.containers[0].env[3].valueFrom.fieldRef.fieldPath",
        "spec.containers[0].env[5].valueFrom.fieldRef.fieldPath",
        "spec.containers[0].env[6].valueFrom",
        "spec.containers[0].env[7].name",
    ]
    assert errors[1] == ('spec.containers[0].env[1].valueFrom: Invalid value: "": '
                         'may not be specified when `value` is not empty')
    assert errors[2].startswith('spec.containers[0].env[2].valueFrom.fieldRef.fieldPath: Unsupported value: '
                                '"spec.containers": supported values: "metadata.name"')


@pytest.mark.parametrize("field_path", [
    "metadata.name", "metadata.namespace", "metadata.uid", "metadata.labels['app']",
    "metadata.annotations['example.com/x']", "spec.nodeName", "spec.serviceAccountName",
    "status.hostIP", "status.podIP", "status.podIPs"])
def test_supported_env_field_paths(field_path):
    assert problems(pod_with(env=[{"name": "X", "valueFrom": {"fieldRef": {"fieldPath": field_path}}}])) == []


def test_requests_may_not_exceed_limits():
    errors = problems(pod_with(resources={"requests": {"cpu": "1", "memory": "64Mi"},
                                          "limits": {"cpu": "500m", "memory": "1Gi"}}))
    assert errors == ['spec.containers[0].resources.requests[cpu]: Invalid value: "1": '
                      'must be less than or equal to cpu limit of 500m']


def test_resource_quantities_and_names_are_checked():
    errors = problems(pod_with(resources={"requests": {"cpu": "-1", "gpus": "1", "example.com/gpu": "1"}}))
    assert errors == [
        'spec.containers[0].resources.requests[cpu]: Invalid value: "-1": must be greater than or equal to 0',
        'spec.containers[0].resources.requests[gpus]: Invalid value: "gpus": '
        'must be a standard resource type or fully qualified',
    ]


def test_volume_rules():
    errors = problems(pod({
        "volumes": [{"name": "data", "emptyDir": {}},
                    {"name": "data", "emptyDir": {}},
                    {"name": "Logs", "hostPath": {"path": "var/log"}},
                    {"name": "both", "emptyDir": {}, "hostPath": {"path": "/x"}},
                    {"name": "nopath", "hostPath": {"type": "Weird"}}],
        "containers": [{"name": "app", "image": IMAGE}]}))
    assert paths(errors) == [  # a relative hostPath is the node's to refuse, as in Kubernetes
        "spec.volumes[1].name",
        "spec.volumes[2].name",
        "spec.volumes[3].hostPath",
        "spec.volumes[4].hostPath.path",
        "spec.volumes[4].hostPath.type",
    ]
    assert errors[2] == "spec.volumes[3].hostPath: Forbidden: may not specify more than 1 volume type"


def test_volume_mount_rules():
    errors = problems(pod({
        "volumes": [{"name": "data", "emptyDir": {}}],
        "containers": [{"name": "app", "image": IMAGE, "volumeMounts": [
            {"name": "data", "mountPath": "/data"},
            {"name": "missing", "mountPath": "/data"},
            {"name": "data", "mountPath": "relative", "subPath": "../up"},  # relative: made absolute by the node
            {"name": "data"}]}]}))
    assert errors == [
        'spec.containers[0].volumeMounts[1].name: Not found: "missing"',
        'spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/data": must be unique',
        "spec.containers[0].volumeMounts[2].subPath: Invalid value: \"../up\": must not contain '..'",
        "spec.containers[0].volumeMounts[3].mountPath: Required value",
    ]


# ---------------------------------------------------------------- probes and hooks

def test_probe_needs_exactly_one_handler():
    errors = problems(pod_with(livenessProbe={"periodSeconds": 5},
                               readinessProbe={"exec": {"command": ["true"]}, "tcpSocket": {"port": 80}}))
    assert errors == [
        "spec.containers[0].livenessProbe: Required value: must specify a handler type",
        "spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type",
    ]


def test_probe_handler_contents_are_checked():
    errors = problems(pod_with(livenessProbe={"exec": {}},
                               readinessProbe={"httpGet": {"port": 0, "scheme": "FTP"}},
                               startupProbe={"tcpSocket": {"port": "Not_A_Name"}}))
    assert paths(errors) == [
        "spec.containers[0].livenessProbe.exec.command",
        "spec.containers[0].readinessProbe.httpGet.port",
        "spec.containers[0].readinessProbe.httpGet.scheme",
        "spec.containers[0].startupProbe.tcpSocket.port",
    ]


def test_probe_port_is_required():
    assert problems(pod_with(readinessProbe={"httpGet": {"path": "/"}})) == [
        "spec.containers[0].readinessProbe.httpGet.port: Required value"]


def test_probe_timing_must_be_positive():
    errors = problems(pod_with(readinessProbe={"tcpSocket": {"port": 80}, "initialDelaySeconds": -1,
                                               "periodSeconds": -5, "timeoutSeconds": -1,
                                               "failureThreshold": -1, "successThreshold": -1}))
    assert paths(errors) == [f"spec.containers[0].readinessProbe.{f}" for f in (
        "initialDelaySeconds", "timeoutSeconds", "periodSeconds", "failureThreshold", "successThreshold")]
    assert errors[0].endswith("must be greater than or equal to 0")
    assert errors[2] == ("spec.containers[0].readinessProbe.periodSeconds: Invalid value: -5: "
                         "must be greater than or equal to 1")


def test_liveness_and_startup_success_threshold_must_be_one():
    errors = problems(pod_with(livenessProbe={"tcpSocket": {"port": 80}, "successThreshold": 2},
                               startupProbe={"tcpSocket": {"port": 80}, "successThreshold": 3}))
    assert errors == ["spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
                      "spec.containers[0].startupProbe.successThreshold: Invalid value: 3: must be 1"]


def test_init_containers_may_not_have_probes():
    errors = problems(pod({"initContainers": [{"name": "init", "image": IMAGE,
                                               "readinessProbe": {"tcpSocket": {"port": 80}}}],
                           "containers": [{"name": "app", "image": IMAGE}]}))
    assert paths(errors) == ["spec.initContainers[0].readinessProbe"]


def test_lifecycle_hooks_need_exactly_one_handler():
    errors = problems(pod_with(lifecycle={"postStart": {}, "preStop": {"httpGet": {"port": 80},
                                                                       "exec": {"command": ["x"]}}}))
    assert errors == [
        "spec.containers[0].lifecycle.postStart: Required value: must specify a handler type",
        "spec.containers[0].lifecycle.preStop.httpGet: Forbidden: may not specify more than 1 handler type",
    ]


# ---------------------------------------------------------------- scheduling fields

def test_negative_grace_period_is_invalid():
    assert problems(pod_spec(terminationGracePeriodSeconds=-1)) == [
        "spec.terminationGracePeriodSeconds: Invalid value: -1: must be greater than or equal to 0"]


def test_node_selector_keys_and_values_are_labels():
    assert paths(problems(pod_spec(nodeSelector={"bad key": "x", "zone": "no spaces"}))) == [
        "spec.nodeSelector", "spec.nodeSelector"]


def test_node_affinity_operator_rules():
    p = "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
    errors = problems(pod_spec(affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [
            {"key": "zone", "operator": "In"},
            {"key": "zone", "operator": "Exists", "values": ["a"]},
            {"key": "cores", "operator": "Gt", "values": ["4", "5"]},
            {"key": "cores", "operator": "Lt", "values": ["many"]},
            {"key": "zone", "operator": "Near", "values": ["a"]},
            {"key": "bad key", "operator": "DoesNotExist"},
        ]}]}}}))
    assert errors == [
        f"{p}.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
        f"{p}.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or "
        "'DoesNotExist'",
        f"{p}.matchExpressions[2].values: Required value: must be specified single value when `operator` is "
        "'Lt' or 'Gt'",
        f'{p}.matchExpressions[3].values[0]: Invalid value: "many": must be an integer',
        f'{p}.matchExpressions[4].operator: Invalid value: "Near": not a valid selector operator',
        errors[5],
    ]
    assert errors[5].startswith(f'{p}.matchExpressions[5].key: Invalid value: "bad key"')


def test_required_node_affinity_needs_a_term():
    assert problems(pod_spec(affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {}}})) == [
        "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: "
        "Required value: must have at least one node selector term"]


def test_toleration_rules():
    errors = problems(pod_spec(tolerations=[
        {"key": "a", "operator": "Exists", "value": "x"},
        {"key": "a", "operator": "Maybe"},
        {"key": "a", "effect": "NoWay"},
        {"key": "a", "effect": "NoSchedule", "tolerationSeconds": 10},
        {"value": "x"},
    ]))
    assert errors == [
        'spec.tolerations[0].operator: Invalid value: "Exists": value must be empty when `operator` is \'Exists\'',
        'spec.tolerations[1].operator: Unsupported value: "Maybe": supported values: "Equal", "Exists"',
        'spec.tolerations[2].effect: Unsupported value: "NoWay": supported values: '
        '"NoExecute", "NoSchedule", "PreferNoSchedule"',
        'spec.tolerations[3].effect: Invalid value: "NoSchedule": '
        "effect must be 'NoExecute' when `tolerationSeconds` is set",
        'spec.tolerations[4].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, '
        'which means "match all values and all keys"',
    ]


# ---------------------------------------------------------------- ReplicaSets and Deployments

@pytest.mark.parametrize("make", [replica_set, deployment])
def test_controller_needs_a_selector(make):
    data = make()
    del data["spec"]["selector"]
    assert problems(data) == ["spec.selector: Required value"]
    data["spec"]["selector"] = {}
    assert paths(problems(data)) == ["spec.selector"]


@pytest.mark.parametrize("make", [replica_set, deployment])
def test_selector_must_match_template_labels(make):
    errors = problems(make(selector={"matchLabels": {"app": "api"}}))
    assert errors == ['spec.template.metadata.labels: Invalid value: {"app": "web"}: '
                      '`selector` does not match template `labels`']


def test_selector_expressions_are_checked_and_used():
    assert problems(replica_set(selector={"matchExpressions": [{"key": "app", "operator": "In",
                                                                 "values": ["web", "api"]}]})) == []
    errors = problems(replica_set(selector={"matchExpressions": [{"key": "app", "operator": "Within"},
                                                                 {"key": "tier", "operator": "In"}]}))
    assert paths(errors) == ["spec.selector.matchExpressions[0].operator", "spec.selector.matchExpressions[1].values"]


def test_controller_template_is_validated_as_a_pod_spec():
    data = deployment()
    data["spec"]["template"]["spec"]["containers"][0]["image"] = ""
    data["spec"]["template"]["spec"]["restartPolicy"] = "OnFailure"
    assert problems(data) == [
        "spec.template.spec.containers[0].image: Required value",
        'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
    ]


def test_negative_replicas_and_min_ready_are_invalid():
    assert paths(problems(replica_set(replicas=-1, minReadySeconds=-1))) == ["spec.replicas", "spec.minReadySeconds"]


def test_deployment_strategy_rules():
    assert paths(problems(deployment(strategy={"type": "BlueGreen"}))) == ["spec.strategy.type"]
    assert problems(deployment(strategy={"type": "Recreate", "rollingUpdate": {"maxSurge": 1}})) == [
        "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"]
    assert problems(deployment(strategy={"rollingUpdate": {"maxSurge": "200%", "maxUnavailable": 0}})) == []


def test_max_surge_and_max_unavailable_are_ints_or_percentages():
    r = "spec.strategy.rollingUpdate"
    errors = problems(deployment(strategy={"rollingUpdate": {"maxSurge": "lots", "maxUnavailable": -1}}))
    assert paths(errors) == [f"{r}.maxUnavailable", f"{r}.maxSurge"]
    assert problems(deployment(strategy={"rollingUpdate": {"maxUnavailable": "150%"}})) == [
        f'{r}.maxUnavailable: Invalid value: "150%": must not be greater than 100%']


def test_max_surge_and_max_unavailable_may_not_both_be_zero():
    assert problems(deployment(strategy={"rollingUpdate": {"maxSurge": 0, "maxUnavailable": "0%"}})) == [
        'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when `maxSurge` is 0']


def test_progress_deadline_must_exceed_min_ready_seconds():
    assert problems(deployment(minReadySeconds=30, progressDeadlineSeconds=30)) == [
        "spec.progressDeadlineSeconds: Invalid value: 30: must be greater than minReadySeconds"]
    assert paths(problems(deployment(revisionHistoryLimit=-1))) == ["spec.revisionHistoryLimit"]


# ---------------------------------------------------------------- Services

def test_external_name_services_name_a_dns_subdomain_and_carry_no_ip():
    assert problems(service(type="ExternalName", externalName="my.database.example.com.")) == []
    assert problems(service(type="ExternalName")) == ["spec.externalName: Required value"]
    assert problems(service(type="ExternalName", externalName="Bad_Name", clusterIP="10.96.0.5")) == [
        "spec.clusterIPs: Forbidden: may not be set for ExternalName services",
        'spec.externalName: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case '
        "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
        "'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"]


def test_load_balancer_services_are_accepted():
    assert problems(service(type="LoadBalancer", loadBalancerIP="10.250.0.210", loadBalancerClass="skiff.io/lb",
                            externalTrafficPolicy="Local")) == []


def test_load_balancer_fields_are_refused_on_other_types():
    assert problems(service(loadBalancerClass="skiff.io/lb", allocateLoadBalancerNodePorts=False)) == [
        "spec.loadBalancerClass: Forbidden: may only be used when `type` is 'LoadBalancer'",
        "spec.allocateLoadBalancerNodePorts: Forbidden: may only be used when `type` is 'LoadBalancer'"]


def test_load_balancer_ip_must_be_an_address():
    assert problems(service(type="LoadBalancer", loadBalancerIP="ten")) == [
        'spec.loadBalancerIP: Invalid value: "ten": must be a valid IPv4 address (e.g. 10.9.8.7)']


def test_service_needs_ports_unless_headless():
    assert problems(service(ports=[])) == ["spec.ports: Required value"]
    assert problems(service(ports=[], clusterIP="None")) == []


def test_service_port_rules():
    errors = problems(service(ports=[
        {"name": "http", "port": 80, "targetPort": "http"},
        {"name": "http", "port": 80, "targetPort": 70000},
        {"port": 0, "protocol": "ICMP", "targetPort": "Bad_Name"},
    ]))
    assert paths(errors) == [
        "spec.ports[1].name",
        "spec.ports[1].targetPort",
        "spec.ports[1]",
        "spec.ports[2].name",
        "spec.ports[2].port",
        "spec.ports[2].protocol",
        "spec.ports[2].targetPort",
    ]
    assert 'spec.ports[1]: Duplicate value: "80/TCP"' in errors
    assert "spec.ports[2].name: Required value" in errors


def test_same_port_on_two_protocols_is_fine():
    assert problems(service(ports=[{"name": "dns", "port": 53, "protocol": "UDP"},
                                   {"name": "dns-tcp", "port": 53, "protocol": "TCP"}])) == []


def test_node_port_only_on_node_port_services():
    assert problems(service(ports=[{"port": 80, "nodePort": 30080}])) == [
        "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]
    assert problems(service(type="NodePort", ports=[{"port": 80, "nodePort": 30080}])) == []
    errors = problems(service(type="NodePort", ports=[{"name": "a", "port": 80, "nodePort": 30080},
                                                      {"name": "b", "port": 81, "nodePort": 30080},
                                                      {"name": "c", "port": 82, "nodePort": 70000}]))
    assert paths(errors) == ["spec.ports[1].nodePort", "spec.ports[2].nodePort"]


def test_cluster_ip_must_be_ipv4_or_none():
    assert problems(service(clusterIP="10.96.0.300")) == [
        'spec.clusterIP: Invalid value: "10.96.0.300": must be a valid IPv4 address (e.g. 10.9.8.7)']
    assert problems(service(clusterIP="10.96.0.10")) == []
    assert paths(problems(service(type="NodePort", clusterIP="None"))) == ["spec.clusterIP"]


def test_session_affinity_rules():
    assert paths(problems(service(sessionAffinity="Sticky"))) == ["spec.sessionAffinity"]
    assert problems(service(sessionAffinity="ClientIP",
                            sessionAffinityConfig={"clientIP": {"timeoutSeconds": 0}})) == [
        "spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: "
        "must be greater than 0 and less than 86400"]


def test_service_selector_must_be_labels():
    assert paths(problems(service(selector={"app": "web server"}))) == ["spec.selector"]


def test_ip_families_beyond_ipv4_are_refused_as_on_a_single_stack_cluster():
    assert problems(service(ipFamilies=["IPv6"])) == [
        'spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster']
    assert problems(service(ipFamilyPolicy="RequireDualStack")) == [
        'spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services']
    assert problems(service(ipFamilyPolicy="PreferDualStack", ipFamilies=["IPv4"])) == []
    assert problems(service(ports=[], clusterIP="None", selector={}, ipFamilyPolicy="RequireDualStack")) == []


def test_ip_family_fields_are_checked_in_kubernetes_words():
    assert problems(service(ipFamilyPolicy="Both", ipFamilies=["IPv4", "IPv4", "IPv5"])) == [
        'spec.ipFamilyPolicy: Unsupported value: "Both": supported values: "PreferDualStack", "RequireDualStack", '
        '"SingleStack"',
        'spec.ipFamilies: Invalid value: ["IPv4", "IPv4", "IPv5"]: may only hold up to 2 values',
        'spec.ipFamilies[1]: Duplicate value: "IPv4"',
        'spec.ipFamilies[2]: Unsupported value: "IPv5": supported values: "IPv4", "IPv6"']
    assert problems(service(ipFamilyPolicy="SingleStack", ipFamilies=["IPv4", "IPv6"])) == [
        'spec.ipFamilyPolicy: Invalid value: "SingleStack": '
        "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"]


def test_traffic_policies():
    assert paths(problems(service(externalTrafficPolicy="Local"))) == ["spec.externalTrafficPolicy"]
    assert problems(service(type="NodePort", externalTrafficPolicy="Local")) == []
    assert paths(problems(service(internalTrafficPolicy="Nearby"))) == ["spec.internalTrafficPolicy"]


# ---------------------------------------------------------------- Nodes, Namespaces, Endpoints, Events, Leases

def test_node_pod_cidr_must_be_a_cidr():
    for bad in ("10.244.1.0", "10.244.1.0/33", "pods"):
        assert paths(problems(node(podCIDR=bad))) == ["spec.podCIDR"], bad


def test_node_taint_rules():
    errors = problems(node(taints=[
        {"key": "dedicated", "value": "web", "effect": "NoSchedule"},
        {"key": "dedicated", "value": "api", "effect": "NoSchedule"},
        {"key": "dedicated", "effect": "NoExecute"},
        {"key": "bad key", "effect": "Sometimes"},
        {"key": "noeffect"},
    ]))
    assert errors[0] == ('spec.taints[1]: Duplicate value: "dedicated:NoSchedule": '
                         'taints must be unique by key and effect pair')
    assert paths(errors) == ["spec.taints[1]", "spec.taints[3].key", "spec.taints[3].effect",
                             "spec.taints[4].effect"]
    assert errors[-1] == "spec.taints[4].effect: Required value"


def test_namespace_spec_finalizers_are_checked():
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"},
          "spec": {"finalizers": ["kubernetes", "custom"]}}
    assert paths(problems(ns)) == ["spec.finalizers[1]"]


def test_endpoints_rules():
    ep = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web"},
          "subsets": [{"addresses": [{"ip": "10.244.1.300"}], "notReadyAddresses": [{"ip": "10.244.1.6"}],
                       "ports": [{"name": "a", "port": 0}, {"port": 81}]},
                      {"ports": [{"port": 80}]}]}
    assert paths(problems(ep)) == [
        "subsets[0].addresses[0].ip", "subsets[0].ports[0].port", "subsets[0].ports[1].name", "subsets[1]"]


def test_event_needs_involved_object_name_and_kind():
    event = {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e1"}, "involvedObject": {}}
    assert problems(event) == ["involvedObject.name: Required value", "involvedObject.kind: Required value"]


def test_event_namespace_must_match_its_object():
    event = {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e1", "namespace": "shop"},
             "involvedObject": {"kind": "Pod", "name": "web", "namespace": "other"}}
    assert paths(problems(event)) == ["involvedObject.namespace"]


def test_lease_duration_must_be_positive():
    lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "l"},
             "spec": {"leaseDurationSeconds": 0}}
    assert problems(lease) == ["spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0"]


ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"


def test_load_balancer_source_ranges_accept_cidrs_in_field_or_annotation():
    assert problems(service(type="LoadBalancer", loadBalancerSourceRanges=["10.0.0.0/8", " 192.168.1.7/24 "])) == []
    annotated = service(type="LoadBalancer")
    annotated["metadata"]["annotations"] = {ANNOTATION: "10.0.0.0/8, 172.16.0.0/12"}
    assert problems(annotated) == []


def test_load_balancer_source_ranges_name_each_bad_cidr_and_need_a_load_balancer():
    assert problems(service(type="NodePort", loadBalancerSourceRanges=["10.0.0.0/8", "10.0.0.1", "nine"])) == [
        "spec.loadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'",
        'spec.loadBalancerSourceRanges[1]: Invalid value: "10.0.0.1": must be a valid CIDR value, '
        "(e.g. 10.9.8.0/24 or 2001:db8::/64)",
        'spec.loadBalancerSourceRanges[2]: Invalid value: "nine": must be a valid CIDR value, '
        "(e.g. 10.9.8.0/24 or 2001:db8::/64)"]


def test_load_balancer_source_ranges_annotation_errors_name_the_annotation():
    annotated = service(type="LoadBalancer")
    annotated["metadata"]["annotations"] = {ANNOTATION: "10.0.0.0/8,10.300.0.0/16"}
    assert problems(annotated) == [
        f'metadata.annotations[{ANNOTATION}]: Invalid value: "10.300.0.0/16": must be a comma separated list '
        "of CIDRs e.g. 192.168.0.0/16,10.0.0.0/8"]
    annotated["spec"]["type"] = "ClusterIP"
    annotated["metadata"]["annotations"][ANNOTATION] = "10.0.0.0/8"
    assert problems(annotated) == [
        f"metadata.annotations[{ANNOTATION}]: Forbidden: may only be used when `type` is 'LoadBalancer'"]
