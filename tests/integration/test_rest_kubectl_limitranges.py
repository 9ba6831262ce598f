"""Stock kubectl (v1.32) and skiff with LimitRanges over a real API server: the docs' memory-defaults and
cpu-constraints applied, pods given the defaults by the LimitRanger admission or refused in its words, columns
and describe."""
from __future__ import annotations

import pytest

from tests.fixtures.cli_runner import write
from tests.fixtures.wait import eventually

pytestmark = pytest.mark.integration

# kubernetes/website content/en/examples/admin/resource/memory-defaults.yaml
MEMORY_DEFAULTS = """apiVersion: v1
kind: LimitRange
metadata:
  name: mem-limit-range
spec:
  limits:
  - default:
      memory: 512Mi
    defaultRequest:
      memory: 256Mi
    type: Container
"""
# ... memory-defaults-pod.yaml
MEMORY_DEFAULTS_POD = """apiVersion: v1
kind: Pod
metadata:
  name: default-mem-demo
spec:
  containers:
  - name: default-mem-demo-ctr
    image: nginx
"""
# ... cpu-constraints.yaml
CPU_CONSTRAINTS = """apiVersion: v1
kind: LimitRange
metadata:
  name: cpu-min-max-demo-lr
spec:
  limits:
  - max:
      cpu: "800m"
    min:
      cpu: "200m"
    type: Container
"""
# ... cpu-constraints-pod-2.yaml: a limit over the maximum
CPU_CONSTRAINTS_POD_2 = """apiVersion: v1
kind: Pod
metadata:
  name: constraints-cpu-demo-2
spec:
  containers:
  - name: constraints-cpu-demo-2-ctr
    image: nginx
    resources:
      limits:
        cpu: "1.5"
      requests:
        cpu: "500m"
"""


async def _admission_sees(client):
    """The LimitRange has reached the API server's cache (which the admission reads, as Kubernetes' informer)."""
    pod = await client.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "probe"},
                               "spec": {"containers": [{"name": "c", "image": "nginx"}]}}, dry_run=True)
    return "kubernetes.io/limit-ranger" in pod.metadata.annotations or pod.spec.containers[0].resources.limits


async def test_a_pod_without_resources_gets_the_docs_memory_defaults(kubectl, skiff, client, tmp_path):
    applied = await kubectl("apply", "-f", write(tmp_path, "lr.yaml", MEMORY_DEFAULTS))
    assert (applied.code, applied.out.strip()) == (0, "limitrange/mem-limit-range created"), applied.err
    again = await kubectl("apply", "-f", write(tmp_path, "lr.yaml", MEMORY_DEFAULTS))
    assert (again.code, again.out.strip()) == (0, "limitrange/mem-limit-range unchanged"), again.err
    await eventually(lambda: _admission_sees(client), what="LimitRange in the admission's cache")
    made = await kubectl("apply", "-f", write(tmp_path, "pod.yaml", MEMORY_DEFAULTS_POD))
    assert made.code == 0, made.err
    pod = await client.get("Pod", "default-mem-demo")
    resources = pod.spec.containers[0].resources
    assert (dict(resources.requests), dict(resources.limits)) == ({"memory": "256Mi"}, {"memory": "512Mi"})
    assert pod.metadata.annotations["kubernetes.io/limit-ranger"] == (
        "LimitRanger plugin set: memory request for container default-mem-demo-ctr; "
        "memory limit for container default-mem-demo-ctr")
    # the defaults as the LimitRange itself was defaulted and as both CLIs show it
    listed = await kubectl("get", "limits")
    assert listed.out.splitlines()[0].split() == ["NAME", "CREATED", "AT"]
    assert listed.out.splitlines()[1].split()[0] == "mem-limit-range"
    ours = await skiff("get", "limitranges")
    assert ours.out.splitlines()[0].split() == ["NAME", "CREATED", "AT"], ours.err
    table = "Container   memory    -    -    256Mi            512Mi          -"
    described = await kubectl("describe", "limitrange", "mem-limit-range")
    assert table in described.out.splitlines(), described.out
    assert table in (await skiff("describe", "limits", "mem-limit-range")).out.splitlines()


async def test_a_pod_over_the_maximum_is_refused_in_kubernetes_words(kubectl, client, tmp_path):
    applied = await kubectl("apply", "-f", write(tmp_path, "lr.yaml", CPU_CONSTRAINTS))
    assert applied.code == 0, applied.err
    lr = await client.get("LimitRange", "cpu-min-max-demo-lr")
    assert (dict(lr.spec.limits[0].default), dict(lr.spec.limits[0].default_request)) == \
        ({"cpu": "800m"}, {"cpu": "800m"})
    await eventually(lambda: _admission_sees(client), what="LimitRange in the cache")
    refused = await kubectl("apply", "-f", write(tmp_path, "pod.yaml", CPU_CONSTRAINTS_POD_2))
    assert refused.code != 0
    assert ('pods "constraints-cpu-demo-2" is forbidden: maximum cpu usage per Container is 800m, '
            'but limit is 1500m') in refused.err, refused.err
    assert not (await client.list("Pod", "default")).items


async def test_an_invalid_limit_range_is_refused_naming_the_field(kubectl, client, tmp_path):
    bad = CPU_CONSTRAINTS.replace('cpu: "200m"', 'cpu: "1"')
    done = await kubectl("apply", "-f", write(tmp_path, "bad.yaml", bad))
    assert done.code != 0
    assert 'The LimitRange "cpu-min-max-demo-lr" is invalid' in done.err, done.err
    assert 'spec.limits[0].min[cpu]: Invalid value: "1": min value 1 is greater than max value 800m' in done.err
    assert not (await client.list("LimitRange", "default")).items
