"""Pod Security Standards: each check in Kubernetes' words, levels from namespace labels."""
from __future__ import annotations

from controlplane.apiserver.auth import podsecurity
from tests.fixtures.objects import from_yaml


def pod(spec: str):
    return from_yaml(f"""
apiVersion: v1
kind: Pod
metadata: {{name: p, namespace: default}}
spec:
{spec}
""")


ROOT_HOSTPATH = pod("""
  hostNetwork: true
  volumes: [{name: root, hostPath: {path: /}}]
  containers:
  - {name: app, image: busybox, securityContext: {privileged: true}, ports: [{containerPort: 80, hostPort: 80}]}
""")

RESTRICTED_OK = pod("""
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  volumes: [{name: cache, emptyDir: {}}]
  containers:
  - name: app
    image: busybox
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
""")


def test_baseline_names_each_violation_as_kubernetes_does():
    assert podsecurity.violations(ROOT_HOSTPATH, "baseline") == [
        "host namespaces (hostNetwork=true)",
        'privileged (container "app" must not set securityContext.privileged=true)',
        'hostPath volumes (volume "root")',
        'hostPort (container "app" uses hostPort 80)',
    ]


def test_restricted_requires_the_hardened_settings_and_accepts_them():
    plain = pod("  containers: [{name: app, image: busybox}]")
    assert podsecurity.violations(plain, "baseline") == []
    assert podsecurity.violations(plain, "restricted") == [
        'allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false)',
        'unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"])',
        'runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true)',
        'seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" '
        'or "Localhost")',
    ]
    assert podsecurity.violations(RESTRICTED_OK, "restricted") == []


def test_namespace_labels_pick_enforce_warn_and_audit():
    labels = {"pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/warn": "restricted",
              "pod-security.kubernetes.io/audit": "restricted"}
    refusal, warnings, audits = podsecurity.evaluate(ROOT_HOSTPATH, labels)
    assert refusal.startswith('pods "p" is forbidden: violates PodSecurity "baseline:latest": host namespaces')
    plain = pod("  containers: [{name: app, image: busybox}]")
    refusal, warnings, audits = podsecurity.evaluate(plain, labels)
    assert refusal is None
    assert warnings[0].startswith('would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false')
    assert audits and audits[0].startswith('violates PodSecurity "restricted:latest"')
    assert podsecurity.evaluate(ROOT_HOSTPATH, {}) == (None, [], [])  # unlabelled: privileged


def test_unset_warn_and_audit_follow_a_stricter_enforce_level_but_set_ones_stay():
    from controlplane.apiserver.auth import podsecurity
    enforce = {"pod-security.kubernetes.io/enforce": "restricted"}
    assert podsecurity.levels(enforce) == {"enforce": "restricted", "warn": "restricted", "audit": "restricted"}
    both = {**enforce, "pod-security.kubernetes.io/warn": "baseline"}
    assert podsecurity.levels(both)["warn"] == "baseline"


def test_unconfined_app_armor_is_forbidden_by_baseline_as_kubernetes_says_it():
    unconfined = pod("""
  securityContext: {appArmorProfile: {type: Unconfined}}
  containers:
  - {name: app, image: busybox, securityContext: {appArmorProfile: {type: Unconfined}}}
  - {name: side, image: busybox, securityContext: {appArmorProfile: {type: Localhost, localhostProfile: p}}}
""")
    assert podsecurity.violations(unconfined, "baseline") == [
        'forbidden AppArmor profile (pod must not set securityContext.appArmorProfile.type to "Unconfined")']
    unconfined.spec.security_context.ClearField("app_armor_profile")
    assert podsecurity.violations(unconfined, "baseline") == [
        'forbidden AppArmor profile (container "app" must not set securityContext.appArmorProfile.type to '
        '"Unconfined")']
