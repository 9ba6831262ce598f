"""The downward API: pod fields and container resources as the kubelet writes them."""
import pytest

from nodeagent import downward
from tests.fixtures.objects import from_yaml

POD = from_yaml("""
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, uid: u-1, labels: {app: web, tier: "front end"}, annotations: {b: "2", a: "1"}}
spec:
  nodeName: node-1
  containers:
  - name: app
    image: busybox
    resources: {limits: {cpu: 500m, memory: 64Mi}}
  - name: side
    image: busybox
    resources: {requests: {cpu: 250m}}
""")
FACTS = downward.PodFacts(pod_ip="10.244.1.5", host_ip="192.168.1.2", allocatable={"cpu": "2", "memory": "8Gi"})


def test_all_labels_are_sorted_quoted_lines():
    assert downward.field_value(POD, "metadata.labels", FACTS) == 'app="web"\ntier="front end"'
    assert downward.field_value(POD, "metadata.annotations", FACTS) == 'a="1"\nb="2"'


@pytest.mark.parametrize("path,expected", [("metadata.name", "web"), ("metadata.namespace", "shop"),
                                           ("metadata.uid", "u-1"), ("metadata.labels['tier']", "front end"),
                                           ("status.podIP", "10.244.1.5"), ("spec.nodeName", "node-1")])
def test_single_fields(path, expected):
    assert downward.field_value(POD, path, FACTS) == expected


@pytest.mark.parametrize("container,resource,divisor,expected", [
    ("app", "limits.cpu", "", "1"),  # 500m rounds up to a whole core
    ("app", "limits.cpu", "1m", "500"),
    ("app", "limits.memory", "1Mi", "64"),
    ("app", "requests.cpu", "1m", "500"),  # an unset request is the limit
    ("side", "limits.cpu", "1m", "2000"),  # an unset limit is the node's allocatable
    ("side", "requests.memory", "", "0"),
])
def test_resources_in_units_of_the_divisor(container, resource, divisor, expected):
    assert downward.resource_value(POD, container, resource, divisor, FACTS) == expected


def test_unknown_paths_and_resources_name_themselves():
    with pytest.raises(downward.DownwardError, match="spec.bogus"):
        downward.field_value(POD, "spec.bogus", FACTS)
    with pytest.raises(downward.DownwardError, match="limits.gpu"):
        downward.resource_value(POD, "app", "limits.gpu", "", FACTS)
    with pytest.raises(downward.DownwardError, match="'nope'"):
        downward.resource_value(POD, "nope", "limits.cpu", "", FACTS)
