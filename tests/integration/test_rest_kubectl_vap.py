"""Stock kubectl (v1.32) with admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy and its binding, as the
Kubernetes docs' examples use them: served and printed as kubectl does, and enforced by the admission chain
(Deny in Kubernetes' words, Warn as a warning, params from a ConfigMap, a syntax error refused on write)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.fixtures.cli_runner import write
from tests.fixtures.wait import eventually

pytestmark = pytest.mark.integration

CORPUS = Path("/work/sweep/corpus")

POLICY = """apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: "demo-policy.example.com"
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups:   ["apps"]
      apiVersions: ["v1"]
      operations:  ["CREATE", "UPDATE"]
      resources:   ["deployments"]
  validations:
    - expression: "object.spec.replicas <= 5"
"""

BINDING = """apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: "demo-binding-test.example.com"
spec:
  policyName: "demo-policy.example.com"
  validationActions: [{actions}]
  matchResources:
    namespaceSelector:
      matchLabels:
        environment: test
"""

NAMESPACE = """apiVersion: v1
kind: Namespace
metadata:
  name: test
  labels: {environment: test}
"""


def deployment(replicas: int, name: str = "nginx", namespace: str = "test") -> str:
    return f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: {namespace}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers: [{{name: c, image: nginx}}]
"""


async def _apply(kubectl, tmp_path, name: str, text: str):
    made = await kubectl("apply", "-f", write(tmp_path, name, text))
    assert made.code == 0, made.err
    return made


async def _refused(kubectl, tmp_path, text: str, name: str = "deploy.yaml"):
    """Apply until the policy (reached through the watch cache) refuses; the failed result."""
    path = write(tmp_path, name, text)

    async def attempt():
        got = await kubectl("apply", "-f", path)
        return got if got.code != 0 else None
    return await eventually(attempt, what="the policy to refuse")


async def test_the_docs_basic_example_denies_too_many_replicas_in_kubernetes_words(kubectl, tmp_path):
    await _apply(kubectl, tmp_path, "ns.yaml", NAMESPACE)
    await _apply(kubectl, tmp_path, "policy.yaml", POLICY)
    made = await _apply(kubectl, tmp_path, "binding.yaml", BINDING.format(actions="Deny"))
    assert "validatingadmissionpolicybinding.admissionregistration.k8s.io/demo-binding-test.example.com created" \
        in made.out
    refused = await _refused(kubectl, tmp_path, deployment(6))
    assert refused.err.strip() == (
        'The deployments "nginx" is invalid: : ValidatingAdmissionPolicy \'demo-policy.example.com\' with binding '
        '\'demo-binding-test.example.com\' denied request: failed expression: object.spec.replicas <= 5')
    # within the limit, and outside the bound namespaces, it is admitted
    assert (await kubectl("apply", "-f", write(tmp_path, "ok.yaml", deployment(5)))).code == 0
    assert (await kubectl("apply", "-f", write(tmp_path, "other.yaml", deployment(9, namespace="default")))).code == 0
    # an update is judged too; the scale subresource is not `deployments` (as in Kubernetes, a rule must name it)
    updated = await kubectl("apply", "-f", write(tmp_path, "more.yaml", deployment(7)))
    assert updated.code != 0 and "denied request: failed expression" in updated.err
    assert (await kubectl("scale", "deployment/nginx", "-n", "test", "--replicas=7")).code == 0

    policies = await kubectl("get", "validatingadmissionpolicies")
    assert policies.out.split("\n")[0].split() == ["NAME", "VALIDATIONS", "PARAMKIND", "AGE"]
    assert policies.out.split("\n")[1].split()[:3] == ["demo-policy.example.com", "1", "<unset>"]
    bindings = await kubectl("get", "validatingadmissionpolicybinding")
    assert bindings.out.split("\n")[1].split()[:3] == ["demo-binding-test.example.com", "demo-policy.example.com",
                                                       "<unset>"]
    shown = await kubectl("get", "validatingadmissionpolicy", "demo-policy.example.com", "-o", "yaml")
    assert "failurePolicy: Fail" in shown.out and "observedGeneration: 1" in shown.out
