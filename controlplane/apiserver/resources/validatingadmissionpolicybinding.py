"""ValidatingAdmissionPolicyBindings (admissionregistration.k8s.io/v1): which requests a policy applies to, with
which parameters, and whether a failure denies, warns or is audited."""
from __future__ import annotations

from controlplane.apiserver.resources.strategy import Strategy
from controlplane.apiserver.resources.validatingadmissionpolicy import default_match_resources
from controlplane.apiserver.validation import admissionpolicies
from proto import types_pb2


class ValidatingAdmissionPolicyBindingStrategy(Strategy):
    sample = {"metadata": {"name": "sample"}, "spec": {"policyName": "sample", "validationActions": ["Deny"]}}

    def default(self, b: types_pb2.ValidatingAdmissionPolicyBinding) -> None:
        if b.spec.HasField("match_resources"):
            default_match_resources(b.spec.match_resources)
        # Kubernetes' SetDefaults_ParamRef: a missing parameter object denies
        if b.spec.HasField("param_ref") and not b.spec.param_ref.HasField("parameter_not_found_action"):
            b.spec.param_ref.parameter_not_found_action = "Deny"

    def validate(self, b: types_pb2.ValidatingAdmissionPolicyBinding) -> list[str]:
        return admissionpolicies.validate_binding(b)


STRATEGY = ValidatingAdmissionPolicyBindingStrategy()
