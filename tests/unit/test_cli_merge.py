"""apply's update: the manifest wins, the server's state stays, labels merge three-way."""
from __future__ import annotations

import json

from cli import merge
from tests.fixtures.objects import from_yaml

DEPLOY = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default, labels: {app: web}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: "busybox:1.37"}]}
"""


def live_deployment():
    live = from_yaml(DEPLOY)
    m = live.metadata
    m.uid, m.resource_version, m.creation_timestamp, m.generation = "u1", "42", "2026-01-01T00:00:00Z", 3
    live.spec.replicas = 5
    live.status.ready_replicas = 5
    return live


def test_update_keeps_identity_status_and_live_replicas_when_the_manifest_omits_them():
    out = merge.for_update(from_yaml(DEPLOY), live_deployment())
    assert (out.metadata.uid, out.metadata.resource_version, out.metadata.generation) == ("u1", "42", 3)
    assert out.metadata.creation_timestamp == "2026-01-01T00:00:00Z"
    assert out.spec.replicas == 5 and out.status.ready_replicas == 5
    assert out.spec.template.spec.containers[0].image == "busybox:1.37"


def test_replicas_in_the_manifest_win():
    desired = from_yaml(DEPLOY)
    desired.spec.replicas = 2
    assert merge.for_update(desired, live_deployment()).spec.replicas == 2


def test_labels_merge_three_way_and_last_applied_is_recorded():
    live = live_deployment()
    previous = from_yaml(DEPLOY)
    previous.metadata.labels["tier"] = "front"
    live.metadata.annotations[merge.LAST_APPLIED] = merge.last_applied(previous)
    live.metadata.labels.update({"tier": "front", "added-by-hand": "yes"})
    out = merge.for_update(from_yaml(DEPLOY), live)
    # tier was applied before and is gone from the manifest: removed; the hand-made label stays
    assert dict(out.metadata.labels) == {"app": "web", "added-by-hand": "yes"}
    recorded = json.loads(out.metadata.annotations[merge.LAST_APPLIED])
    assert recorded["metadata"]["labels"] == {"app": "web"}
    assert merge.LAST_APPLIED not in recorded["metadata"].get("annotations", {})


def test_service_keeps_its_allocated_cluster_ip_and_node_ports():
    manifest = from_yaml("""
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {type: NodePort, selector: {app: web}, ports: [{port: 80}, {port: 443}]}
""")
    live = from_yaml("""
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {type: NodePort, clusterIP: 10.96.0.5, clusterIPs: [10.96.0.5], selector: {app: web},
       ports: [{port: 80, protocol: TCP, nodePort: 30080}, {port: 443, protocol: TCP, nodePort: 30443}]}
""")
    out = merge.for_update(manifest, live)
    assert out.spec.cluster_ip == "10.96.0.5" and list(out.spec.cluster_ips) == ["10.96.0.5"]
    assert [p.node_port for p in out.spec.ports] == [30080, 30443]


def test_a_bound_pod_keeps_its_node():
    live = from_yaml("""
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default}
spec: {nodeName: node1, containers: [{name: app, image: busybox}]}
""")
    desired = from_yaml("""
apiVersion: v1
kind: Pod
metadata: {name: web}
spec: {containers: [{name: app, image: busybox}]}
""")
    assert merge.for_update(desired, live).spec.node_name == "node1"


def test_create_carries_the_last_applied_annotation():
    created = merge.for_create(from_yaml(DEPLOY))
    assert json.loads(created.metadata.annotations[merge.LAST_APPLIED])["metadata"]["name"] == "web"
