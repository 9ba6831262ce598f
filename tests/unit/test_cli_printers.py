"""Every printer against a golden file, with "now" injected so AGE is fixed.

Regenerate after an intended change with SKIFF_UPDATE_GOLDEN=1.
"""
from __future__ import annotations

import json

import pytest
import yaml

from api import manifest
from cli import printers
from api.columns import endpoints_text, node_status
from tests.fixtures.golden import NOW, check_golden

CREATED = "2026-03-01T11:56:48Z"  # 3m12s before NOW

OBJECTS = {
    "pods": """
- {apiVersion: v1, kind: Pod, metadata: {name: web, namespace: default, creationTimestamp: "2026-03-01T11:59:15Z"},
   spec: {nodeName: node1, containers: [{name: app, image: busybox}]},
   status: {phase: Running, podIP: 10.244.1.5, conditions: [{type: Ready, status: "True"}],
            containerStatuses: [{name: app, ready: true, restartCount: 1, state: {running: {startedAt: x}}}]}}
- {apiVersion: v1, kind: Pod, metadata: {name: crashy, namespace: lab, creationTimestamp: "2026-02-27T12:00:00Z"},
   spec: {containers: [{name: app, image: busybox}, {name: side, image: busybox}]},
   status: {phase: Running, containerStatuses: [{name: app, restartCount: 7, state: {waiting: {reason: CrashLoopBackOff}}}]}}
""",
    "nodes": """
- {apiVersion: v1, kind: Node, metadata: {name: node1, creationTimestamp: "2026-03-01T07:00:00Z",
   labels: {node-role.kubernetes.io/control-plane: ""}},
   status: {conditions: [{type: Ready, status: "True"}], addresses: [{type: InternalIP, address: 10.0.0.1}],
            nodeInfo: {kubeletVersion: v0.1.0, osImage: Debian 12, kernelVersion: "6.1", containerRuntimeVersion: docker://24}}}
- {apiVersion: v1, kind: Node, metadata: {name: node2, creationTimestamp: "2026-03-01T07:00:00Z"},
   spec: {unschedulable: true}, status: {conditions: [{type: Ready, status: "Unknown"}]}}
""",
    "replicasets": """
- {apiVersion: apps/v1, kind: ReplicaSet, metadata: {name: web-5d8f, namespace: default, creationTimestamp: "%s"},
   spec: {replicas: 3, selector: {matchLabels: {app: web}},
          template: {metadata: {labels: {app: web}}, spec: {containers: [{name: app, image: "busybox:1.36"}]}}},
   status: {replicas: 3, readyReplicas: 2}}
""" % CREATED,
    "deployments": """
- {apiVersion: apps/v1, kind: Deployment, metadata: {name: web, namespace: default, creationTimestamp: "%s"},
   spec: {replicas: 3, selector: {matchLabels: {app: web}},
          template: {metadata: {labels: {app: web}}, spec: {containers: [{name: app, image: "busybox:1.36"}]}}},
   status: {replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2}}
""" % CREATED,
    "services": """
- {apiVersion: v1, kind: Service, metadata: {name: web, namespace: default, creationTimestamp: "%s"},
   spec: {type: NodePort, clusterIP: 10.96.0.10, selector: {app: web},
          ports: [{port: 80, nodePort: 30080, protocol: TCP}, {port: 53, protocol: UDP}]}}
- {apiVersion: v1, kind: Service, metadata: {name: db, namespace: default, creationTimestamp: "%s"},
   spec: {clusterIP: None, ports: [{port: 5432}]}}
""" % (CREATED, CREATED),
    "endpoints": """
- {apiVersion: v1, kind: Endpoints, metadata: {name: web, namespace: default, creationTimestamp: "%s"},
   subsets: [{addresses: [{ip: 10.244.1.5}, {ip: 10.244.2.7}, {ip: 10.244.3.9}, {ip: 10.244.1.6}], ports: [{port: 80}]}]}
- {apiVersion: v1, kind: Endpoints, metadata: {name: empty, namespace: default, creationTimestamp: "%s"}}
""" % (CREATED, CREATED),
    "namespaces": """
- {apiVersion: v1, kind: Namespace, metadata: {name: default, creationTimestamp: "2026-02-20T12:00:00Z"}, status: {phase: Active}}
- {apiVersion: v1, kind: Namespace, metadata: {name: old, creationTimestamp: "%s"}, status: {phase: Terminating}}
""" % CREATED,
    "events": """
- {apiVersion: v1, kind: Event, metadata: {name: web.1, namespace: default, creationTimestamp: "%s"},
   involvedObject: {kind: Pod, name: web}, type: Normal, reason: Scheduled,
   message: Successfully assigned default/web to node1, lastTimestamp: "2026-03-01T11:59:00Z"}
- {apiVersion: v1, kind: Event, metadata: {name: web.2, namespace: default, creationTimestamp: "%s"},
   involvedObject: {kind: Pod, name: web}, type: Warning, reason: BackOff,
   message: Back-off restarting failed container, lastTimestamp: "2026-03-01T11:59:50Z"}
""" % (CREATED, CREATED),
    "leases": """
- {apiVersion: coordination.k8s.io/v1, kind: Lease, metadata: {name: skiff-scheduler, namespace: kube-system,
   creationTimestamp: "%s"}, spec: {holderIdentity: host1_1234}}
""" % CREATED,
}


def objects(kind: str):
    return [manifest.from_dict(d)[0] for d in yaml.safe_load(OBJECTS[kind])]


@pytest.mark.parametrize("kind", sorted(OBJECTS))
def test_table_matches_golden(kind):
    check_golden(f"get-{kind}.txt", "\n".join(printers.render_table(objects(kind), NOW)) + "\n")


@pytest.mark.parametrize("kind", ["pods", "nodes", "deployments", "services"])
def test_wide_table_matches_golden(kind):
    check_golden(f"get-{kind}-wide.txt", "\n".join(printers.render_table(objects(kind), NOW, wide=True)) + "\n")


def test_all_namespaces_adds_a_namespace_column_first():
    lines = printers.render_table(objects("pods"), NOW, all_namespaces=True)
    check_golden("get-pods-all-namespaces.txt", "\n".join(lines) + "\n")
    assert lines[0].split()[:2] == ["NAMESPACE", "NAME"]


def test_yaml_of_one_object_and_json_list_match_golden():
    pods = objects("pods")
    check_golden("get-pod.yaml", printers.render_objects(pods[:1], "yaml", single=True)[0] + "\n")
    text = printers.render_objects(pods, "json", single=False)[0]
    check_golden("get-pods.json", text + "\n")
    data = json.loads(text)
    assert (data["apiVersion"], data["kind"], len(data["items"])) == ("v1", "List", 2)


def test_name_output_is_kind_slash_name():
    assert printers.render_objects(objects("pods") + objects("deployments"), "name", single=False) == [
        "pod/web", "pod/crashy", "deployment.apps/web"]


def test_node_status_and_endpoints_are_shown_as_kubectl_does():
    ready, unknown = objects("nodes")
    assert node_status(ready) == "Ready"
    assert node_status(unknown) == "NotReady,SchedulingDisabled"  # kubectl shows a lost node NotReady
    assert endpoints_text(objects("endpoints")[0]) == "10.244.1.5:80,10.244.2.7:80,10.244.3.9:80 + 1 more..."
