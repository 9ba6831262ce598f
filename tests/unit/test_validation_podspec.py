"""Validation of the pod spec people write: securityContext, sysctls, sidecars, probes, hostAliases,
pod (anti-)affinity and topology spread, every error with its field path (Kubernetes' words)."""
from __future__ import annotations

import pytest

from controlplane.apiserver import defaults
from controlplane.apiserver.validation.pods import validate_pod
from tests.fixtures.objects import from_yaml


def errors_of(spec: str) -> list[str]:
    pod = from_yaml(f"""
apiVersion: v1
kind: Pod
metadata: {{name: p, namespace: default}}
spec:
{spec}
""")
    defaults.pod(pod)  # as the API server: defaults, then validation
    return validate_pod(pod)


APP = "  containers: [{name: app, image: busybox}]\n"


def test_the_documented_examples_are_valid():
    assert errors_of(APP + """
  securityContext:
    runAsUser: 1000
    runAsGroup: 3000
    fsGroup: 2000
    supplementalGroups: [4000]
    seccompProfile: {type: RuntimeDefault}
    appArmorProfile: {type: Localhost, localhostProfile: k8s-apparmor-example-deny-write}
    sysctls: [{name: net.ipv4.ip_local_port_range, value: "1024 65000"}, {name: kernel.shm_rmid_forced, value: "0"}]
  hostAliases: [{ip: 127.0.0.1, hostnames: [foo.local, bar.local]}]
  initContainers:
  - name: logshipper
    image: busybox
    restartPolicy: Always
    readinessProbe: {exec: {command: [cat, /tmp/ready]}}
    startupProbe: {grpc: {port: 9090}}
  affinity:
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - {labelSelector: {matchLabels: {app: store}}, topologyKey: kubernetes.io/hostname}
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        podAffinityTerm: {labelSelector: {matchExpressions: [{key: security, operator: In, values: [S2]}]},
                          topologyKey: topology.kubernetes.io/zone}
  topologySpreadConstraints:
  - {maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, minDomains: 2,
     labelSelector: {matchLabels: {foo: bar}}}
""") == []


@pytest.mark.parametrize("spec, expected", [
    ("  securityContext: {runAsUser: -1}\n" + APP,
     "spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive"),
    ("  containers: [{name: app, image: busybox, securityContext: {runAsGroup: -5}}]\n",
     "spec.containers[0].securityContext.runAsGroup: Invalid value: -5: must be between 0 and 2147483647, inclusive"),
    ("  securityContext: {supplementalGroups: [-1]}\n" + APP,
     "spec.securityContext.supplementalGroups[0]: Invalid value: -1: must be between 0 and 2147483647, inclusive"),
    ("  containers: [{name: app, image: busybox, securityContext: {capabilities: {add: [NET_ADMIN, FLY]}}}]\n",
     'spec.containers[0].securityContext.capabilities.add[1]: Invalid value: "FLY": not a Linux capability '
     '(e.g. NET_ADMIN, SYS_TIME, or ALL)'),
    ("  securityContext: {sysctls: [{name: kernel.msgmax, value: '65536'}]}\n" + APP,
     'spec.securityContext.sysctls[0].name: Forbidden: sysctl "kernel.msgmax" is not in the safe set'),
    ("  hostNetwork: true\n  securityContext: {sysctls: [{name: net.ipv4.tcp_syncookies, value: '1'}]}\n" + APP,
     'spec.securityContext.sysctls[0].name: Invalid value: "net.ipv4.tcp_syncookies": may not be specified when '
     "'hostNetwork' is true"),
    ("  containers: [{name: app, image: busybox, securityContext: {seccompProfile: {type: Localhost}}}]\n",
     "spec.containers[0].securityContext.seccompProfile.localhostProfile: Required value: must be set when "
     "seccomp type is Localhost"),
    ("  securityContext: {seccompProfile: {type: Localhost, localhostProfile: ../../etc/p.json}}\n" + APP,
     "spec.securityContext.seccompProfile.localhostProfile: Invalid value: \"../../etc/p.json\": must not contain '..'"),
    ("  securityContext: {seccompProfile: {type: Localhost, localhostProfile: /etc/p.json}}\n" + APP,
     'spec.securityContext.seccompProfile.localhostProfile: Invalid value: "/etc/p.json": must be a relative path'),
    ("  securityContext: {seccompProfile: {type: Unconfined, localhostProfile: p.json}}\n" + APP,
     'spec.securityContext.seccompProfile.localhostProfile: Invalid value: "p.json": can only be set when seccomp '
     'type is Localhost'),
    ("  securityContext: {appArmorProfile: {type: Localhost}}\n" + APP,
     "spec.securityContext.appArmorProfile.localhostProfile: Required value: must be set when AppArmor type is "
     "Localhost"),
    ("  containers: [{name: app, image: busybox, securityContext: {appArmorProfile: {type: RuntimeDefault, "
     "localhostProfile: deny-write}}}]\n",
     'spec.containers[0].securityContext.appArmorProfile.localhostProfile: Invalid value: "deny-write": can only '
     'be set when AppArmor type is Localhost'),
    ("  securityContext: {appArmorProfile: {type: Complain}}\n" + APP,
     'spec.securityContext.appArmorProfile.type: Unsupported value: "Complain": supported values: "Localhost", '
     '"RuntimeDefault", "Unconfined"'),
    ("  securityContext: {seccompProfile: {type: Audit}}\n" + APP,
     'spec.securityContext.seccompProfile.type: Unsupported value: "Audit": supported values: "Localhost", '
     '"RuntimeDefault", "Unconfined"'),
    ("  containers: [{name: app, image: busybox, securityContext: {privileged: true, "
     "allowPrivilegeEscalation: false}}]\n",
     "spec.containers[0].securityContext: Invalid value: \"\": cannot set `allowPrivilegeEscalation` to false and "
     "`privileged` to true"),
    ("  topologySpreadConstraints: [{maxSkew: 0, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}]\n" + APP,
     "spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero"),
    ("  topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: Maybe}]\n" + APP,
     'spec.topologySpreadConstraints[0].whenUnsatisfiable: Unsupported value: "Maybe": supported values: '
     '"DoNotSchedule", "ScheduleAnyway"'),
    ("  topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway, "
     "minDomains: 2}]\n" + APP,
     "spec.topologySpreadConstraints[0].minDomains: Invalid value: 2: can only use minDomains if "
     "whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway"),
    ("  affinity: {podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: "
     "[{labelSelector: {matchLabels: {a: b}}}]}}\n" + APP,
     "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Required value: "
     "can not be empty"),
    ("  affinity: {podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: "
     "[{weight: 0, podAffinityTerm: {topologyKey: zone}}]}}\n" + APP,
     "spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: "
     "must be in the range 1-100"),
    ("  containers: [{name: app, image: busybox, restartPolicy: Always}]\n",
     "spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers"),
    ("  initContainers: [{name: i, image: busybox, restartPolicy: Never}]\n" + APP,
     'spec.initContainers[0].restartPolicy: Unsupported value: "Never": supported values: "Always"'),
    ("  initContainers: [{name: i, image: busybox, readinessProbe: {exec: {command: ['true']}}}]\n" + APP,
     "spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without "
     "restartPolicy=Always"),
    ("  containers: [{name: app, image: busybox, livenessProbe: {grpc: {port: 0}}}]\n",
     "spec.containers[0].livenessProbe.grpc.port: Invalid value: 0: must be between 1 and 65535, inclusive"),
    ("  hostAliases: [{ip: not-an-ip, hostnames: [a]}]\n" + APP,
     'spec.hostAliases[0].ip: Invalid value: "not-an-ip": must be a valid IP address'),
])
def test_bad_input_names_the_field(spec, expected):
    found = errors_of(spec)
    assert any(e.startswith(expected) for e in found), found
