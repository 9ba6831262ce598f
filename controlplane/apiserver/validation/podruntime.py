"""Validation, in Kubernetes' words, of the pod fields about the node that runs it: host namespaces, hostUsers, os
and windowsOptions, readinessGates, runtimeClassName; and of a container's resizePolicy and volumeDevices."""
from __future__ import annotations

from api import manifest, names
from controlplane.apiserver.validation.fielderrors import (Path, duplicate, each, forbidden, invalid, not_supported,
                                                           required)
from proto import types_pb2

OS_NAMES = ("linux", "windows")
RESIZE_RESOURCES = ("cpu", "memory")
RESIZE_POLICIES = ("NotRequired", "RestartContainer")
VOLUME_DEVICES = "raw block devices are not supported by skiff's nodes (their volumes are directories); use volumeMounts"
WINDOWS = "cannot be set for a windows pod"

# Why `hostUsers: false` is refused rather than dropped (a 1.32 API server, whose UserNamespacesSupport gate is
# off by default, drops it and runs the pod in the host's user namespace): Docker maps users per daemon
# (`userns-remap`), never per container, so no skiff node can give one pod a user namespace of its own.
HOST_USERS_FALSE = ("a user namespace of the pod's own is not supported by skiff's nodes (Docker maps users per "
                    "daemon, not per container); remove hostUsers or set it to true")

# Pod securityContext fields a windows pod may not set (Kubernetes' validateWindows), by proto name.
_WINDOWS_POD_CONTEXT = (("app_armor_profile", "appArmorProfile"), ("se_linux_options", "seLinuxOptions"),
                        ("seccomp_profile", "seccompProfile"), ("fs_group", "fsGroup"),
                        ("run_as_user", "runAsUser"), ("run_as_group", "runAsGroup"))
_WINDOWS_CONTAINER_CONTEXT = (("app_armor_profile", "appArmorProfile"), ("se_linux_options", "seLinuxOptions"),
                              ("seccomp_profile", "seccompProfile"), ("capabilities", "capabilities"),
                              ("read_only_root_filesystem", "readOnlyRootFilesystem"),
                              ("privileged", "privileged"), ("allow_privilege_escalation", "allowPrivilegeEscalation"),
                              ("run_as_user", "runAsUser"), ("run_as_group", "runAsGroup"))


def validate(spec: types_pb2.PodSpec, path: Path) -> list[str]:
    """Every rule of this module over one pod spec (in a pod or a template)."""
    errors = validate_host_namespaces(spec, path)
    errors += validate_readiness_gates(spec.readiness_gates, path.child("readinessGates"))
    if spec.HasField("runtime_class_name"):
        errors += each(names.dns1123_subdomain(spec.runtime_class_name), path.child("runtimeClassName"),
                       spec.runtime_class_name)
    errors += validate_windows_options(spec, path)
    if spec.HasField("os"):
        os_errors = validate_os(spec.os, path.child("os"))
        if not os_errors and spec.os.name == "windows":
            os_errors = validate_windows(spec, path)
        elif not os_errors:  # Kubernetes' validateLinux
            os_errors = [forbidden(p.child("windowsOptions"), "windows options cannot be set for a linux pod")
                         for p, sc in security_contexts(spec, path) if sc.HasField("windows_options")]
        errors += os_errors
    return errors


def security_contexts(spec: types_pb2.PodSpec, path: Path):
    """(path, securityContext) of the pod, then of each container (init, regular, ephemeral: Kubernetes' order)."""
    yield path.child("securityContext"), spec.security_context
    for kind, containers in (("initContainers", spec.init_containers), ("containers", spec.containers),
                             ("ephemeralContainers", spec.ephemeral_containers)):
        for i, c in enumerate(containers):
            yield path.child(kind).index(i).child("securityContext"), c.security_context


def validate_windows_options(spec: types_pb2.PodSpec, path: Path) -> list[str]:
    """Kubernetes' validateWindowsSecurityContextOptions (its main rules) for every securityContext, and
    validateWindowsHostProcessPod. The options are kept and, as on Kubernetes' Linux nodes, have no effect."""
    errors = []
    for where, sc in security_contexts(spec, path):
        if not sc.HasField("windows_options"):
            continue
        options, p = sc.windows_options, where.child("windowsOptions")
        if options.HasField("gmsa_credential_spec_name"):
            errors += each(names.dns1123_subdomain(options.gmsa_credential_spec_name),
                           p.child("gmsaCredentialSpecName"), options.gmsa_credential_spec_name)
        if options.HasField("gmsa_credential_spec"):
            if not options.gmsa_credential_spec:
                errors.append(invalid(p.child("gmsaCredentialSpec"), "", "gmsaCredentialSpec cannot be an empty string"))
            elif len(options.gmsa_credential_spec) > 64 * 1024:
                errors.append(invalid(p.child("gmsaCredentialSpec"), options.gmsa_credential_spec,
                                      "gmsaCredentialSpec size must be under 64 KiB"))
        if options.HasField("run_as_user_name"):
            errors += _run_as_user_name(options.run_as_user_name, p.child("runAsUserName"))
    errors += _host_process(spec, path)
    return errors


def _run_as_user_name(name: str, path: Path) -> list[str]:
    if not name:
        return [invalid(path, name, "runAsUserName cannot be an empty string")]
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        return [invalid(path, name, "runAsUserName cannot contain control characters")]
    if name.count("\\") > 1:
        return [invalid(path, name, "runAsUserName cannot contain more than one backslash")]
    user = name.rpartition("\\")[2]
    if not user:
        return [invalid(path, name, "runAsUserName's User cannot be empty")]
    if len(user) > 104:
        return [invalid(path, name, "runAsUserName's User length must not be longer than 104 characters")]
    return []


def _host_process(spec: types_pb2.PodSpec, path: Path) -> list[str]:
    """A pod's containers are all HostProcess ones or none is, and such a pod is on the host's network."""
    pod_says = spec.security_context.windows_options
    pod_value = pod_says.host_process if pod_says.HasField("host_process") else None
    errors, count, host_process = [], 0, 0
    for where, sc in list(security_contexts(spec, path))[1:]:
        count += 1
        mine = sc.windows_options.host_process if sc.windows_options.HasField("host_process") else None
        if pod_value is not None and mine is not None and mine != pod_value:
            errors.append(invalid(where.child("windowsOptions", "hostProcess"), mine,
                                  f"pod hostProcess value must be identical if both are specified, was "
                                  f"{str(pod_value).lower()}"))
        host_process += bool(mine) if mine is not None else bool(pod_value)
    if host_process:
        if host_process != count:
            errors.append(invalid(path, "", "If pod contains any hostProcess containers then all containers must be "
                                            "HostProcess containers"))
        if not spec.host_network:
            errors.append(invalid(path.child("hostNetwork"), False,
                                  "hostNetwork must be true if pod contains any hostProcess containers"))
    return errors


def validate_container(c: types_pb2.Container, path: Path, pod_restart_policy: str, init: bool) -> list[str]:
    errors = []
    if c.resize_policy:
        if init:  # Kubernetes 1.32: an init container is never resized
            errors.append(invalid(path.child("resizePolicy"), [manifest.to_dict(p) for p in c.resize_policy],
                                  "must not be set for init containers"))
        errors += validate_resize_policy(c.resize_policy, path.child("resizePolicy"), pod_restart_policy)
    if c.volume_devices:
        errors.append(forbidden(path.child("volumeDevices"), VOLUME_DEVICES))
    return errors


def validate_resize_policy(policies, path: Path, pod_restart_policy: str) -> list[str]:
    """Kubernetes' validateResizePolicy (errors name the list, not the entry, as its do). Kept and validated
    though nothing resizes a container in place: in 1.32 InPlacePodVerticalScaling is off, and a pod's resources
    may not change at all in an update."""
    errors, seen = [], set()
    for i, p in enumerate(policies):
        if p.resource_name in seen:
            errors.append(duplicate(path.index(i), p.resource_name))
        seen.add(p.resource_name)
        if not p.resource_name:
            errors.append(required(path))
        elif p.resource_name not in RESIZE_RESOURCES:
            errors.append(not_supported(path, p.resource_name, RESIZE_RESOURCES))
        if not p.restart_policy:
            errors.append(required(path))
        elif p.restart_policy not in RESIZE_POLICIES:
            errors.append(not_supported(path, p.restart_policy, RESIZE_POLICIES))
        if pod_restart_policy == "Never" and p.restart_policy != "NotRequired":
            errors.append(invalid(path, p.restart_policy, "must be 'NotRequired' when `restartPolicy` is 'Never'"))
    return errors


def validate_host_namespaces(spec: types_pb2.PodSpec, path: Path) -> list[str]:
    errors = []
    if spec.host_pid and spec.HasField("share_process_namespace") and spec.share_process_namespace:
        # Kubernetes names the internal path (its shareProcessNamespace lives in the pod's securityContext).
        errors.append(invalid(path.child("securityContext", "shareProcessNamespace"), True,
                              "ShareProcessNamespace and HostPID cannot both be enabled"))
    if spec.HasField("host_users") and not spec.host_users:
        windows = spec.os.name == "windows"  # validate_windows says it once, in Kubernetes' words
        if not windows:
            errors.append(forbidden(path.child("hostUsers"), HOST_USERS_FALSE))
        # Kubernetes' validateHostUsers: no user namespace of its own beside a host namespace.
        for on, name in ((spec.host_network, "hostNetwork"), (spec.host_pid, "HostPID"), (spec.host_ipc, "HostIPC")):
            if on:
                errors.append(forbidden(path.child(name), "when `pod.Spec.HostUsers` is false"))
    return errors


def validate_readiness_gates(gates, path: Path) -> list[str]:
    errors = []
    for i, gate in enumerate(gates):
        errors += each(names.qualified_name(gate.condition_type), path.index(i).child("conditionType"),
                       gate.condition_type)
    return errors


def validate_os(os: types_pb2.PodOS, path: Path) -> list[str]:
    if not os.name:
        return [required(path.child("name"), "cannot be empty")]
    if os.name not in OS_NAMES:
        return [not_supported(path, os.name, OS_NAMES)]
    return []


def validate_windows(spec: types_pb2.PodSpec, path: Path) -> list[str]:
    """What a windows pod may not set (Linux-only fields), as Kubernetes' validateWindows lists them."""
    errors = []
    sc, scp = spec.security_context, path.child("securityContext")
    for field, name in _WINDOWS_POD_CONTEXT[:2]:
        if sc.HasField(field):
            errors.append(forbidden(scp.child(name), WINDOWS))
    for on, name in ((spec.HasField("host_users"), "hostUsers"), (spec.host_pid, "hostPID"),
                     (spec.host_ipc, "hostIPC")):
        if on:
            errors.append(forbidden(path.child(name), WINDOWS))
    for field, name in _WINDOWS_POD_CONTEXT[2:4]:
        if sc.HasField(field):
            errors.append(forbidden(scp.child(name), WINDOWS))
    if sc.fs_group_change_policy:
        errors.append(forbidden(scp.child("fsGroupChangePolicy"), WINDOWS))
    if sc.sysctls:
        errors.append(forbidden(scp.child("sysctls"), WINDOWS))
    if spec.HasField("share_process_namespace"):
        errors.append(forbidden(path.child("shareProcessNamespace"), WINDOWS))
    for field, name in _WINDOWS_POD_CONTEXT[4:]:
        if sc.HasField(field):
            errors.append(forbidden(scp.child(name), WINDOWS))
    if sc.supplemental_groups:
        errors.append(forbidden(scp.child("supplementalGroups"), WINDOWS))
    for kind, containers in (("initContainers", spec.init_containers), ("containers", spec.containers),
                             ("ephemeralContainers", spec.ephemeral_containers)):
        for i, c in enumerate(containers):
            if not c.HasField("security_context"):
                continue
            csc, cp = c.security_context, path.child(kind).index(i).child("securityContext")
            for field, name in _WINDOWS_CONTAINER_CONTEXT[:7]:
                if csc.HasField(field):
                    errors.append(forbidden(cp.child(name), WINDOWS))
            if csc.proc_mount:
                errors.append(forbidden(cp.child("procMount"), WINDOWS))
            for field, name in _WINDOWS_CONTAINER_CONTEXT[7:]:
                if csc.HasField(field):
                    errors.append(forbidden(cp.child(name), WINDOWS))
    return errors
