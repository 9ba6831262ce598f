"""Stock kubectl (v1.32) with NetworkPolicies over skiff's REST API: the docs' example applied, defaults
(policyTypes, TCP), columns, describe equal to kubectl's own, and refusals with field paths."""
from __future__ import annotations

import pytest

from tests.fixtures.cli_runner import write

pytestmark = pytest.mark.integration

# kubernetes/website content/en/examples/service/networking/networkpolicy.yaml
NETWORK_POLICY = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: test-network-policy
  namespace: default
spec:
  podSelector:
    matchLabels:
      role: db
  policyTypes:
  - Ingress
  - Egress
  ingress:
  - from:
    - ipBlock:
        cidr: 172.17.0.0/16
        except:
        - 172.17.1.0/24
    - namespaceSelector:
        matchLabels:
          project: myproject
    - podSelector:
        matchLabels:
          role: frontend
    ports:
    - protocol: TCP
      port: 6379
  egress:
  - to:
    - ipBlock:
        cidr: 10.0.0.0/24
    ports:
    - protocol: TCP
      port: 5978
"""
# ... service/networking/network-policy-default-deny-ingress.yaml
DEFAULT_DENY_INGRESS = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-ingress
spec:
  podSelector: {}
  policyTypes:
  - Ingress
"""
# ... service/networking/networkpolicy-multiport-egress.yaml, without policyTypes: derived from the rules
MULTIPORT_EGRESS = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: multi-port-egress
  namespace: default
spec:
  podSelector:
    matchLabels:
      role: db
  egress:
  - to:
    - ipBlock:
        cidr: 10.0.0.0/24
    ports:
    - port: 32000
      endPort: 32768
"""

# Every branch of kubectl's description: expressions, labels and annotations, a port without a number, a
# named port, empty rules, both selectors in one peer, empty selectors
ODD = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: odd
  labels: {a: b, c: d}
  annotations: {note: hi}
spec:
  podSelector:
    matchExpressions:
    - {key: app, operator: In, values: [a, b]}
  ingress:
  - ports:
    - protocol: UDP
    - port: http
  - from:
    - namespaceSelector: {}
      podSelector: {matchLabels: {x: z}}
  egress:
  - {}
  - to:
    - podSelector: {}
"""


async def test_apply_get_and_describe_the_docs_policies(kubectl, skiff, client, tmp_path):
    for name, text in (("np.yaml", NETWORK_POLICY), ("deny.yaml", DEFAULT_DENY_INGRESS), ("multi.yaml", MULTIPORT_EGRESS)):
        applied = await kubectl("apply", "-f", write(tmp_path, name, text))
        assert applied.code == 0 and applied.out.strip().endswith(" created"), applied.err
    again = await kubectl("apply", "-f", write(tmp_path, "np.yaml", NETWORK_POLICY))
    assert (again.code, again.out.strip()) == (0, "networkpolicy.networking.k8s.io/test-network-policy unchanged")
    multi = await client.get("NetworkPolicy", "multi-port-egress")
    assert list(multi.spec.policy_types) == ["Ingress", "Egress"]
    assert (multi.spec.egress[0].ports[0].protocol, multi.spec.egress[0].ports[0].end_port) == ("TCP", 32768)
    listed = await kubectl("get", "netpol")
    assert [line.split()[:2] for line in listed.out.splitlines()] == [
        ["NAME", "POD-SELECTOR"], ["default-deny-ingress", "<none>"], ["multi-port-egress", "role=db"],
        ["test-network-policy", "role=db"]]
    ours = await skiff("get", "networkpolicies")
    assert [line.split()[:2] for line in ours.out.splitlines()] == [line.split()[:2] for line in listed.out.splitlines()]
    theirs = await kubectl("describe", "networkpolicy", "test-network-policy")
    described = await skiff("describe", "networkpolicy", "test-network-policy")
    assert theirs.code == 0 and described.code == 0, theirs.err + described.err
    assert described.out == theirs.out
    assert "      IPBlock:\n        CIDR: 172.17.0.0/16\n        Except: 172.17.1.0/24" in theirs.out
    assert (await kubectl("apply", "-f", write(tmp_path, "odd.yaml", ODD))).code == 0
    every = await kubectl("describe", "netpol")
    assert "To Port Range: 32000-32768/TCP" in every.out and "To Port: <nil>/UDP" in every.out
    assert (await skiff("describe", "netpol")).out == every.out


@pytest.mark.parametrize("change, message", [
    (("cidr: 172.17.0.0/16", "cidr: 172.17.0.0"),
     'spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "172.17.0.0": not a valid CIDR'),
    (("- 172.17.1.0/24", "- 10.1.0.0/24"),
     'spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "10.1.0.0/24": must be a strict subset of `cidr`'),
    (("port: 5978", "port: 5978\n      endPort: 5000"),
     "spec.egress[0].ports[0].endPort: Invalid value: 5978: must be greater than or equal to `port`"),
    (("  - Egress\n", "  - Egress\n  - Sideways\n"), "spec.policyTypes: Invalid value"),
])
async def test_invalid_policies_are_refused_with_field_paths_and_nothing_stored(kubectl, client, tmp_path, change,
                                                                                 message):
    done = await kubectl("apply", "-f", write(tmp_path, "bad.yaml", NETWORK_POLICY.replace(*change)))
    assert done.code != 0
    assert 'The NetworkPolicy "test-network-policy" is invalid' in done.err, done.err
    assert message in done.err, done.err
    assert not (await client.list("NetworkPolicy", "default")).items
