"""The pod fields about the node that runs it: hostPID/hostIPC to Docker's namespaces, setHostnameAsFQDN, and
their validation, hostUsers, os, readinessGates, runtimeClassName, overhead, resizePolicy, volumeDevices and
the Pod Security checks, each in Kubernetes' words; and the agent's Ready decision with readiness gates."""
from __future__ import annotations

import pytest

from controlplane.apiserver import defaults
from controlplane.apiserver.auth import podsecurity
from controlplane.apiserver.validation.pods import validate_pod
from nodeagent import containers, status
from nodeagent.podworker import asks_for_sync
from nodeagent.runtime.docker import host_config_args
from proto import types_pb2
from tests.fixtures.objects import from_yaml

APP = "  containers: [{name: app, image: busybox}]\n"


def pod(spec: str, name: str = "p"):
    p = from_yaml(f"""
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: default, uid: u-1}}
spec:
{spec}
""")
    defaults.pod(p)  # as the API server: defaults, then validation
    return p


def docker_args(p) -> tuple[dict, dict]:
    """(the sandbox's, the app container's) Docker host options."""
    sandbox = containers.sandbox_spec(p, "n1", 0)
    app = containers.app_spec(p, p.spec.containers[0], "n1", 0, "sb", {}, [], [], [])
    return host_config_args(sandbox), host_config_args(app)


def test_host_pid_and_ipc_put_every_container_in_the_hosts_namespaces():
    sandbox, app = docker_args(pod("  hostPID: true\n  hostIPC: true\n" + APP))
    assert (sandbox["pid_mode"], sandbox["ipc_mode"]) == ("host", "host")
    assert (app["pid_mode"], app["ipc_mode"], app["network_mode"]) == ("host", "host", "container:sb")


def test_without_host_namespaces_containers_join_the_sandbox():
    sandbox, app = docker_args(pod(APP))
    assert (sandbox.get("pid_mode"), sandbox["ipc_mode"]) == (None, "shareable")
    assert (app.get("pid_mode"), app["ipc_mode"]) == (None, "container:sb")
    _, shared = docker_args(pod("  shareProcessNamespace: true\n" + APP))
    assert shared["pid_mode"] == "container:sb"


@pytest.mark.parametrize("spec, expected", [
    ("  hostname: web-0\n  subdomain: nginx\n  setHostnameAsFQDN: true\n", "web-0.nginx.default.svc.cluster.local"),
    ("  hostname: web-0\n  setHostnameAsFQDN: true\n", "web-0"),  # no subdomain: no FQDN
    ("  hostname: web-0\n  subdomain: nginx\n", "web-0"),
    ("  hostNetwork: true\n  subdomain: nginx\n  setHostnameAsFQDN: true\n", ""),  # the node's own name
])
def test_set_hostname_as_fqdn_makes_the_fqdn_the_hostname_when_there_is_one(spec, expected):
    assert containers.hostname(pod(spec + APP), "cluster.local") == expected


def test_a_fqdn_longer_than_the_kernel_allows_is_refused_in_the_kubelets_words():
    p = pod("  hostname: h\n  subdomain: " + "s" * 40 + "\n  setHostnameAsFQDN: true\n" + APP)
    with pytest.raises(containers.SpecError, match=r"failed to construct FQDN from pod hostname and cluster domain, "
                                                   r"FQDN h\.s+\.default\.svc\.cluster\.local is too long \(64 "
                                                   r"characters is the max, 68 characters requested\)"):
        containers.hostname(p, "cluster.local")


GOOD = """
  hostPID: true
  hostIPC: true
  hostUsers: true
  os: {name: linux}
  readinessGates: [{conditionType: "www.example.com/feature-1"}]
  runtimeClassName: gvisor
  setHostnameAsFQDN: true
  subdomain: web
  containers:
  - name: app
    image: busybox
    resizePolicy: [{resourceName: cpu, restartPolicy: NotRequired}, {resourceName: memory, restartPolicy: RestartContainer}]
"""


def test_the_documented_uses_are_valid():
    assert validate_pod(pod(GOOD)) == []


@pytest.mark.parametrize("spec, expected", [
    ("  hostPID: true\n  shareProcessNamespace: true\n" + APP,
     "spec.securityContext.shareProcessNamespace: Invalid value: true: ShareProcessNamespace and HostPID cannot "
     "both be enabled"),
    ("  hostUsers: false\n" + APP, "spec.hostUsers: Forbidden: a user namespace of the pod's own is not supported"),
    ("  hostUsers: false\n  hostPID: true\n" + APP, "spec.HostPID: Forbidden: when `pod.Spec.HostUsers` is false"),
    ("  hostIPC: true\n  securityContext: {sysctls: [{name: kernel.shm_rmid_forced, value: '1'}]}\n" + APP,
     "spec.securityContext.sysctls[0].name: Invalid value: \"kernel.shm_rmid_forced\": may not be specified when "
     "'hostIPC' is true"),
    ("  os: {name: plan9}\n" + APP, 'spec.os: Unsupported value: "plan9": supported values: "linux", "windows"'),
    ("  os: {}\n" + APP, "spec.os.name: Required value: cannot be empty"),
    ("  os: {name: windows}\n  hostPID: true\n" + APP, "spec.hostPID: Forbidden: cannot be set for a windows pod"),
    ("  os: {name: windows}\n  securityContext: {runAsUser: 1000}\n" + APP,
     "spec.securityContext.runAsUser: Forbidden: cannot be set for a windows pod"),
    ("  os: {name: windows}\n  containers: [{name: app, image: busybox, securityContext: {privileged: false}}]\n",
     "spec.containers[0].securityContext.privileged: Forbidden: cannot be set for a windows pod"),
    ("  readinessGates: [{conditionType: 'bad type!'}]\n" + APP,
     "spec.readinessGates[0].conditionType: Invalid value: \"bad type!\": name part must consist of"),
    ("  runtimeClassName: Not_A_Name\n" + APP, 'spec.runtimeClassName: Invalid value: "Not_A_Name": a lowercase RFC'),
    ("  overhead: {cpu: lots}\n" + APP, 'spec.overhead.limits[cpu]: Invalid value: "lots": must be a valid quantity'),
    ("  containers: [{name: app, image: busybox, resizePolicy: [{resourceName: gpu, restartPolicy: NotRequired}]}]\n",
     'spec.containers[0].resizePolicy: Unsupported value: "gpu": supported values: "cpu", "memory"'),
    ("  restartPolicy: Never\n  containers: [{name: app, image: busybox, resizePolicy: "
     "[{resourceName: cpu, restartPolicy: RestartContainer}]}]\n",
     "spec.containers[0].resizePolicy: Invalid value: \"RestartContainer\": must be 'NotRequired' when "
     "`restartPolicy` is 'Never'"),
    ("  initContainers: [{name: i, image: busybox, resizePolicy: [{resourceName: cpu, restartPolicy: NotRequired}]}]\n"
     + APP, "spec.initContainers[0].resizePolicy: Invalid value: "),
    ("  containers: [{name: app, image: busybox, volumeDevices: [{name: data, devicePath: /dev/xvda}]}]\n",
     "spec.containers[0].volumeDevices: Forbidden: raw block devices are not supported"),
])
def test_bad_input_names_the_field_in_kubernetes_words(spec, expected):
    found = validate_pod(pod(spec))
    assert any(e.startswith(expected) for e in found), found


def test_baseline_forbids_host_pid_and_ipc_naming_each():
    assert podsecurity.violations(pod("  hostNetwork: true\n  hostPID: true\n  hostIPC: true\n" + APP),
                                  "baseline") == ["host namespaces (hostNetwork=true, hostPID=true, hostIPC=true)"]
    assert podsecurity.violations(pod("  hostPID: true\n" + APP), "baseline") == ["host namespaces (hostPID=true)"]


def test_restricted_does_not_ask_a_windows_pod_for_linux_only_settings():
    windows = pod("  os: {name: windows}\n  securityContext: {runAsNonRoot: true}\n" + APP)
    assert podsecurity.violations(windows, "restricted") == []


# ---------------------------------------------------------------- readiness gates (the agent's decision)

GATES = [types_pb2.PodReadinessGate(condition_type="www.example.com/feature-1"),
         types_pb2.PodReadinessGate(condition_type="www.example.com/feature-2")]


def conditions(**statuses) -> list:
    return [types_pb2.Condition(type=f"www.example.com/{k.replace('_', '-')}", status=v) for k, v in statuses.items()]


def test_ready_needs_the_containers_and_every_gate_true():
    assert status.ready_condition(GATES, conditions(feature_1="True", feature_2="True"), True) == ("True", "", "")
    assert status.ready_condition([], [], True) == ("True", "", "")
    assert status.ready_condition(GATES, conditions(feature_1="True", feature_2="True"), False,
                                  "ContainersNotReady", "containers with unready status: [app]") == \
        ("False", "ContainersNotReady", "containers with unready status: [app]")


def test_unready_gates_are_named_in_kubernetes_words():
    assert status.ready_condition(GATES, conditions(feature_1="False"), True) == (
        "False", "ReadinessGatesNotReady",
        'the status of pod readiness gate "www.example.com/feature-1" is not "True", but False, '
        'corresponding condition of pod readiness gate "www.example.com/feature-2" does not exist.')


def test_conditions_written_by_others_survive_the_agents_status():
    own = types_pb2.PodStatus(phase="Running", conditions=[types_pb2.Condition(type="Ready", status="False")])
    api = types_pb2.PodStatus(conditions=[types_pb2.Condition(type="Ready", status="False"),
                                          *conditions(feature_1="True")])
    merged = status.with_others_conditions(own, api)
    assert [(c.type, c.status) for c in merged.conditions] == [("Ready", "False"),
                                                              ("www.example.com/feature-1", "True")]
    assert merged.phase == "Running"


def test_a_gate_condition_flip_asks_for_a_sync_other_status_changes_do_not():
    before = pod("  readinessGates: [{conditionType: www.example.com/feature-1}]\n" + APP)
    after = types_pb2.Pod()
    after.CopyFrom(before)
    after.status.conditions.extend(conditions(feature_1="True"))
    assert asks_for_sync(before, after)
    other = types_pb2.Pod()
    other.CopyFrom(before)
    other.status.conditions.add(type="Something", status="True")
    assert not asks_for_sync(before, other)


def test_only_the_default_runtime_handler_runs_and_others_are_refused_in_containerds_words():
    assert containers.runtime_refusal("") is None and containers.runtime_refusal("runc") is None
    assert containers.runtime_refusal("runsc").startswith(
        'failed to get sandbox runtime: no runtime for "runsc" is configured')


def test_a_pod_for_another_os_is_refused_as_the_kubelets_admission_does():
    assert containers.os_refusal(pod("  os: {name: windows}\n" + APP)) == (
        "PodOSNotSupported", "Failed to admit pod as the OS field doesn't match node OS")
    assert containers.os_refusal(pod("  os: {name: linux}\n" + APP)) is None
    assert containers.os_refusal(pod(APP)) is None


def test_describe_and_wide_columns_show_the_gates_and_the_runtime_class_as_kubectl():
    from api.columns import readiness_gates
    from cli.describe_pods import pod_body
    p = pod("  runtimeClassName: gvisor\n  readinessGates: [{conditionType: www.example.com/feature-1}, "
            "{conditionType: www.example.com/feature-2}]\n" + APP)
    p.status.conditions.extend(conditions(feature_1="True"))
    assert readiness_gates(p) == "1/2" and readiness_gates(pod(APP)) == "<none>"
    body = pod_body(p)
    assert "Runtime Class Name:  gvisor" in body
    gates = body.index("Readiness Gates:")
    assert body[gates + 1:gates + 4] == ["  Type                        Status",
                                         "  www.example.com/feature-1   True",
                                         "  www.example.com/feature-2   <none>"]


# ---------------------------------------------------------------- volume mounts: subPathExpr, propagation, RRO

def mounted(mount: str, env: dict | None = None, privileged: bool = False):
    sc = "{privileged: true}" if privileged else "{}"
    p = pod(f"  volumes: [{{name: logs, emptyDir: {{}}}}]\n  containers:\n  - name: app\n    image: busybox\n"
            f"    securityContext: {sc}\n    volumeMounts: [{{name: logs, mountPath: /logs, {mount}}}]\n")
    return p, containers.mounts(p, p.spec.containers[0], "/state", env=env)


def test_sub_path_expr_is_expanded_from_the_containers_environment():
    _, (mount_list, dirs) = mounted("subPathExpr: $(POD_NAME)/app", {"POD_NAME": "web-0"})
    assert [d.sub_path for d in dirs if isinstance(d, containers.SubPath)] == ["web-0/app"]
    with pytest.raises(containers.SpecError, match="missing value for POD_NAME"):
        mounted("subPathExpr: $(POD_NAME)", {})


def test_mount_propagation_reaches_docker_and_recursive_read_only_enabled_is_refused():
    _, (mount_list, _) = mounted("mountPropagation: HostToContainer")
    assert mount_list[0].propagation == "rslave"
    spec = containers.app_spec(pod(APP), pod(APP).spec.containers[0], "n1", 0, "sb", {}, [], [], mount_list)
    assert host_config_args(spec)["mounts"][0]["BindOptions"] == {"Propagation": "rslave"}
    _, (fallback, _) = mounted("readOnly: true, recursiveReadOnly: IfPossible")
    assert fallback[0].read_only  # a plain read-only bind where Docker has no recursive one
    with pytest.raises(containers.SpecError, match='volume "logs" requested recursive read-only mode, but it is '
                                                   'not supported by the runtime'):
        mounted("readOnly: true, recursiveReadOnly: Enabled")


@pytest.mark.parametrize("mount, expected", [
    ("subPath: a, subPathExpr: $(X)", 'volumeMounts[0].subPathExpr: Invalid value: "$(X)": subPathExpr and subPath '
                                      'are mutually exclusive'),
    ("subPathExpr: ../$(X)", "volumeMounts[0].subPathExpr: Invalid value: \"../$(X)\": must not contain '..'"),
    ("mountPropagation: Bidirectional", "volumeMounts[0].mountPropagation: Forbidden: Bidirectional mount "
                                        "propagation is available only to privileged containers"),
    ("mountPropagation: Sideways", 'volumeMounts[0].mountPropagation: Unsupported value: "Sideways"'),
    ("recursiveReadOnly: Enabled", "volumeMounts[0].recursiveReadOnly: Forbidden: may only be specified when "
                                   "readOnly is true"),
])
def test_volume_mount_modes_are_validated_in_kubernetes_words(mount, expected):
    p = pod(f"  volumes: [{{name: logs, emptyDir: {{}}}}]\n  containers:\n  - name: app\n    image: busybox\n"
            f"    volumeMounts: [{{name: logs, mountPath: /logs, {mount}}}]\n")
    found = validate_pod(p)
    assert any(e.startswith("spec.containers[0]." + expected) for e in found), found


def test_a_sleep_hook_must_end_within_the_grace_period():
    ok = pod("  containers: [{name: app, image: busybox, lifecycle: {preStop: {sleep: {seconds: 5}}}}]\n")
    assert validate_pod(ok) == []
    long = pod("  terminationGracePeriodSeconds: 10\n"
               "  containers: [{name: app, image: busybox, lifecycle: {preStop: {sleep: {seconds: 11}}}}]\n")
    assert validate_pod(long) == [
        "spec.containers[0].lifecycle.preStop.sleep: Invalid value: 11: must be greater than 0 and less than "
        "terminationGracePeriodSeconds (10). Enable AllowPodLifecycleSleepActionZeroValue feature gate for zero sleep."]


# ---------------------------------------------------------------- windowsOptions

@pytest.mark.parametrize("spec, expected", [
    ("  os: {name: linux}\n  securityContext: {windowsOptions: {runAsUserName: ContainerUser}}\n" + APP,
     "spec.securityContext.windowsOptions: Forbidden: windows options cannot be set for a linux pod"),
    ("  securityContext: {windowsOptions: {runAsUserName: ''}}\n" + APP,
     'spec.securityContext.windowsOptions.runAsUserName: Invalid value: "": runAsUserName cannot be an empty string'),
    ("  containers: [{name: app, image: busybox, securityContext: {windowsOptions: {gmsaCredentialSpecName: Bad_Name}}}]\n",
     'spec.containers[0].securityContext.windowsOptions.gmsaCredentialSpecName: Invalid value: "Bad_Name": a lowercase'),
    ("  securityContext: {windowsOptions: {hostProcess: true}}\n" + APP,
     "spec.hostNetwork: Invalid value: false: hostNetwork must be true if pod contains any hostProcess containers"),
])
def test_windows_options_are_validated_in_kubernetes_words(spec, expected):
    found = validate_pod(pod(spec))
    assert any(e.startswith(expected) for e in found), found


def test_windows_options_of_a_windows_pod_are_kept_and_baseline_forbids_host_process():
    windows = pod("  os: {name: windows}\n  hostNetwork: true\n"
                  "  securityContext: {windowsOptions: {hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM'}}\n"
                  + APP)
    assert validate_pod(windows) == []
    assert podsecurity.violations(windows, "baseline") == [
        "host namespaces (hostNetwork=true)",
        'hostProcess (pod must not set securityContext.windowsOptions.hostProcess=true)']


def test_a_status_update_judges_the_conditions_others_write():
    from controlplane.apiserver.resources.pod import STRATEGY
    p = pod(APP)
    p.status.conditions.add(type="www.example.com/feature-1", status="True")
    assert STRATEGY.validate_status_update(p, p) == []
    p.status.conditions.add(type="not a type!", status="True")
    assert STRATEGY.validate_status_update(p, p)[0].startswith(
        'status.conditions[1].Type: Invalid value: "not a type!": name part must consist of')
