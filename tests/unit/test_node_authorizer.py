"""The Node authorizer as a pure function over the pods bound to each node."""
from __future__ import annotations

from controlplane.apiserver.auth import node
from controlplane.apiserver.auth.attributes import Attributes
from controlplane.apiserver.auth.user import with_authenticated
from tests.fixtures.objects import from_yaml

N1 = with_authenticated("system:node:n1", ["system:nodes"])


class Graph:
    def __init__(self, *pods):
        self._pods = {(p.metadata.namespace, p.metadata.name): p for p in pods}

    def pod(self, namespace, name):
        return self._pods.get((namespace, name))

    def pods(self):
        return self._pods.values()


def pod(name, node_name, secret):
    return from_yaml(f"""
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: default}}
spec:
  nodeName: {node_name}
  volumes: [{{name: s, secret: {{secretName: {secret}}}}}]
  containers: [{{name: app, image: busybox}}]
""")


GRAPH = Graph(pod("p1", "n1", "s1"), pod("p2", "n2", "s2"))


def allowed(*args, **kw):
    return node.authorize(N1, Attributes(*args, **kw), GRAPH).allowed


def test_reads_its_pods_and_their_secrets_only():
    assert allowed("get", "", "pods", namespace="default", name="p1")
    assert not allowed("get", "", "pods", namespace="default", name="p2")
    assert allowed("get", "", "secrets", namespace="default", name="s1")
    assert not allowed("get", "", "secrets", namespace="default", name="s2")
    assert allowed("watch", "", "pods", namespace="", field_selector="spec.nodeName=n1")
    # any other list is RBAC's to decide (the bootstrap network policy agent role grants it to nodes)
    assert node.authorize(N1, Attributes("watch", "", "pods", namespace="", field_selector="spec.nodeName=n2"),
                          GRAPH) is None
    assert not allowed("list", "", "secrets", namespace="default")


def test_writes_its_node_lease_and_pod_status_only():
    assert allowed("update", "", "nodes", "status", name="n1")
    assert not allowed("update", "", "nodes", "status", name="n2")
    assert allowed("update", "coordination.k8s.io", "leases", namespace="kube-node-lease", name="n1")
    assert not allowed("update", "coordination.k8s.io", "leases", namespace="kube-node-lease", name="n2")
    assert allowed("update", "", "pods", "status", namespace="default", name="p1")
    assert not allowed("update", "", "pods", "status", namespace="default", name="p2")
    assert not allowed("update", "", "pods", namespace="default", name="p1")  # the spec is not the node's
    assert not allowed("create", "", "pods", "exec", namespace="default", name="p1")
    assert allowed("create", "", "events", namespace="default")


def test_asks_about_its_own_callers_as_kubernetes_node_authorizer_allows():
    assert allowed("create", "authorization.k8s.io", "subjectaccessreviews")
    assert allowed("create", "authentication.k8s.io", "tokenreviews")
    assert not allowed("get", "authorization.k8s.io", "subjectaccessreviews")


def test_no_opinion_for_anyone_else():
    someone = with_authenticated("alice", [])
    assert node.authorize(someone, Attributes("get", "", "pods", namespace="default", name="p1"), GRAPH) is None
