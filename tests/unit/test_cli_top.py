"""`skiff top` prints what kubectl top prints: millicores rounded up, whole MiB, percent of allocatable."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from cli import printers, top
from proto import api_pb2, types_pb2

MiB = 2**20


def pm(name, cpu, mem, ns="default"):
    return api_pb2.PodMetrics(metadata=types_pb2.ObjectMeta(name=name, namespace=ns),
                              containers=[api_pb2.ContainerMetrics(name="app", cpu_nanocores=cpu, memory_bytes=mem)])


def node(name, cpu="2", memory="4Gi"):
    n = types_pb2.Node(metadata=types_pb2.ObjectMeta(name=name))
    n.status.allocatable["cpu"] = cpu
    n.status.allocatable["memory"] = memory
    return n


def test_pods_table_has_kubectls_columns_and_units():
    rows = top.pod_rows(top.pod_usage([pm("web", 249_500_001, 64 * MiB + 5)]), all_namespaces=False, containers=False)
    assert printers.render_rows(rows) == ["NAME   CPU(cores)   MEMORY(bytes)", "web    250m         64Mi"]


def test_pods_with_containers_and_all_namespaces():
    rows = top.pod_rows(top.pod_usage([pm("web", 1_000_000_000, MiB, ns="prod")]), all_namespaces=True, containers=True)
    assert rows == [["NAMESPACE", "POD", "NAME", "CPU(cores)", "MEMORY(bytes)"], ["prod", "web", "app", "1000m", "1Mi"]]


def test_sort_by_cpu_and_memory_puts_the_heaviest_first():
    usage = top.pod_usage([pm("a", 1, 30), pm("b", 3, 10), pm("c", 2, 20)])
    assert [u.name for u in top.sort_pods(usage, "cpu")] == ["b", "c", "a"]
    assert [u.name for u in top.sort_pods(usage, "memory")] == ["a", "c", "b"]


def test_nodes_table_shows_percent_of_allocatable_and_unknown_for_nodes_without_metrics():
    metrics = [api_pb2.NodeMetrics(metadata=types_pb2.ObjectMeta(name="n1"), cpu_nanocores=500_000_000,
                                   memory_bytes=1024 * MiB)]
    rows = top.node_rows(metrics, {"n1": node("n1"), "n2": node("n2")})
    assert printers.render_rows(rows) == [
        "NAME   CPU(cores)   CPU(%)      MEMORY(bytes)   MEMORY(%)",
        "n1     500m         25%         1024Mi          25%",
        "n2     <unknown>    <unknown>   <unknown>       <unknown>"]


def test_no_metrics_for_young_pods_is_not_available_yet_and_for_old_ones_names_the_pod():
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    young = types_pb2.Pod(metadata=types_pb2.ObjectMeta(name="y", namespace="default",
                                                       creation_timestamp="2025-12-31T23:59:30Z"))
    assert top.why_empty([young], now) == "metrics not available yet"
    old = types_pb2.Pod(metadata=types_pb2.ObjectMeta(name="o", namespace="default",
                                                     creation_timestamp=(now - timedelta(seconds=185)).strftime(
                                                         "%Y-%m-%dT%H:%M:%SZ")))
    assert top.why_empty([old], now) == "Metrics not available for pod default/o, age: 3m5s"
    assert top.why_empty([], now) is None
