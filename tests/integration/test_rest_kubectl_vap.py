"""Stock kubectl (v1.32) with admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy and its binding, as the
Kubernetes docs' examples use them: served and printed as kubectl does, and enforced by the admission chain
(Deny in Kubernetes' words, Warn as a warning, params from a ConfigMap, a syntax error refused on write)."""
from __future__ import annotations

import shutil

import pytest

from tests.fixtures import docs_examples
from tests.fixtures.cli_runner import write
from tests.fixtures.wait import eventually

pytestmark = pytest.mark.integration


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
        return got if got.code != 0 and "denied request" in got.err else None
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


async def test_warn_action_admits_with_kubernetes_warning(kubectl, tmp_path):
    await _apply(kubectl, tmp_path, "ns.yaml", NAMESPACE)
    await _apply(kubectl, tmp_path, "policy.yaml", POLICY)
    await _apply(kubectl, tmp_path, "binding.yaml", BINDING.format(actions="Warn, Audit"))
    path = write(tmp_path, "deploy.yaml", deployment(6))

    async def warned():
        got = await kubectl("apply", "-f", path, "--dry-run=server")
        return got if "Warning:" in got.err else None
    got = await eventually(warned, what="the policy to warn")
    assert got.code == 0
    assert ("Warning: Validation failed for ValidatingAdmissionPolicy 'demo-policy.example.com' with binding "
            "'demo-binding-test.example.com': failed expression: object.spec.replicas <= 5") in got.err


PARAM_POLICY = """apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: replicalimit-policy.example.com
spec:
  paramKind: {apiVersion: v1, kind: ConfigMap}
  matchConstraints:
    resourceRules:
    - apiGroups: ["apps"]
      apiVersions: ["v1"]
      operations: ["CREATE", "UPDATE"]
      resources: ["deployments"]
  validations:
  - expression: "object.spec.replicas <= int(params.data.maxReplicas)"
    messageExpression: "'object.spec.replicas must be no greater than ' + params.data.maxReplicas"
    reason: Forbidden
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: replicalimit-binding-test.example.com
spec:
  policyName: replicalimit-policy.example.com
  validationActions: [Deny]
  paramRef: {name: replica-limit-test, namespace: default, parameterNotFoundAction: Deny}
  matchResources:
    namespaceSelector:
      matchLabels: {environment: test}
"""

LIMIT = """apiVersion: v1
kind: ConfigMap
metadata: {name: replica-limit-test, namespace: default}
data: {maxReplicas: "3"}
"""


async def test_params_from_a_config_map_set_the_limit_and_a_missing_one_denies(kubectl, tmp_path):
    await _apply(kubectl, tmp_path, "ns.yaml", NAMESPACE)
    made = await _apply(kubectl, tmp_path, "policy.yaml", PARAM_POLICY)
    assert "validatingadmissionpolicy.admissionregistration.k8s.io/replicalimit-policy.example.com created" in made.out
    listed = await kubectl("get", "validatingadmissionpolicybindings")
    assert listed.out.split("\n")[1].split()[:3] == ["replicalimit-binding-test.example.com",
                                                     "replicalimit-policy.example.com", "default/replica-limit-test"]
    missing = await _refused(kubectl, tmp_path, deployment(1))
    assert missing.err.strip() == (  # a configuration error has no reason of its own: Invalid
        'The deployments "nginx" is invalid: : ValidatingAdmissionPolicy \'replicalimit-policy.example.com\' with binding '
        '\'replicalimit-binding-test.example.com\' denied request: failed to configure binding: no params found for '
        'policy binding with `Deny` parameterNotFoundAction')
    await _apply(kubectl, tmp_path, "limit.yaml", LIMIT)
    path = write(tmp_path, "four.yaml", deployment(4))

    async def judged_by_the_limit():
        got = await kubectl("apply", "-f", path)
        return got if "must be no greater than" in got.err else None
    got = await eventually(judged_by_the_limit, what="the ConfigMap to be the policy's params")
    assert got.err.strip() == (  # the validation's reason: Forbidden
        'Error from server (Forbidden): error when creating "' + path + '": deployments.apps "nginx" is forbidden: '
        "ValidatingAdmissionPolicy 'replicalimit-policy.example.com' with binding "
        "'replicalimit-binding-test.example.com' denied request: object.spec.replicas must be no greater than 3")
    assert (await kubectl("apply", "-f", write(tmp_path, "three.yaml", deployment(3)))).code == 0


async def test_a_policy_whose_expression_does_not_compile_is_refused_naming_the_field(kubectl, tmp_path):
    broken = POLICY.replace("object.spec.replicas <= 5", "object.spec.replicas <=")
    got = await kubectl("apply", "-f", write(tmp_path, "broken.yaml", broken))
    assert got.code == 1
    assert got.err.startswith('The ValidatingAdmissionPolicy "demo-policy.example.com" is invalid: '
                              'spec.validations[0].expression: Invalid value: "object.spec.replicas <=": '
                              "compilation failed: ERROR: <input>:1:")
    assert "NotFound" in (await kubectl("get", "validatingadmissionpolicy", "demo-policy.example.com")).err


async def test_the_docs_example_files_apply_as_they_are(kubectl, tmp_path):
    for name in ("validatingadmissionpolicy__basic-example-policy.yaml",
                 "validatingadmissionpolicy__basic-example-binding.yaml",
                 "access__validating-admission-policy-audit-annotation.yaml",
                 "access__manifest-admission-control__vap-min-replicas.yaml",
                 "validatingadmissionpolicy__typechecking.yaml"):
        copied = shutil.copy(docs_examples.path(name), tmp_path / name)
        got = await kubectl("apply", "-f", str(copied))
        assert got.code == 0, (name, got.err)
    # the docs' type-checking example: its mistake shows in the status, as Kubernetes' controller writes it
    shown = await kubectl("get", "validatingadmissionpolicy", "deploy-replica-policy.example.com", "-o",
                          "jsonpath={.status.typeChecking.expressionWarnings[0].warning}")
    assert shown.out == ("apps/v1, Kind=Deployment: ERROR: <input>:1:7: undefined field 'replicas'\n"
                         " | object.replicas > 1\n | ......^")


PROTECT = """apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: protect-config}
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: ["v1"]
      operations: ["DELETE"]
      resources: ["configmaps"]
    objectSelector: {matchLabels: {protected: "true"}}
  validations:
  - expression: "object == null && oldObject.metadata.name != ''"
    message: "protected configuration cannot be deleted"
    reason: Forbidden
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: protect-config}
spec:
  policyName: protect-config
  validationActions: [Deny]
"""


async def test_a_delete_is_judged_with_the_old_object_and_policies_never_judge_themselves(kubectl, tmp_path):
    # the policy "fails" on every delete it matches: only the labelled ConfigMap is kept
    await _apply(kubectl, tmp_path, "protect.yaml", PROTECT.replace("object == null &&", "object != null &&"))
    assert (await kubectl("create", "configmap", "keep", "--from-literal=a=b")).code == 0
    assert (await kubectl("label", "configmap", "keep", "protected=true")).code == 0
    assert (await kubectl("create", "configmap", "scratch")).code == 0

    async def refused():
        got = await kubectl("delete", "configmap", "keep", "--dry-run=server")
        return got if got.code != 0 else None
    got = await eventually(refused, what="the policy to refuse the delete")
    assert got.err.strip() == ('Error from server (Forbidden): configmaps "keep" is forbidden: '
                               "ValidatingAdmissionPolicy 'protect-config' with binding 'protect-config' denied "
                               "request: protected configuration cannot be deleted")
    assert (await kubectl("delete", "configmap", "scratch")).code == 0
    # a policy matching the admission resources themselves is not applied to them (no lock-out)
    everything = PROTECT.replace('apiGroups: [""]', 'apiGroups: ["*"]').replace('apiVersions: ["v1"]',
                                                                                 'apiVersions: ["*"]')
    everything = everything.replace('resources: ["configmaps"]', 'resources: ["*"]').replace(
        '    objectSelector: {matchLabels: {protected: "true"}}\n', "")
    await _apply(kubectl, tmp_path, "everything.yaml", everything.replace("object == null &&", "object != null &&"))

    async def every_delete_refused():
        return (await kubectl("delete", "serviceaccount", "default", "--dry-run=server")).code != 0
    await eventually(every_delete_refused, what="the policy to match every delete")
    assert (await kubectl("delete", "validatingadmissionpolicybinding", "protect-config")).code == 0


REPLICA_LIMIT_CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: replicalimits.rules.example.com}
spec:
  group: rules.example.com
  scope: Namespaced
  names: {plural: replicalimits, singular: replicalimit, kind: ReplicaLimit}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          maxReplicas: {type: integer}
---
apiVersion: rules.example.com/v1
kind: ReplicaLimit
metadata: {name: replica-limit-test.example.com, namespace: default}
maxReplicas: 3
"""


async def test_the_docs_replica_limit_params_are_a_custom_resource(kubectl, tmp_path):
    await _apply(kubectl, tmp_path, "ns.yaml", NAMESPACE)
    crd, limit = REPLICA_LIMIT_CRD.split("---\n")
    await _apply(kubectl, tmp_path, "crd.yaml", crd)

    async def limit_made():
        return (await kubectl("apply", "-f", write(tmp_path, "limit.yaml", limit))).code == 0
    await eventually(limit_made, what="the ReplicaLimit kind to be served")
    for name in ("validatingadmissionpolicy__policy-with-param.yaml", "validatingadmissionpolicy__binding-with-param.yaml"):
        got = await kubectl("apply", "-f", str(shutil.copy(docs_examples.path(name), tmp_path / name)))
        assert got.code == 0, got.err
    refused = await _refused(kubectl, tmp_path, deployment(4))
    assert refused.err.strip() == (
        'The deployments "nginx" is invalid: : ValidatingAdmissionPolicy \'replicalimit-policy.example.com\' with '
        "binding 'replicalimit-binding-test.example.com' denied request: failed expression: "
        "object.spec.replicas <= params.maxReplicas")
    assert (await kubectl("apply", "-f", write(tmp_path, "three.yaml", deployment(3)))).code == 0


async def test_a_custom_resource_is_judged_by_the_policies(kubectl, tmp_path):
    crd, _ = REPLICA_LIMIT_CRD.split("---\n")
    await _apply(kubectl, tmp_path, "crd.yaml", crd)
    await _apply(kubectl, tmp_path, "policy.yaml", """apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: sane-limits}
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: ["rules.example.com"]
      apiVersions: ["v1"]
      operations: ["CREATE", "UPDATE"]
      resources: ["replicalimits"]
  validations:
  - expression: "object.maxReplicas <= 10"
    message: "a limit above 10 is no limit"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: sane-limits}
spec: {policyName: sane-limits, validationActions: [Deny]}
""")
    refused = await _refused(kubectl, tmp_path, """apiVersion: rules.example.com/v1
kind: ReplicaLimit
metadata: {name: loose, namespace: default}
maxReplicas: 20
""", "loose.yaml")
    assert refused.err.strip() == ('The replicalimits "loose" is invalid: : ValidatingAdmissionPolicy \'sane-limits\' '
                                   "with binding 'sane-limits' denied request: a limit above 10 is no limit")
