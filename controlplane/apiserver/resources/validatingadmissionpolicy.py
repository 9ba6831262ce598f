"""ValidatingAdmissionPolicies (admissionregistration.k8s.io/v1): CEL checks the admission chain runs on the
requests they match, through their bindings (controlplane/apiserver/vap/)."""
from __future__ import annotations

from controlplane.apiserver.resources.strategy import Strategy
from controlplane.apiserver.validation import admissionpolicies
from controlplane.apiserver.vap import typecheck
from proto import types_pb2


def default_match_resources(m: types_pb2.MatchResources) -> None:
    """Kubernetes' SetDefaults_MatchResources: every namespace and object, Equivalent, rules of any scope."""
    if not m.HasField("match_policy"):
        m.match_policy = "Equivalent"
    m.namespace_selector.SetInParent()
    m.object_selector.SetInParent()
    for rule in [*m.resource_rules, *m.exclude_resource_rules]:
        if not rule.HasField("scope"):
            rule.scope = "*"


def _observe(p: types_pb2.ValidatingAdmissionPolicy, generation: int) -> None:
    """The status Kubernetes' type-checking controller writes: skiff checks at write time, so it is current
    at once (the field paths each validation reads from `object`, against the kinds it matches)."""
    p.status.observed_generation = generation
    p.status.type_checking.CopyFrom(typecheck.type_checking(p.spec))


class ValidatingAdmissionPolicyStrategy(Strategy):
    sample = {"metadata": {"name": "sample"}, "spec": {
        "matchConstraints": {"resourceRules": [{"apiGroups": ["apps"], "apiVersions": ["v1"],
                                                "operations": ["CREATE"], "resources": ["deployments"]}]},
        "validations": [{"expression": "object.spec.replicas <= 5"}]}}

    def default(self, p: types_pb2.ValidatingAdmissionPolicy) -> None:
        if not p.spec.HasField("failure_policy"):
            p.spec.failure_policy = "Fail"
        if p.spec.HasField("match_constraints"):
            default_match_resources(p.spec.match_constraints)

    def prepare_for_create(self, p: types_pb2.ValidatingAdmissionPolicy) -> None:
        _observe(p, p.metadata.generation or 1)

    def prepare_for_update(self, new: types_pb2.ValidatingAdmissionPolicy,
                           old: types_pb2.ValidatingAdmissionPolicy) -> None:
        # the registry bumps the generation when the defaulted spec changes: observe the one it will have
        self.default(new)
        _observe(new, old.metadata.generation + (new.spec != old.spec))

    def validate(self, p: types_pb2.ValidatingAdmissionPolicy) -> list[str]:
        return admissionpolicies.validate_policy(p)


STRATEGY = ValidatingAdmissionPolicyStrategy()
