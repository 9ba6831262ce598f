"""The endpoints computation as a pure function: readiness, named ports resolved per pod, grouping by
port set, terminating and address-less pods, publishNotReadyAddresses, and no rewrite when unchanged."""
from __future__ import annotations

from api import manifest, meta
from controlplane.controllers.endpoints import subsets


def service(ports=None, selector=None, publish_not_ready=False, cluster_ip="10.96.0.10", name="web"):
    obj, _ = manifest.from_dict({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": name, "namespace": "default", "labels": {"team": "a"}},
        "spec": {"selector": selector or {"app": "web"}, "clusterIP": cluster_ip,
                 "publishNotReadyAddresses": publish_not_ready,
                 "ports": ports if ports is not None else [{"name": "http", "port": 80, "targetPort": 8080,
                                                            "protocol": "TCP"}]}})
    return obj


def pod(name, ip, ready=True, node="n1", ports=(), deleting=False, phase="Running"):
    container = {"name": "app", "image": "busybox"}
    if ports:
        container["ports"] = [{"name": n, "containerPort": p, "protocol": "TCP"} for n, p in ports]
    body = {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}", "labels": {"app": "web"}},
            "spec": {"nodeName": node, "containers": [container]},
            "status": {"phase": phase, "podIP": ip}}
    if deleting:
        body["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z"
    obj, _ = manifest.from_dict(body)
    meta.set_condition(obj.status.conditions, "Ready", "True" if ready else "False")
    return obj


def ips(addresses):
    return [a.ip for a in addresses]


def test_ready_pods_in_addresses_and_not_ready_apart_with_target_refs():
    [subset] = subsets.compute(service(), [pod("b", "10.244.1.9", ready=False), pod("a", "10.244.1.10"),
                                           pod("c", "10.244.2.3")])
    assert ips(subset.addresses) == ["10.244.1.10", "10.244.2.3"]  # sorted numerically, not as text
    assert ips(subset.not_ready_addresses) == ["10.244.1.9"]
    a = subset.addresses[0]
    assert (a.node_name, a.target_ref.kind, a.target_ref.name, a.target_ref.uid) == ("n1", "Pod", "a", "uid-a")
    assert [(p.name, p.port, p.protocol) for p in subset.ports] == [("http", 8080, "TCP")]


def test_pods_without_ip_terminating_or_finished_are_left_out():
    pods = [pod("a", ""), pod("b", "10.244.1.2", deleting=True), pod("c", "10.244.1.3", phase="Succeeded"),
            pod("d", "10.244.1.4")]
    [subset] = subsets.compute(service(), pods)
    assert ips(subset.addresses) == ["10.244.1.4"] and not subset.not_ready_addresses


def test_publish_not_ready_addresses_puts_every_pod_in_addresses():
    [subset] = subsets.compute(service(publish_not_ready=True),
                               [pod("a", "10.244.1.2", ready=False), pod("b", "10.244.1.3")])
    assert ips(subset.addresses) == ["10.244.1.2", "10.244.1.3"] and not subset.not_ready_addresses


def test_named_target_port_resolves_per_pod_and_groups_subsets_by_port_set():
    svc = service(ports=[{"name": "http", "port": 80, "targetPort": "web"},
                         {"name": "metrics", "port": 9100, "targetPort": 9100}])
    pods = [pod("a", "10.244.1.2", ports=[("web", 8080)]), pod("b", "10.244.1.3", ports=[("web", 8081)]),
            pod("c", "10.244.1.4", ports=[("other", 1)])]
    result = subsets.compute(svc, pods)
    by_ports = {tuple((p.name, p.port) for p in s.ports): ips(s.addresses) for s in result}
    assert by_ports == {
        (("http", 8080), ("metrics", 9100)): ["10.244.1.2"],
        (("http", 8081), ("metrics", 9100)): ["10.244.1.3"],
        (("metrics", 9100),): ["10.244.1.4"],  # no "web" port: only in the metrics subset
    }


def test_named_port_must_match_protocol():
    svc = service(ports=[{"name": "dns", "port": 53, "targetPort": "dns", "protocol": "UDP"}])
    assert subsets.compute(svc, [pod("a", "10.244.1.2", ports=[("dns", 53)])]) == []  # only a TCP "dns"


def test_headless_service_without_ports_lists_addresses_and_is_labelled():
    svc = service(ports=[], cluster_ip="None")
    [subset] = subsets.compute(svc, [pod("a", "10.244.1.2")])
    assert ips(subset.addresses) == ["10.244.1.2"] and not subset.ports
    assert subsets.labels_for(svc) == {"team": "a", subsets.HEADLESS_LABEL: ""}


def test_desired_is_none_when_nothing_changed_and_keeps_metadata_on_change():
    svc = service()
    first = subsets.desired(svc, [pod("a", "10.244.1.2")], None)
    assert (first.metadata.name, first.metadata.namespace, dict(first.metadata.labels)) == \
           ("web", "default", {"team": "a"})
    first.metadata.resource_version = "42"
    assert subsets.desired(svc, [pod("a", "10.244.1.2")], first) is None
    changed = subsets.desired(svc, [pod("a", "10.244.1.2", ready=False)], first)
    assert changed.metadata.resource_version == "42"
    assert ips(changed.subsets[0].not_ready_addresses) == ["10.244.1.2"]


def test_no_pods_gives_empty_subsets():
    ep = subsets.desired(service(), [], None)
    assert ep is not None and list(ep.subsets) == []
