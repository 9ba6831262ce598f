"""`skiff describe` of Deployments, ReplicaSets, Nodes and Services against golden files in kubectl's
layout, with "now" injected; plus `rollout history --revision`'s template text.

Regenerate after an intended change with SKIFF_UPDATE_GOLDEN=1.
"""
from __future__ import annotations

import yaml

from api import manifest
from cli.describe import Related, describe
from cli.describe_pods import template_lines
from tests.fixtures.golden import NOW, check_golden

TEMPLATE = """{metadata: {labels: {app: web}}, spec: {containers: [{name: app, image: "nginx:1.25",
  ports: [{containerPort: 80}], command: [sh, -c, "nginx -g 'daemon off;'"], env: [{name: MODE, value: prod}]}]}}"""


def _one(text: str):
    obj, _ = manifest.from_dict(yaml.safe_load(text))
    return obj


def _event(reason: str, message: str, kind: str, name: str, last: str, count: int = 1):
    return _one(f"""{{apiVersion: v1, kind: Event, metadata: {{name: e-{reason}, namespace: default}},
        involvedObject: {{kind: {kind}, name: {name}}}, reason: {reason}, message: "{message}", type: Normal,
        source: {{component: deployment-controller}}, count: {count}, lastTimestamp: "{last}",
        firstTimestamp: "2026-03-01T11:50:00Z"}}""")


def _rs(name: str, image: str, replicas: int, revision: int):
    return _one(f"""{{apiVersion: apps/v1, kind: ReplicaSet, metadata: {{name: {name}, namespace: default,
        creationTimestamp: "2026-03-01T11:56:48Z", labels: {{app: web, pod-template-hash: {name[4:]}}},
        annotations: {{deployment.kubernetes.io/revision: "{revision}"}},
        ownerReferences: [{{apiVersion: apps/v1, kind: Deployment, name: web, uid: u1, controller: true}}]}},
      spec: {{replicas: {replicas}, selector: {{matchLabels: {{app: web, pod-template-hash: {name[4:]}}}}},
        template: {{metadata: {{labels: {{app: web, pod-template-hash: {name[4:]}}}}},
                   spec: {{containers: [{{name: app, image: "{image}"}}]}}}}}},
      status: {{replicas: {replicas}, readyReplicas: {replicas}, availableReplicas: {replicas}}}}}""")


def _pod(name: str, phase: str, node: str = "node1", cpu: str = "100m", memory: str = "128Mi"):
    return _one(f"""{{apiVersion: v1, kind: Pod, metadata: {{name: {name}, namespace: default,
        creationTimestamp: "2026-03-01T11:00:00Z"}},
      spec: {{nodeName: {node}, containers: [{{name: app, image: nginx, resources: {{requests: {{cpu: {cpu},
        memory: {memory}}}, limits: {{memory: 256Mi}}}}}}]}}, status: {{phase: {phase}}}}}""")


def _text(obj, events=(), related=None) -> str:
    return "\n".join(describe(obj, list(events), NOW, related)) + "\n"


def test_deployment_describes_replicas_strategy_template_conditions_and_replica_sets():
    d = _one(f"""{{apiVersion: apps/v1, kind: Deployment, metadata: {{name: web, namespace: default, uid: u1,
        creationTimestamp: "2026-03-01T11:56:48Z", labels: {{app: web}},
        annotations: {{deployment.kubernetes.io/revision: "2"}}}},
      spec: {{replicas: 3, selector: {{matchLabels: {{app: web}}}}, template: {TEMPLATE},
        strategy: {{type: RollingUpdate, rollingUpdate: {{maxUnavailable: 25%, maxSurge: 1}}}}}},
      status: {{replicas: 4, updatedReplicas: 3, availableReplicas: 3, unavailableReplicas: 1,
        conditions: [{{type: Available, status: "True", reason: MinimumReplicasAvailable}},
                     {{type: Progressing, status: "True", reason: ReplicaSetUpdated}}]}}}}""")
    new = _rs("web-7c9d", "nginx:1.25", 3, 2)
    new.spec.template.CopyFrom(d.spec.template)
    new.spec.template.metadata.labels["pod-template-hash"] = "7c9d"
    old, retired = _rs("web-5d8f", "nginx:1.24", 1, 1), _rs("web-1a2b", "nginx:1.23", 0, 0)
    events = [_event("ScalingReplicaSet", "Scaled up replica set web-7c9d to 3", "Deployment", "web",
                     "2026-03-01T11:58:00Z", 2)]
    text = _text(d, events, Related(replica_sets=[retired, old, new]))
    assert "OldReplicaSets:     web-5d8f (1/1 replicas created)\n" in text
    check_golden("describe-deployment.txt", text)


def test_replica_set_counts_its_pods_by_phase():
    rs = _rs("web-5d8f", "nginx:1.24", 3, 1)
    pods = [_pod("a", "Running"), _pod("b", "Running"), _pod("c", "Pending"), _pod("d", "Failed")]
    text = _text(rs, related=Related(pods=pods))
    assert "Pods Status:        2 Running / 1 Waiting / 0 Succeeded / 1 Failed\n" in text
    assert "Controlled By:      Deployment/web\n" in text
    check_golden("describe-replicaset.txt", text)


def test_node_describes_conditions_capacity_and_the_requests_of_its_pods():
    node = _one("""{apiVersion: v1, kind: Node, metadata: {name: node1, creationTimestamp: "2026-03-01T07:00:00Z",
        labels: {kubernetes.io/hostname: node1, node-role.kubernetes.io/control-plane: ""}},
      spec: {podCIDR: 10.244.1.0/24, podCIDRs: [10.244.1.0/24],
             taints: [{key: node.kubernetes.io/not-ready, effect: NoExecute}, {key: dedicated, value: db, effect: NoSchedule}]},
      status: {capacity: {cpu: "2", memory: 4Gi, pods: "110"}, allocatable: {cpu: "2", memory: 4Gi, pods: "110"},
        conditions: [{type: Ready, status: "False", reason: KubeletNotReady, message: container runtime is down,
                      lastHeartbeatTime: "2026-03-01T11:59:50Z", lastTransitionTime: "2026-03-01T11:55:00Z"}],
        addresses: [{type: InternalIP, address: 10.0.0.1}, {type: Hostname, address: node1}],
        nodeInfo: {kernelVersion: "6.1", osImage: Debian 12, operatingSystem: linux, architecture: amd64,
                   containerRuntimeVersion: docker://24, kubeletVersion: v0.1.0}}}""")
    pods = [_pod("web", "Running", cpu="500m"), _pod("job", "Succeeded"), _pod("db", "Pending", memory="1Gi")]
    text = _text(node, related=Related(pods=pods))
    assert "Roles:              control-plane\n" in text
    # the finished pod "job" holds nothing any more: neither listed nor counted
    assert "Non-terminated Pods:  (2 in total)\n" in text and " job " not in text
    assert "  cpu       600m (30%)    0 (0%)\n" in text
    check_golden("describe-node.txt", text)


def test_service_describes_each_port_with_its_endpoints():
    svc = _one("""{apiVersion: v1, kind: Service, metadata: {name: web, namespace: default,
        creationTimestamp: "2026-03-01T11:56:48Z"},
      spec: {type: NodePort, clusterIP: 10.96.0.10, clusterIPs: [10.96.0.10], selector: {app: web},
             ipFamilyPolicy: SingleStack, ipFamilies: [IPv4], internalTrafficPolicy: Cluster,
             ports: [{name: http, port: 80, targetPort: 8080, nodePort: 30080, protocol: TCP},
                     {name: dns, port: 53, targetPort: dns, protocol: UDP}]}}""")
    ep = _one("""{apiVersion: v1, kind: Endpoints, metadata: {name: web, namespace: default},
      subsets: [{addresses: [{ip: 10.244.1.5}, {ip: 10.244.2.6}, {ip: 10.244.3.7}, {ip: 10.244.4.8}],
                 ports: [{name: http, port: 8080}, {name: dns, port: 5353, protocol: UDP}]}]}""")
    text = _text(svc, related=Related(endpoints=ep))
    assert "Endpoints:          10.244.1.5:8080,10.244.2.6:8080,10.244.3.7:8080 + 1 more...\n" in text
    check_golden("describe-service.txt", text)
    assert "Endpoints:          <none>\n" in _text(svc)


def test_revision_template_text_shows_labels_and_containers():
    rs = _rs("web-5d8f", "nginx:1.24", 1, 1)
    assert template_lines(rs.spec.template) == [
        "Pod Template:",
        "  Labels:           app=web",
        "                    pod-template-hash=5d8f",
        "  Containers:",
        "   app:",
        "    Image:          nginx:1.24",
        "  Volumes:          <none>",
    ]


def test_describe_ingress_shows_rules_with_their_backends_endpoints():
    ing = _one("""{apiVersion: networking.k8s.io/v1, kind: Ingress, metadata: {name: site, namespace: default,
        creationTimestamp: "2026-03-01T11:56:48Z"},
      spec: {ingressClassName: nginx, tls: [{hosts: [foo.example.com], secretName: foo-tls}],
        rules: [{host: foo.example.com, http: {paths: [{path: /, pathType: Prefix,
                  backend: {service: {name: web, port: {number: 80}}}}]}},
                {host: bar.example.com, http: {paths: [{path: /api, pathType: Prefix,
                  backend: {service: {name: api, port: {name: http}}}},
                 {path: /missing, pathType: Exact, backend: {service: {name: gone, port: {number: 80}}}}]}}]},
      status: {loadBalancer: {ingress: [{ip: 10.250.0.11}]}}}""")
    services = {name: _one(f"""{{apiVersion: v1, kind: Service, metadata: {{name: {name}, namespace: default}},
        spec: {{ports: [{{name: {port_name}, port: 80}}]}}}}""") for name, port_name in (("web", "''"), ("api", "http"))}
    endpoints = {
        "web": _one("""{apiVersion: v1, kind: Endpoints, metadata: {name: web, namespace: default},
            subsets: [{addresses: [{ip: 10.244.1.5}, {ip: 10.244.2.7}], ports: [{port: 8080}]}]}"""),
        "api": _one("""{apiVersion: v1, kind: Endpoints, metadata: {name: api, namespace: default},
            subsets: [{addresses: [{ip: 10.244.3.2}], ports: [{name: http, port: 8080}]}]}""")}
    text = "\n".join(describe(ing, [], NOW, Related(services_by_name=services, endpoints_by_name=endpoints))) + "\n"
    check_golden("describe-ingress.txt", text)
