"""NetworkPolicies (networking.k8s.io/v1): policyTypes and port protocols defaulted as Kubernetes does;
the node agents enforce them in nftables (nodeagent/netpol)."""
from __future__ import annotations

from controlplane.apiserver.resources.strategy import Strategy
from controlplane.apiserver.validation import networkpolicy
from proto import types_pb2


def default_policy_types(spec: types_pb2.NetworkPolicySpec) -> None:
    """Kubernetes' SetDefaults_NetworkPolicy: unset policyTypes are Ingress, and Egress when egress
    rules exist."""
    if not spec.policy_types:
        spec.policy_types.append("Ingress")
        if spec.egress:
            spec.policy_types.append("Egress")


class NetworkPolicyStrategy(Strategy):
    sample = {"metadata": {"name": "sample"}, "spec": {"podSelector": {}}}

    def default(self, policy: types_pb2.NetworkPolicy) -> None:
        policy.spec.pod_selector.SetInParent()  # required in Kubernetes' shape: `{}` selects every pod
        default_policy_types(policy.spec)
        for rules in (policy.spec.ingress, policy.spec.egress):
            for rule in rules:
                for port in rule.ports:
                    if not port.HasField("protocol"):
                        port.protocol = "TCP"

    def validate(self, policy: types_pb2.NetworkPolicy) -> list[str]:
        return networkpolicy.validate_network_policy(policy)


STRATEGY = NetworkPolicyStrategy()
