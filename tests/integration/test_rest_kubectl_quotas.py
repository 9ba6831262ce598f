"""Stock kubectl (v1.32) with ResourceQuotas over a real API server: the docs' quota-mem-cpu and quota-pod
applied, the quota controller's status in kubectl's columns and describe, creates over quota refused."""
from __future__ import annotations

import pytest

from tests.fixtures.cli_runner import write
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.wait import eventually

pytestmark = pytest.mark.integration

# kubernetes/website content/en/examples/admin/resource/quota-mem-cpu.yaml
QUOTA_MEM_CPU = """apiVersion: v1
kind: ResourceQuota
metadata:
  name: mem-cpu-demo
spec:
  hard:
    requests.cpu: "1"
    requests.memory: 1Gi
    limits.cpu: "2"
    limits.memory: 2Gi
"""
# ... quota-mem-cpu-pod.yaml (and -pod-2.yaml: the same asking for 700Mi)
POD = """apiVersion: v1
kind: Pod
metadata:
  name: quota-mem-cpu-demo
spec:
  containers:
  - name: quota-mem-cpu-demo-ctr
    image: nginx
    resources:
      limits:
        memory: "800Mi"
        cpu: "800m"
      requests:
        memory: "600Mi"
        cpu: "400m"
"""
POD_2 = POD.replace("quota-mem-cpu-demo\n", "quota-mem-cpu-demo-2\n").replace(
    '"800Mi"', '"1Gi"').replace('"600Mi"', '"700Mi"')
# ... quota-pod.yaml
QUOTA_POD = """apiVersion: v1
kind: ResourceQuota
metadata:
  name: pod-demo
spec:
  hard:
    pods: "2"
"""


async def _used(client, name, resource):
    rq = await client.get("ResourceQuota", name)
    return rq.status.used.get(resource)


async def test_the_docs_memory_quota_refuses_the_second_pod(kubectl, client, tmp_path):
    async with running_manager(client, ["resourcequota"]):
        applied = await kubectl("apply", "-f", write(tmp_path, "quota.yaml", QUOTA_MEM_CPU))
        assert (applied.code, applied.out.strip()) == (0, "resourcequota/mem-cpu-demo created"), applied.err
        await eventually(lambda: _used(client, "mem-cpu-demo", "requests.memory"), what="quota status")
        made = await kubectl("apply", "-f", write(tmp_path, "pod.yaml", POD))
        assert made.code == 0, made.err
        await eventually(lambda: _used_is(client, "mem-cpu-demo", "requests.memory", "600Mi"), what="usage")
        refused = await kubectl("apply", "-f", write(tmp_path, "pod2.yaml", POD_2))
        assert refused.code != 0
        assert ('pods "quota-mem-cpu-demo-2" is forbidden: exceeded quota: mem-cpu-demo, requested: '
                'requests.memory=700Mi, used: requests.memory=600Mi, limited: requests.memory=1Gi') in refused.err
        bare = await kubectl("run", "bare", "--image=nginx")
        assert bare.code != 0
        assert ('pods "bare" is forbidden: failed quota: mem-cpu-demo: must specify limits.cpu for: bare; '
                'limits.memory for: bare; requests.cpu for: bare; requests.memory for: bare') in bare.err, bare.err
        listed = await kubectl("get", "quota")
        assert listed.out.splitlines()[0].split() == ["NAME", "AGE", "REQUEST", "LIMIT"]
        assert "requests.cpu: 400m/1, requests.memory: 600Mi/1Gi" in listed.out, listed.out
        described = (await kubectl("describe", "quota", "mem-cpu-demo")).out.splitlines()
        assert "requests.memory  600Mi  1Gi" in described, described


async def _used_is(client, name, resource, value):
    return await _used(client, name, resource) == value


async def test_the_docs_pod_quota_refuses_the_third_pod(kubectl, client, tmp_path):
    async with running_manager(client, ["resourcequota"]):
        applied = await kubectl("apply", "-f", write(tmp_path, "quota.yaml", QUOTA_POD))
        assert applied.code == 0, applied.err
        await eventually(lambda: _used_is(client, "pod-demo", "pods", "0"), what="quota status")
        for name in ("one", "two"):
            assert (await kubectl("run", name, "--image=nginx")).code == 0
        await eventually(lambda: _used_is(client, "pod-demo", "pods", "2"), what="usage of two pods")
        third = await kubectl("run", "three", "--image=nginx")
        assert third.code != 0
        assert ('pods "three" is forbidden: exceeded quota: pod-demo, requested: pods=1, used: pods=2, '
                'limited: pods=2') in third.err, third.err


async def test_an_invalid_quota_is_refused_naming_the_field(kubectl, client, tmp_path):
    done = await kubectl("apply", "-f", write(tmp_path, "bad.yaml", QUOTA_POD.replace('"2"', '"-2"')))
    assert done.code != 0
    assert 'spec.hard[pods]: Invalid value: "-2": must be greater than or equal to 0' in done.err, done.err
    assert not (await client.list("ResourceQuota", "default")).items


# kubernetes/website content/en/examples/policy/priority-class-resourcequota.yaml
PRIORITY_CLASS_QUOTA = """apiVersion: v1
kind: ResourceQuota
metadata:
  name: pods-cluster-services
spec:
  scopeSelector:
    matchExpressions:
      - operator : In
        scopeName: PriorityClass
        values: ["cluster-services"]
"""


async def test_the_docs_priority_class_quota_is_applied_with_its_scope_selector(kubectl, client, tmp_path):
    applied = await kubectl("apply", "-f", write(tmp_path, "quota.yaml", PRIORITY_CLASS_QUOTA))
    assert (applied.code, applied.out.strip()) == (0, "resourcequota/pods-cluster-services created"), applied.err
    rq = await client.get("ResourceQuota", "pods-cluster-services")
    (req,) = rq.spec.scope_selector.match_expressions
    assert (req.scope_name, req.operator, list(req.values)) == ("PriorityClass", "In", ["cluster-services"])


async def test_kubectl_create_quota_over_protobuf(kubectl, client):
    # BestEffort pods are limited by count only (Kubernetes refuses a compute resource under that scope)
    made = await kubectl("create", "quota", "best-effort", "--hard=pods=2,count/jobs.batch=3",
                         "--scopes=BestEffort")
    assert (made.code, made.out.strip()) == (0, "resourcequota/best-effort created"), made.err
    rq = await client.get("ResourceQuota", "best-effort")
    assert dict(rq.spec.hard) == {"pods": "2", "count/jobs.batch": "3"}
    assert list(rq.spec.scopes) == ["BestEffort"]
