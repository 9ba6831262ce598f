"""The metrics API's store: agents speak only for their own node, readers select by name, namespace, labels."""
from __future__ import annotations

import pytest

from api import errors
from controlplane.apiserver.metrics_store import MetricsStore
from proto import api_pb2, types_pb2


def pod(name, node, ns="default", uid=None, labels=None):
    return types_pb2.Pod(metadata=types_pb2.ObjectMeta(name=name, namespace=ns, uid=uid or f"uid-{name}",
                                                      labels=labels or {}),
                         spec=types_pb2.PodSpec(node_name=node))


def pm(p, cpu=1_000_000):
    return api_pb2.PodMetrics(metadata=types_pb2.ObjectMeta(name=p.metadata.name, namespace=p.metadata.namespace,
                                                           uid=p.metadata.uid),
                              containers=[api_pb2.ContainerMetrics(name="app", cpu_nanocores=cpu)])


class World:
    def __init__(self, *pods):
        self.pods = {(p.metadata.namespace, p.metadata.name): p for p in pods}
        self.nodes = {"n1": types_pb2.Node(metadata=types_pb2.ObjectMeta(name="n1", labels={"zone": "a"})),
                      "n2": types_pb2.Node(metadata=types_pb2.ObjectMeta(name="n2", labels={"zone": "b"}))}
        self.now = 0.0
        self.store = MetricsStore(lambda ns, name: self.pods.get((ns, name)), self.nodes.get, max_age=60,
                                  clock=lambda: self.now)

    def push(self, node, *pods):
        return self.store.push(api_pb2.PushMetricsRequest(
            node_name=node, node=api_pb2.NodeMetrics(metadata=types_pb2.ObjectMeta(name=node), cpu_nanocores=5),
            pods=[pm(p) for p in pods]))


def test_pod_metrics_carry_the_pods_current_labels_and_select_by_them():
    web, db = pod("web", "n1", labels={"app": "web"}), pod("db", "n1", labels={"app": "db"})
    w = World(web, db)
    w.push("n1", web, db)
    assert [m.metadata.name for m in w.store.pods("default", label_selector="app=web")] == ["web"]
    assert w.store.pods("default", "web")[0].metadata.labels["app"] == "web"


def test_pod_metrics_list_by_namespace_or_all():
    a, b = pod("a", "n1", ns="one"), pod("b", "n1", ns="two")
    w = World(a, b)
    w.push("n1", a, b)
    assert [m.metadata.name for m in w.store.pods("two")] == ["b"]
    assert [m.metadata.name for m in w.store.pods("")] == ["a", "b"]


def test_a_pod_without_a_sample_is_not_found_by_name():
    w = World(pod("web", "n1"))
    with pytest.raises(errors.NotFound, match='podmetrics.metrics.k8s.io "default/web" not found'):
        w.store.pods("default", "web")


def test_an_agent_pushing_a_pod_of_another_node_is_refused_and_nothing_is_stored():
    mine, theirs = pod("mine", "n1"), pod("theirs", "n2")
    w = World(mine, theirs)
    with pytest.raises(errors.Forbidden, match='node "n1" may not report metrics of pod "default/theirs"'):
        w.push("n1", mine, theirs)
    assert w.store.pods("") == []
    assert w.store.nodes() == []


def test_a_pod_re_created_under_the_same_name_is_skipped_as_stale():
    old = pod("web", "n1", uid="old")
    w = World(pod("web", "n2", uid="new"))
    assert w.push("n1", old) == 1
    assert w.store.pods("") == []


def test_a_nodes_push_replaces_its_pods():
    a, b = pod("a", "n1"), pod("b", "n1")
    w = World(a, b)
    w.push("n1", a, b)
    w.push("n1", b)
    assert [m.metadata.name for m in w.store.pods("")] == ["b"]


def test_node_metrics_select_by_node_labels_and_expire():
    w = World()
    w.push("n1")
    w.push("n2")
    assert [m.metadata.name for m in w.store.nodes(label_selector="zone=b")] == ["n2"]
    w.now = 61
    assert w.store.nodes() == []
    with pytest.raises(errors.NotFound, match='nodemetrics.metrics.k8s.io "n1" not found'):
        w.store.nodes("n1")


def test_a_bad_selector_is_invalid():
    with pytest.raises(errors.Invalid):
        World().store.pods("", label_selector="a in (")


def test_the_encoded_list_is_the_selected_samples_as_one_pod_metrics_list():
    a, b, c = pod("a", "n1", labels={"app": "web"}), pod("b", "n1"), pod("c", "n2", labels={"app": "web"})
    w = World(a, b, c)
    w.push("n1", a, b)
    w.push("n2", c)
    for args in (("", "", ""), ("default", "", "app=web"), ("default", "b", "")):
        assert api_pb2.PodMetricsList.FromString(w.store.pods_encoded(*args)) == \
            api_pb2.PodMetricsList(items=w.store.pods(*args))
    del w.pods[("default", "b")]
    assert [m.metadata.name for m in api_pb2.PodMetricsList.FromString(w.store.pods_encoded()).items] == ["a", "c"]


def test_a_list_follows_pods_added_and_dropped_after_an_earlier_list():
    a, b = pod("a", "n1"), pod("b", "n1")
    w = World(a, b)
    w.push("n1", b)
    assert [m.metadata.name for m in w.store.pods()] == ["b"]
    w.push("n1", a, b)
    assert [m.metadata.name for m in w.store.pods()] == ["a", "b"]
    w.push("n1", b)
    assert [m.metadata.name for m in w.store.pods()] == ["b"]
