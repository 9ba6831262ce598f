"""A container's environment: values, downward-API field refs, and $(VAR) expansion."""
import pytest

from nodeagent import downward, envvars
from tests.fixtures.objects import from_yaml

POD = from_yaml("""
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, uid: u-1, labels: {app: web}, annotations: {team: blue}}
spec:
  nodeName: node-1
  serviceAccountName: builder
  containers:
  - name: app
    image: busybox
    command: [sh, -c, "echo $(GREETING) $$(NOT_EXPANDED) $(MISSING)"]
    args: ["$(POD_IP)"]
    env:
    - {name: GREETING, value: hi}
    - {name: BOTH, value: "$(GREETING)-$(POD_NAME)"}
    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
    - {name: UID, valueFrom: {fieldRef: {fieldPath: metadata.uid}}}
    - {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
    - {name: HOST_IP, valueFrom: {fieldRef: {fieldPath: status.hostIP}}}
    - {name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
    - {name: SA, valueFrom: {fieldRef: {fieldPath: spec.serviceAccountName}}}
    - {name: APP, valueFrom: {fieldRef: {fieldPath: "metadata.labels['app']"}}}
    - {name: TEAM, valueFrom: {fieldRef: {fieldPath: "metadata.annotations['team']"}}}
    - {name: AFTER, value: "$(POD_NAME)"}
""")

FACTS = downward.PodFacts(pod_ip="10.244.1.5", host_ip="192.168.1.2")


def test_values_and_field_refs_resolve_in_order():
    env = envvars.resolve(POD.spec.containers[0], POD, FACTS)
    assert env == {"GREETING": "hi", "BOTH": "hi-$(POD_NAME)", "POD_NAME": "web", "NS": "shop", "UID": "u-1",
                   "POD_IP": "10.244.1.5", "HOST_IP": "192.168.1.2", "NODE": "node-1", "SA": "builder",
                   "APP": "web", "TEAM": "blue", "AFTER": "web"}
    assert list(env) == [e.name for e in POD.spec.containers[0].env]


def test_command_and_args_expand_known_variables_only():
    c = POD.spec.containers[0]
    env = envvars.resolve(c, POD, FACTS)
    command, args = envvars.command_line(c, env)
    assert command == ["sh", "-c", "echo hi $(NOT_EXPANDED) $(MISSING)"]
    assert args == ["10.244.1.5"]


def test_unsupported_field_path_names_the_path():
    pod = from_yaml("""
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - {name: app, image: busybox, env: [{name: X, valueFrom: {fieldRef: {fieldPath: spec.bogus}}}]}
""")
    with pytest.raises(envvars.EnvError, match="spec.bogus"):
        envvars.resolve(pod.spec.containers[0], pod, FACTS)


@pytest.mark.parametrize("text,expected", [("$(A)", "1"), ("$$(A)", "$(A)"), ("$(A", "$(A"), ("x$(B)y", "x$(B)y"),
                                           ("$(A)$(A)", "11"), ("$", "$")])
def test_expansion_rules(text, expected):
    assert envvars.expand(text, {"A": "1"}) == expected
