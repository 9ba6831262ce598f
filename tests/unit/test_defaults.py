"""Defaulting fills what a Kubernetes user may leave out, with Kubernetes' values."""
from __future__ import annotations

import copy

from api import manifest
from controlplane.apiserver import resources


def defaulted(data: dict):
    obj, _ = manifest.from_dict(data)
    resources.default(obj)
    return obj


def pod(spec: dict | None = None, **metadata) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", **metadata},
            "spec": spec or {"containers": [{"name": "app", "image": "nginx:1.25"}]}}


def pod_with(**container) -> dict:
    return pod({"containers": [{"name": "app", "image": "nginx:1.25", **container}]})


def deployment(spec: dict | None = None) -> dict:
    base = {"selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                         "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}}}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {**base, **(spec or {})}}


def service(spec: dict) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": spec}


# ---------------------------------------------------------------- metadata

def test_namespaced_object_without_namespace_goes_to_default():
    assert defaulted(pod()).metadata.namespace == "default"


def test_explicit_namespace_is_kept():
    assert defaulted(pod(namespace="shop")).metadata.namespace == "shop"


def test_cluster_scoped_object_gets_no_namespace():
    node = defaulted({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}})
    assert node.metadata.namespace == ""


def test_metadata_other_than_namespace_is_untouched():
    obj = defaulted(pod(labels={"app": "web"}))
    assert dict(obj.metadata.labels) == {"app": "web"}
    assert not obj.metadata.annotations and not obj.metadata.finalizers and not obj.metadata.uid


# ---------------------------------------------------------------- pod spec

def test_pod_spec_gets_kubernetes_defaults():
    spec = defaulted(pod()).spec
    assert spec.restart_policy == "Always"
    assert spec.termination_grace_period_seconds == 30
    assert spec.dns_policy == "ClusterFirst"
    assert spec.scheduler_name == "default-scheduler"


def test_explicit_zero_grace_period_is_kept():
    spec = defaulted(pod({"terminationGracePeriodSeconds": 0, "restartPolicy": "Never",
                          "containers": [{"name": "app", "image": "nginx:1.25"}]})).spec
    assert spec.HasField("termination_grace_period_seconds") and spec.termination_grace_period_seconds == 0
    assert spec.restart_policy == "Never"


def test_latest_tag_defaults_pull_policy_always():
    assert defaulted(pod_with(image="nginx:latest")).spec.containers[0].image_pull_policy == "Always"


def test_untagged_image_defaults_pull_policy_always():
    assert defaulted(pod_with(image="nginx")).spec.containers[0].image_pull_policy == "Always"


def test_tagged_image_defaults_pull_policy_if_not_present():
    assert defaulted(pod_with(image="nginx:1.25")).spec.containers[0].image_pull_policy == "IfNotPresent"


def test_registry_port_is_not_mistaken_for_a_tag():
    assert defaulted(pod_with(image="localhost:5000/web")).spec.containers[0].image_pull_policy == "Always"
    assert defaulted(pod_with(image="localhost:5000/web:v2")).spec.containers[0].image_pull_policy == "IfNotPresent"


def test_digest_pinned_image_defaults_pull_policy_if_not_present():
    image = "nginx@sha256:" + "a" * 64
    assert defaulted(pod_with(image=image)).spec.containers[0].image_pull_policy == "IfNotPresent"


def test_explicit_pull_policy_is_kept():
    assert defaulted(pod_with(image="nginx", imagePullPolicy="Never")).spec.containers[0].image_pull_policy == "Never"


def test_containers_and_init_containers_get_termination_message_defaults():
    spec = defaulted(pod({"initContainers": [{"name": "init", "image": "busybox:1.36"}],
                          "containers": [{"name": "app", "image": "nginx:1.25"}]})).spec
    for c in (spec.init_containers[0], spec.containers[0]):
        assert c.termination_message_path == "/dev/termination-log"
        assert c.termination_message_policy == "File"
        assert c.image_pull_policy == "IfNotPresent"


def test_container_port_protocol_defaults_to_tcp():
    obj = defaulted(pod_with(ports=[{"containerPort": 80}, {"containerPort": 53, "protocol": "UDP"}]))
    assert [p.protocol for p in obj.spec.containers[0].ports] == ["TCP", "UDP"]


def test_every_probe_gets_timing_defaults():
    probe = {"tcpSocket": {"port": 80}}
    c = defaulted(pod_with(livenessProbe=probe, readinessProbe=probe, startupProbe=probe)).spec.containers[0]
    for p in (c.liveness_probe, c.readiness_probe, c.startup_probe):
        assert (p.period_seconds, p.timeout_seconds, p.success_threshold, p.failure_threshold) == (10, 1, 1, 3)
        assert p.initial_delay_seconds == 0


def test_explicit_probe_timing_is_kept():
    c = defaulted(pod_with(readinessProbe={"tcpSocket": {"port": 80}, "periodSeconds": 2,
                                           "failureThreshold": 7})).spec.containers[0]
    assert (c.readiness_probe.period_seconds, c.readiness_probe.failure_threshold) == (2, 7)


def test_absent_probes_stay_absent():
    c = defaulted(pod()).spec.containers[0]
    assert not c.HasField("liveness_probe") and not c.HasField("readiness_probe") and not c.HasField("startup_probe")


def test_http_get_defaults_scheme_and_path_in_probes_and_hooks():
    c = defaulted(pod_with(livenessProbe={"httpGet": {"port": 8080}},
                           lifecycle={"preStop": {"httpGet": {"port": 8080}}})).spec.containers[0]
    for action in (c.liveness_probe.http_get, c.lifecycle.pre_stop.http_get):
        assert (action.scheme, action.path) == ("HTTP", "/")


def test_env_field_ref_defaults_api_version_v1():
    c = defaulted(pod_with(env=[{"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
                                {"name": "PLAIN", "value": "x"}])).spec.containers[0]
    assert c.env[0].value_from.field_ref.api_version == "v1"
    assert not c.env[1].HasField("value_from")


def test_requests_copy_limits_per_resource():
    c = defaulted(pod_with(resources={"limits": {"cpu": "500m", "memory": "128Mi"},
                                      "requests": {"cpu": "100m"}})).spec.containers[0]
    assert dict(c.resources.requests) == {"cpu": "100m", "memory": "128Mi"}


def test_requests_copy_limits_for_init_containers_too():
    spec = defaulted(pod({"initContainers": [{"name": "init", "image": "busybox:1.36",
                                              "resources": {"limits": {"cpu": "1"}}}],
                          "containers": [{"name": "app", "image": "nginx:1.25"}]})).spec
    assert dict(spec.init_containers[0].resources.requests) == {"cpu": "1"}


def test_host_network_pod_exposes_container_ports_as_host_ports():
    obj = defaulted(pod({"hostNetwork": True,
                         "containers": [{"name": "app", "image": "nginx:1.25", "ports": [{"containerPort": 80}]}]}))
    assert obj.spec.containers[0].ports[0].host_port == 80


def test_volume_without_source_becomes_empty_dir():
    spec = defaulted(pod({"volumes": [{"name": "scratch"}, {"name": "logs", "hostPath": {"path": "/var/log"}}],
                          "containers": [{"name": "app", "image": "nginx:1.25"}]})).spec
    assert spec.volumes[0].HasField("empty_dir")
    assert not spec.volumes[1].HasField("empty_dir")
    assert spec.volumes[1].host_path.type == ""


def test_toleration_operator_defaults_to_equal():
    spec = defaulted(pod({"tolerations": [{"key": "gpu", "value": "yes"}, {"operator": "Exists"}],
                          "containers": [{"name": "app", "image": "nginx:1.25"}]})).spec
    assert [t.operator for t in spec.tolerations] == ["Equal", "Exists"]


def test_a_pod_links_services_unless_it_says_otherwise_and_a_template_keeps_what_was_written():
    assert manifest.to_dict(defaulted(pod()))["spec"]["enableServiceLinks"] is True
    off = pod({"enableServiceLinks": False, "containers": [{"name": "app", "image": "nginx:1.25"}]})
    assert manifest.to_dict(defaulted(off))["spec"]["enableServiceLinks"] is False
    template = manifest.to_dict(defaulted(deployment()))["spec"]["template"]["spec"]
    assert "enableServiceLinks" not in template


def test_every_pod_spec_shows_an_empty_security_context_as_kubernetes_does():
    assert manifest.to_dict(defaulted(pod()))["spec"]["securityContext"] == {}
    assert manifest.to_dict(defaulted(deployment()))["spec"]["template"]["spec"]["securityContext"] == {}
    kept = pod({"securityContext": {"runAsUser": 1000}, "containers": [{"name": "app", "image": "nginx:1.25"}]})
    assert manifest.to_dict(defaulted(kept))["spec"]["securityContext"] == {"runAsUser": 1000}


def test_new_pod_status_is_pending():
    assert defaulted(pod()).status.phase == "Pending"


def test_existing_pod_phase_is_kept():
    data = pod()
    data["status"] = {"phase": "Running"}
    assert defaulted(data).status.phase == "Running"


def test_defaulting_twice_changes_nothing():
    once = defaulted(deployment())
    twice = copy.deepcopy(once)
    resources.default(twice)
    assert twice == once


# ---------------------------------------------------------------- ReplicaSets and Deployments

def test_replica_set_replicas_default_to_one_and_explicit_zero_stays():
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web"},
          "spec": {"selector": {"matchLabels": {"app": "web"}},
                   "template": {"metadata": {"labels": {"app": "web"}},
                                "spec": {"containers": [{"name": "app", "image": "nginx"}]}}}}
    assert defaulted(rs).spec.replicas == 1
    rs["spec"]["replicas"] = 0
    obj = defaulted(rs)
    assert obj.spec.HasField("replicas") and obj.spec.replicas == 0
    assert obj.spec.template.spec.restart_policy == "Always"
    assert obj.spec.template.spec.containers[0].image_pull_policy == "Always"


def test_deployment_gets_kubernetes_defaults():
    spec = defaulted(deployment()).spec
    assert spec.replicas == 1
    assert spec.strategy.type == "RollingUpdate"
    assert manifest.int_or_string_value(spec.strategy.rolling_update.max_unavailable) == "25%"
    assert manifest.int_or_string_value(spec.strategy.rolling_update.max_surge) == "25%"
    assert spec.revision_history_limit == 10
    assert spec.progress_deadline_seconds == 600
    assert spec.template.spec.dns_policy == "ClusterFirst"


def test_explicit_zero_max_surge_is_kept_while_max_unavailable_defaults():
    spec = defaulted(deployment({"strategy": {"rollingUpdate": {"maxSurge": 0}},
                                 "revisionHistoryLimit": 0})).spec
    assert manifest.int_or_string_value(spec.strategy.rolling_update.max_surge) == 0
    assert manifest.int_or_string_value(spec.strategy.rolling_update.max_unavailable) == "25%"
    assert spec.revision_history_limit == 0


def test_recreate_strategy_gets_no_rolling_update():
    spec = defaulted(deployment({"strategy": {"type": "Recreate"}})).spec
    assert not spec.strategy.HasField("rolling_update")


def test_selector_is_never_derived_from_template_labels():
    data = deployment()
    del data["spec"]["selector"]
    obj = defaulted(data)
    assert not obj.spec.HasField("selector")
    assert dict(obj.spec.template.metadata.labels) == {"app": "web"}


def test_template_requests_are_not_copied_from_limits():
    data = deployment()
    data["spec"]["template"]["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "1"}}
    assert not defaulted(data).spec.template.spec.containers[0].resources.requests


# ---------------------------------------------------------------- Services and others

def test_service_gets_kubernetes_defaults():
    spec = defaulted(service({"ports": [{"port": 80}, {"port": 443, "targetPort": "https"}]})).spec
    assert spec.type == "ClusterIP"
    assert spec.session_affinity == "None"
    assert spec.internal_traffic_policy == "Cluster"
    assert spec.external_traffic_policy == ""
    assert [p.protocol for p in spec.ports] == ["TCP", "TCP"]
    assert [manifest.int_or_string_value(p.target_port) for p in spec.ports] == [80, "https"]


def test_node_port_service_defaults_external_traffic_policy_cluster():
    spec = defaulted(service({"type": "NodePort", "ports": [{"port": 80}]})).spec
    assert spec.external_traffic_policy == "Cluster"


def test_client_ip_affinity_defaults_three_hour_timeout():
    spec = defaulted(service({"sessionAffinity": "ClientIP", "ports": [{"port": 80}]})).spec
    assert spec.session_affinity_config.client_ip.timeout_seconds == 10800


def test_affinity_config_is_dropped_when_affinity_is_none():
    spec = defaulted(service({"ports": [{"port": 80}],
                              "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 60}}})).spec
    assert not spec.HasField("session_affinity_config")


def test_deprecated_service_account_is_read_and_mirrors_the_name_as_kubernetes_does():
    containers = [{"name": "app", "image": "nginx:1.25"}]
    alias_only = defaulted(pod({"serviceAccount": "builder", "containers": containers})).spec
    assert (alias_only.service_account_name, alias_only.service_account) == ("builder", "builder")
    both = defaulted(pod({"serviceAccount": "old", "serviceAccountName": "new", "containers": containers})).spec
    assert (both.service_account_name, both.service_account) == ("new", "new")
    template = defaulted(deployment()).spec.template.spec
    assert template.service_account == template.service_account_name == ""


def test_service_defaults_to_single_stack_ipv4():
    spec = defaulted(service({"ports": [{"port": 80}]})).spec
    assert (list(spec.ip_families), spec.ip_family_policy) == (["IPv4"], "SingleStack")


def test_prefer_dual_stack_service_is_kept_and_gets_the_one_family():
    spec = defaulted(service({"ipFamilyPolicy": "PreferDualStack", "ports": [{"port": 80}]})).spec
    assert (list(spec.ip_families), spec.ip_family_policy) == (["IPv4"], "PreferDualStack")


def test_headless_service_gets_cluster_ips_none_and_selectorless_one_requires_dual_stack():
    with_selector = defaulted(service({"clusterIP": "None", "selector": {"app": "db"}})).spec
    assert (list(with_selector.cluster_ips), with_selector.ip_family_policy) == (["None"], "SingleStack")
    selectorless = defaulted(service({"clusterIP": "None"})).spec
    assert (list(selectorless.ip_families), selectorless.ip_family_policy) == (["IPv4"], "RequireDualStack")


def test_event_defaults_type_normal_and_count_one():
    event = defaulted({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "web.1"},
                       "involvedObject": {"kind": "Pod", "name": "web"}})
    assert (event.type, event.count) == ("Normal", 1)


def test_endpoints_port_protocol_defaults_to_tcp():
    ep = defaulted({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web"},
                    "subsets": [{"addresses": [{"ip": "10.244.1.5"}], "ports": [{"port": 80}]}]})
    assert ep.subsets[0].ports[0].protocol == "TCP"


def test_node_allocatable_defaults_to_capacity():
    node = defaulted({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"},
                      "status": {"capacity": {"cpu": "4", "pods": "110"}}})
    assert dict(node.status.allocatable) == {"cpu": "4", "pods": "110"}


def test_lease_is_left_as_written():
    data = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": "scheduler", "namespace": "kube-system"}, "spec": {"holderIdentity": "a"}}
    original, _ = manifest.from_dict(data)
    assert defaulted(data) == original
